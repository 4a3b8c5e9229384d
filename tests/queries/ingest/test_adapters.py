"""Real inputs: SSDA903 CSVs, CIN census XML, and the SSD through SQL (SQLite and a real
PostgreSQL server the test starts). Small hand-made files; expected contract rows and
KPIs worked out by hand from the rules.
"""

from __future__ import annotations

import csv
import datetime as dt
import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
import sqlalchemy as sa

from queries.access.scope import SYSTEM
from queries.core.db import cursor
from queries.core.errors import ConfigError
from queries.ingest.adapters import NOT_RECORDED, AdapterError, Extract, cin, sql, ssda903
from queries.measures.kpis import Filters, kpi_range
from tests.helpers import load
from tests.servers import PASSWORD, Postgres

D = dt.date
FY2020 = (D(2020, 4, 1), D(2021, 3, 31))


def write_csv(path: Path, header: list[str], rows: list[list[str]]) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("w", newline="", encoding="utf-8") as fh:
        w = csv.writer(fh)
        w.writerow(header)
        w.writerows(rows)


def read_csv(path: Path) -> list[dict[str, str]]:
    with path.open(newline="", encoding="utf-8") as fh:
        return list(csv.DictReader(fh))


# --- SSDA903 ---------------------------------------------------------------------------


@pytest.fixture
def ssda903_dir(tmp_path: Path) -> Path:
    d = tmp_path / "903"
    children = [["1001", "1", "04/03/2012", "WBRI"], ["1002", "2", "07/06/2015", "MWBC"]]
    write_csv(d / "header.csv", ["CHILD", "SEX", "DOB", "ETHNIC"], children)
    write_csv(
        d / "episodes.csv",
        ["CHILD", "DECOM", "RNE", "LS", "PLACE", "DEC", "REC"],
        [
            # 1001: E1 ends X1 (care goes on), E2 carries the period to 30/09/2020 (E11).
            ["1001", "01/04/2020", "S", "C2", "U1", "15/06/2020", "X1"],
            ["1001", "15/06/2020", "P", "C2", "U3", "30/09/2020", "E11"],
            # ... then a new period (RNE S) from 01/02/2021, still open.
            ["1001", "01/02/2021", "S", "V2", "U1", "", ""],
            # 1002: one period from Sun 10/01/2021 through an X1 change of placement.
            ["1002", "10/01/2021", "S", "C2", "U1", "31/01/2021", "X1"],
            ["1002", "31/01/2021", "L", "C2", "U4", "", ""],
            # Line 7: no such day.
            ["1003", "31/02/2020", "S", "C2", "U1", "", ""],
        ],
    )
    write_csv(d / "reviews.csv", ["CHILD", "DOB", "REVIEW", "REVIEW_CODE"],
              [["1001", "04/03/2012", "29/04/2020", "PN1"],
               ["1002", "07/06/2015", "05/02/2021", "PN7"]])  # fmt: skip
    return d


def test_ssda903_periods_of_care_follow_rne_and_rec(ssda903_dir: Path) -> None:
    ext = ssda903.read(ssda903_dir)
    periods = [(p["period_id"], p["start_date"], p["end_date"]) for p in ext.rows["cla_periods"]]
    assert periods == [
        ("1001/20200401", D(2020, 4, 1), D(2020, 9, 30)),  # E1 + E2 (X1 carried it on)
        ("1001/20210201", D(2021, 2, 1), None),  # RNE S: a new, open period
        ("1002/20210110", D(2021, 1, 10), None),  # X1 then an open episode
    ]
    assert [
        (r["review_id"], r["iro_id"], r["participation_code"]) for r in ext.rows["cla_reviews"]
    ] == [
        ("1001/20200429", NOT_RECORDED, "PN1"),
        ("1002/20210205", NOT_RECORDED, "PN7"),
    ]
    assert ext.problems == [
        "episodes.csv line 7 (CHILD 1003): DECOM '31/02/2020' is not a date (DD/MM/YYYY); "
        "the record is left out"
    ]


def test_ssda903_extract_loads_and_gives_hand_worked_kpis(
    ssda903_dir: Path, tmp_path: Path
) -> None:
    out = tmp_path / "extract"
    counts = ssda903.read(ssda903_dir).write(out)
    assert counts["cla_reviews"] == 2 and counts["cp_conferences"] == 0  # header-only file
    load(out, tmp_path / "sqa.duckdb")
    con, _ = cursor(tmp_path / "sqa.duckdb")
    k = kpi_range(con, *FY2020, scope=SYSTEM)
    # 1001's first review: 20 working days after Wed 1 Apr 2020 (10 and 13 Apr are Easter)
    # is Fri 1 May; held 29 Apr: on time. 1002's: 20 working days after Sun 10 Jan 2021 is
    # Fri 5 Feb; held 5 Feb: on time. 2 of 2. Participation: PN1 yes, PN7 no: 1 of 2.
    assert (k["cla_reviews_on_time"].numerator, k["cla_reviews_on_time"].denominator) == (2, 2)
    assert (k["cla_participation"].numerator, k["cla_participation"].denominator) == (1, 2)
    staff = read_csv(out / "staff.csv")
    assert staff == [
        {"staff_id": NOT_RECORDED, "staff_name": "Not recorded in this return",
         "role": "IRO_CP_CHAIR", "team": "Not recorded", "start_date": "", "end_date": ""}
    ]  # fmt: skip


def test_ssda903_missing_column_names_file_and_columns(ssda903_dir: Path) -> None:
    write_csv(ssda903_dir / "episodes.csv", ["CHILD", "DECOM", "RNE"], [["1", "01/04/2020", "S"]])
    with pytest.raises(AdapterError, match=r"episodes.csv has no column DEC, REC; an SSDA903"):
        ssda903.read(ssda903_dir)
    (ssda903_dir / "reviews.csv").unlink()
    with pytest.raises(AdapterError, match="no SSDA903 reviews file"):
        ssda903.read(ssda903_dir)


# --- CIN census ------------------------------------------------------------------------

CIN_XML = """<?xml version="1.0" encoding="utf-8"?>
<Message>
  <Header><Collection>CIN</Collection></Header>
  <Children>
    <Child>
      <ChildIdentifiers>
        <LAchildID>C1</LAchildID><PersonBirthDate>2012-03-04</PersonBirthDate>
        <GenderCurrent>2</GenderCurrent>
      </ChildIdentifiers>
      <ChildCharacteristics><Ethnicity>WBRI</Ethnicity></ChildCharacteristics>
      <CINdetails>
        <CINreferralDate>2020-04-20</CINreferralDate>
        <Section47>
          <S47ActualStartDate>2020-05-04</S47ActualStartDate>
          <DateOfInitialCPC>2020-05-22</DateOfInitialCPC>
          <ICPCnotRequired>false</ICPCnotRequired>
        </Section47>
        <ChildProtectionPlans>
          <CPPstartDate>2020-05-22</CPPstartDate>
          <InitialCategoryOfAbuse>NEG</InitialCategoryOfAbuse>
          <Reviews><CPPreviewDate>2020-08-20</CPPreviewDate></Reviews>
        </ChildProtectionPlans>
      </CINdetails>
    </Child>
    <Child>
      <ChildIdentifiers>
        <LAchildID>C2</LAchildID><PersonBirthDate>2014-01-01</PersonBirthDate>
      </ChildIdentifiers>
      <CINdetails>
        <Section47><S47ActualStartDate>2020-13-01</S47ActualStartDate></Section47>
      </CINdetails>
    </Child>
  </Children>
</Message>
"""


def test_cin_census_gives_enquiries_plans_and_conferences(tmp_path: Path) -> None:
    path = tmp_path / "cin.xml"
    path.write_text(CIN_XML, encoding="utf-8")
    ext = cin.read(path)
    assert ext.rows["s47_enquiries"] == [
        {"enquiry_id": "C1/S47/20200504", "child_id": "C1", "s47_start_date": D(2020, 5, 4),
         "icpc_required": "Y"}
    ]  # fmt: skip
    assert [
        (p["plan_id"], p["start_date"], p["initial_category"]) for p in ext.rows["cp_plans"]
    ] == [("C1/CPP/20200522", D(2020, 5, 22), "NEG")]
    confs = {c["conference_id"]: c for c in ext.rows["cp_conferences"]}
    assert confs["C1/ICPC/20200522"]["enquiry_id"] == "C1/S47/20200504"
    assert confs["C1/ICPC/20200522"]["plan_id"] == "C1/CPP/20200522"  # it started the plan
    assert confs["C1/CPP/20200522/R/20200820"]["conference_type"] == "RCPC"
    assert ext.problems == [
        "cin.xml: child 2 (LAchildID C2), CINdetails 1 Section47 1: S47ActualStartDate "
        "'2020-13-01' is not a date (YYYY-MM-DD); that record is left out"
    ]
    out = tmp_path / "extract"
    ext.write(out)
    load(out, tmp_path / "sqa.duckdb")
    con, _ = cursor(tmp_path / "sqa.duckdb")
    k = kpi_range(con, *FY2020, scope=SYSTEM)
    # ICPC: the 15th working day after Mon 4 May 2020 is Wed 27 May (8 and 25 May are bank
    # holidays); held 22 May (the 13th): within. RCPC: due 3 months after the ICPC, 22 Aug; held
    # 20 Aug: on time.
    assert (
        k["icpc_within_15_working_days"].numerator,
        k["icpc_within_15_working_days"].denominator,
    ) == (1, 1)
    assert (k["rcpc_on_time"].numerator, k["rcpc_on_time"].denominator) == (1, 1)
    assert k["minutes_within_20_working_days"].rate is None
    assert k["minutes_within_20_working_days"].not_recorded


def test_cin_census_bad_files_are_refused_with_a_reason(tmp_path: Path) -> None:
    broken = tmp_path / "broken.xml"
    broken.write_text("<Message><Children><Child></Message>", encoding="utf-8")
    with pytest.raises(AdapterError, match="broken.xml is not well-formed XML"):
        cin.read(broken)
    bomb = tmp_path / "bomb.xml"
    bomb.write_text(
        '<?xml version="1.0"?><!DOCTYPE m [<!ENTITY a "aaaa"><!ENTITY b "&a;&a;">]>'
        "<Message><Children>&b;</Children></Message>",
        encoding="utf-8",
    )
    with pytest.raises(AdapterError, match="uses XML entities or a DTD"):
        cin.read(bomb)
    other = tmp_path / "other.xml"
    other.write_text("<Return><Children/></Return>", encoding="utf-8")
    with pytest.raises(AdapterError, match="not a CIN census file"):
        cin.read(other)


def test_903_and_cin_merge_into_one_extract(ssda903_dir: Path, tmp_path: Path) -> None:
    path = tmp_path / "cin.xml"
    path.write_text(CIN_XML, encoding="utf-8")
    r = subprocess.run(
        [sys.executable, "-m", "queries.cli", "extract", str(tmp_path / "both"),
         "--ssda903", str(ssda903_dir), "--cin-census", str(path)],
        capture_output=True, text=True, check=False,
    )  # fmt: skip
    assert r.returncode == 0, r.stderr
    staff = read_csv(tmp_path / "both" / "staff.csv")
    assert [s["staff_id"] for s in staff] == [NOT_RECORDED]  # one placeholder, not two
    children = sorted(c["child_id"] for c in read_csv(tmp_path / "both" / "children.csv"))
    assert children == ["1001", "1002", "C1", "C2"]
    assert "DECOM '31/02/2020' is not a date" in r.stderr  # problems go to stderr too


# --- SQL: the SSD, through SQLAlchemy, on SQLite and on a real PostgreSQL ----------------

SSD_DDL = [
    "create table ssd_professionals (prof_professional_id varchar(48), prof_staff_id varchar(48),"
    " prof_professional_name varchar(300), prof_professional_department varchar(100))",
    "create table ssd_person (pers_person_id varchar(48), pers_sex varchar(20),"
    " pers_ethnicity varchar(48), pers_dob timestamp)",
    "create table ssd_cla_episodes (clae_cla_episode_id varchar(48), clae_person_id varchar(48),"
    " clae_cla_episode_start_date timestamp, clae_cla_episode_ceased_date timestamp,"
    " clae_cla_id varchar(48), clae_entered_care_date timestamp)",
    "create table ssd_cla_reviews (clar_cla_review_id varchar(48), clar_cla_id varchar(48),"
    " clar_cla_review_date timestamp, clar_cla_review_cancelled char(1),"
    " clar_cla_review_participation varchar(100), clar_cla_person_id varchar(48))",
    "create table ssd_involvements (invo_involvements_id varchar(48),"
    " invo_professional_id varchar(48), invo_professional_role_id varchar(200),"
    " invo_person_id varchar(48), invo_involvement_start_date timestamp,"
    " invo_involvement_end_date timestamp)",
    "create table ssd_s47_enquiry (s47e_s47_enquiry_id varchar(48), s47e_person_id varchar(48),"
    " s47e_s47_start_date timestamp, s47e_s47_completed_by_team varchar(100))",
    "create table ssd_cp_plans (cppl_cp_plan_id varchar(48), cppl_person_id varchar(48),"
    " cppl_cp_plan_start_date timestamp, cppl_cp_plan_end_date timestamp,"
    " cppl_cp_plan_initial_category varchar(100))",
    "create table ssd_initial_cp_conference (icpc_icpc_id varchar(48),"
    " icpc_s47_enquiry_id varchar(48), icpc_person_id varchar(48), icpc_cp_plan_id varchar(48),"
    " icpc_icpc_transfer_in char(1), icpc_icpc_date timestamp)",
    "create table ssd_cp_reviews (cppr_cp_review_id varchar(48), cppr_person_id varchar(48),"
    " cppr_cp_plan_id varchar(48), cppr_cp_review_date timestamp)",
]
SSD_ROWS: dict[str, list[tuple[object, ...]]] = {
    "ssd_professionals": [
        ("P1", "S1", "Ivy Reed", "IRO Team A"),
        ("P2", "S2", "Ian Ross", "IRO Team A"),
        ("P3", "S3", "Cara Pike", "CP Chairs"),
    ],  # fmt: skip
    "ssd_person": [
        ("C1", "F", "WBRI", D(2012, 3, 4)),
        ("C2", "M", "MWBC", D(2015, 6, 7)),
        ("C3", "F", "WBRI", D(2010, 1, 1)),
    ],  # fmt: skip
    # C1's period of care CLA1: two episodes, the second still open. C3's CLA3 began on
    # 1 Jan 2019 (entered care) though the SSD kept only its episode from 1 Feb 2019.
    "ssd_cla_episodes": [
        ("E1", "C1", D(2020, 4, 1), D(2020, 6, 15), "CLA1", D(2020, 4, 1)),
        ("E2", "C1", D(2020, 6, 15), None, "CLA1", D(2020, 4, 1)),
        ("E3", "C3", D(2019, 2, 1), D(2019, 12, 31), "CLA3", D(2019, 1, 1)),
    ],  # fmt: skip
    "ssd_cla_reviews": [
        ("R1", "CLA1", D(2020, 4, 29), "N", "PN1 - attends and speaks", "C1"),
        ("R2", "CLA1", D(2020, 10, 20), "N", "PN7", "C1"),
        ("R3", "CLA1", D(2020, 10, 25), "Y", "PN1", "C1"),  # cancelled
        # R4's clar_cla_id matches no episode: still C1's review (clar_cla_person_id).
        ("R4", "CLA-X", D(2021, 3, 1), "N", "PN2", "C1"),
        ("R5", "CLA3", D(2019, 1, 20), "N", "PN1", "C3"),  # the SSD's earliest review
    ],  # fmt: skip
    # C1's IRO is P1 from 10 May 2020 (a late record: none on R1's day) to 31 Aug 2020,
    # then P2; C2's CP chair is P3.
    "ssd_involvements": [
        ("V1", "P1", "IRO", "C1", D(2020, 5, 10), D(2020, 8, 31)),
        ("V2", "P2", "iro", "C1", D(2020, 9, 1), None),
        ("V3", "P3", "CP_CHAIR", "C2", D(2020, 5, 1), None),
    ],  # fmt: skip
    "ssd_s47_enquiry": [("S1", "C2", D(2020, 5, 4), "FS North")],
    "ssd_cp_plans": [("L1", "C2", D(2020, 5, 22), None, "PHY")],
    "ssd_initial_cp_conference": [("I1", "S1", "C2", "L1", "N", D(2020, 5, 22))],
    "ssd_cp_reviews": [("K1", "C2", "L1", D(2020, 8, 20))],
}


def fill(engine: sa.Engine) -> None:
    with engine.begin() as conn:
        for ddl in SSD_DDL:
            conn.execute(sa.text(ddl))
        for table, rows in SSD_ROWS.items():
            cols = conn.execute(sa.text(f"select * from {table} where 1 = 0")).keys()  # noqa: S608
            names = ", ".join(f":{c}" for c in cols)
            conn.execute(
                sa.text(f"insert into {table} values ({names})"),  # noqa: S608
                [dict(zip(cols, row, strict=True)) for row in rows],
            )


def check_ssd_extract(out: Path, tmp_path: Path) -> None:
    reviews = {r["review_id"]: r for r in read_csv(out / "cla_reviews.csv")}
    assert sorted(reviews) == ["R1", "R2", "R4", "R5"]  # R3 was cancelled
    # The IRO of each review, through involvements: none open on 29 Apr (P1's starts on
    # 10 May), P2 on 20 Oct and 1 Mar. R1 is kept, by NOT_RECORDED, not lost.
    assert [
        (reviews[r]["child_id"], reviews[r]["iro_id"], reviews[r]["participation_code"])
        for r in ("R1", "R2", "R4")
    ] == [("C1", NOT_RECORDED, "PN1"), ("C1", "P2", "PN7"), ("C1", "P2", "PN2")]
    assert reviews["R1"]["review_date"] == "2020-04-29"
    periods = read_csv(out / "cla_periods.csv")
    assert sorted((p["period_id"], p["start_date"][:10], p["end_date"][:10]) for p in periods) == [
        ("CLA1", "2020-04-01", ""),
        ("CLA3", "2019-01-01", "2019-12-31"),  # from clae_entered_care_date
    ]
    manifest = json.loads((out / "extract_manifest.json").read_text())
    assert manifest["review_coverage_from"] == "2019-01-20"  # the SSD's earliest review
    assert manifest["left_out_at_source"] == {"cla_reviews: cancelled (not a review held)": 1}
    # The mapping returns no minutes date or review format: declared, so the minutes KPI
    # reads "not recorded" rather than 0%.
    assert manifest["columns_not_in_source"]["cla_reviews"] == [
        "review_format",
        "minutes_completed_date",
    ]
    confs = {c["conference_id"]: c for c in read_csv(out / "cp_conferences.csv")}
    assert (confs["I1"]["conference_type"], confs["I1"]["chair_id"], confs["I1"]["enquiry_id"]) == (
        "ICPC", "P3", "S1",
    )  # fmt: skip
    assert (confs["K1"]["conference_type"], confs["K1"]["plan_id"]) == ("RCPC", "L1")
    staff = {s["staff_id"]: (s["role"], s["team"]) for s in read_csv(out / "staff.csv")}
    assert staff == {"P1": ("IRO", "IRO Team A"), "P2": ("IRO", "IRO Team A"),
                     "P3": ("CP_CHAIR", "CP Chairs"),
                     NOT_RECORDED: ("IRO_CP_CHAIR", "Not recorded")}  # fmt: skip
    db = tmp_path / "sqa.duckdb"
    report = load(out, db)
    assert report.left_out_at_source == {"cla_reviews: cancelled (not a review held)": 1}
    assert report.rejects == {}  # every row the queries gave was loaded
    con, _ = cursor(db)
    k = kpi_range(con, *FY2020, scope=SYSTEM)
    # R1: first review, due 20 working days after Wed 1 Apr 2020 = Fri 1 May: on time.
    # R2: second, due 3 months after R1 = 29 Jul 2020; held 20 Oct: late.
    # R4: third, due 6 months after R2 = 20 Apr 2021; held 1 Mar: on time. 2 of 3.
    assert (k["cla_reviews_on_time"].numerator, k["cla_reviews_on_time"].denominator) == (2, 3)
    p2 = kpi_range(con, *FY2020, Filters(staff="P2"), scope=SYSTEM)["cla_reviews_on_time"]
    assert (p2.numerator, p2.denominator) == (1, 2)
    nobody = kpi_range(con, *FY2020, Filters(staff=NOT_RECORDED), scope=SYSTEM)
    assert (nobody["cla_reviews_on_time"].numerator, nobody["cla_reviews_on_time"].denominator) == (
        1, 1,
    )  # fmt: skip
    # ICPC 22 May: the 13th working day after Mon 4 May 2020 (8 May a holiday): within 15.
    # RCPC due 22 Aug (3 months after the ICPC), held 20 Aug: on time.
    assert k["icpc_within_15_working_days"].numerator == 1
    assert (k["rcpc_on_time"].numerator, k["rcpc_on_time"].denominator) == (1, 1)
    assert k["minutes_within_20_working_days"].rate is None
    assert k["minutes_within_20_working_days"].not_recorded


def sqa_extract(env: dict[str, str], *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "queries.cli", "extract", *args],
        capture_output=True,
        text=True,
        env={**os.environ, **env},
        check=False,
    )


def test_ssd_through_sqlite(tmp_path: Path) -> None:
    db = tmp_path / "ssd.sqlite"
    fill(sa.create_engine(f"sqlite:///{db}"))
    out = tmp_path / "extract"
    r = sqa_extract({}, str(out), "--source", f"sqlite:///{db}", "--mapping", "ssd")
    assert r.returncode == 0, r.stderr
    check_ssd_extract(out, tmp_path)


def test_sql_errors_name_the_table_and_keep_the_old_extract(tmp_path: Path) -> None:
    db = tmp_path / "ssd.sqlite"
    fill(sa.create_engine(f"sqlite:///{db}"))
    out = tmp_path / "extract"
    assert (
        sqa_extract({}, str(out), "--source", f"sqlite:///{db}", "--mapping", "ssd").returncode == 0
    )
    before = sorted(p.name for p in out.iterdir())
    with sa.create_engine(f"sqlite:///{db}").begin() as conn:
        conn.execute(sa.text("drop table ssd_cp_reviews"))
    r = sqa_extract({}, str(out), "--source", f"sqlite:///{db}", "--mapping", "ssd")
    assert r.returncode == 2
    assert r.stderr.startswith("sqa: the query for cp_conferences failed on sqlite:///")
    assert "no such table: ssd_cp_reviews" in r.stderr
    assert sorted(p.name for p in out.iterdir()) == before  # nothing half-replaced
    assert not list(tmp_path.glob(".extract.*"))  # and no leftovers
    mapping = tmp_path / "m.toml"
    mapping.write_text('[tables.staff]\nquery = "select 1 as staff_id"\n', encoding="utf-8")
    r = sqa_extract({}, str(out), "--source", f"sqlite:///{db}", "--mapping", str(mapping))
    assert "m.toml has no query for the required tables children, cla_periods" in r.stderr


def test_a_password_on_the_command_line_is_refused() -> None:
    with pytest.raises(ConfigError, match="put it in SQA_SOURCE_PASSWORD"):
        sql.source_url("postgresql+psycopg://sqa:secret@db.example/ssd", "")
    url = sql.source_url("postgresql+psycopg://sqa@db.example/ssd", "s3cret")
    assert url.password == "s3cret"
    assert "s3cret" not in url.render_as_string(hide_password=True)


@pytest.fixture(scope="module")
def postgres(postgres_server: Postgres) -> tuple[str, str]:
    """A database on the session's real PostgreSQL server: (URL without password, password)."""
    name = postgres_server.new_database("ssd")
    return postgres_server.url(name, password=False), PASSWORD


def test_ssd_through_a_real_postgresql(postgres: tuple[str, str], tmp_path: Path) -> None:
    url, password = postgres
    fill(sa.create_engine(sa.engine.make_url(url).set(password=password)))
    out = tmp_path / "extract"
    r = sqa_extract(
        {"SQA_SOURCE_PASSWORD": password}, str(out), "--source", url, "--mapping", "ssd"
    )
    assert r.returncode == 0, r.stderr
    assert password not in r.stdout + r.stderr  # the report shows the URL, not the password
    check_ssd_extract(out, tmp_path)


def test_postgresql_wrong_password_says_so_without_the_password(
    postgres: tuple[str, str], tmp_path: Path
) -> None:
    url, _ = postgres
    r = sqa_extract({"SQA_SOURCE_PASSWORD": "not-it"}, str(tmp_path / "x"), "--source", url,
                    "--mapping", "ssd")  # fmt: skip
    assert r.returncode == 2
    assert r.stderr.startswith("sqa: cannot read from postgresql+psycopg://sqa:***@127.0.0.1")
    assert "password authentication failed" in r.stderr and "not-it" not in r.stderr
    assert not (tmp_path / "x").exists()


def test_extract_rows_are_merged_without_duplicates() -> None:
    a, b = Extract(), Extract()
    a.add("staff", {"staff_id": "X"})
    b.add("staff", {"staff_id": "X"})
    b.add("staff", {"staff_id": "Y"})
    a.merge(b)
    assert [r["staff_id"] for r in a.rows["staff"]] == ["X", "Y"]
