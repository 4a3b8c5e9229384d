"""SSDA903 returns as an authority has them: one year, several years, a full folder, XML.

The same three children throughout, their whole history worked by hand (working days
skip weekends and England's bank holidays):

- **A**: in care from Fri 1 Jun 2018 (RNE S), still in care. Reviews: 28 Jun 2018 (review
  1, due the 20th working day after 1 Jun = Fri 29 Jun: on time); 20 Sep 2018 (due 28 Sep:
  on time); 15 Mar 2019 (due 20 Mar); 10 Sep 2019 (due 15 Sep); 1 Mar 2020 (due 10 Mar);
  1 Aug 2020 (due 1 Sep 2020: on time).
- **B**: in care from Fri 1 May 2020 (RNE S). Reviews: 27 May 2020 (review 1: 20 working
  days after 1 May 2020, skipping VE Day 8 May and 25 May, is Tue 2 Jun: on time);
  10 Sep 2020 (review 2, due 27 Aug: 14 days late).
- **C**: in care from Fri 1 Feb 2019 (RNE S); that episode ends 1 Mar 2020 with REC X1
  (care goes on) and a new placement starts that day (RNE P), still open. Reviews:
  26 Feb 2019 (review 1, due Fri 1 Mar 2019: on time); 20 May 2019 (due 26 May); 10 Nov
  2019 (due 20 Nov); 15 Jul 2020 (review 4, due 10 May 2020: late).

In 2020-21 the full history gives CLA reviews on time **2 of 4** (A's 1 Aug, B's 27 May on
time; B's 10 Sep and C's 15 Jul late).

The 2020-21 return alone (the episodes open in the year, the reviews held in it) holds A's
episode from 2018 but none of A's earlier reviews, and only C's second episode (RNE P). So
A's 1 Aug 2020 review would look like "review 1, due 20 working days after June 2018":
late. It is not judged: its period began before the return's coverage (1 Apr 2020). C's
period's start is unknown (its first episode here is not RNE S). Only B's two reviews are
judged: **1 of 2**, with 2 reviews left out, and not one review counted late that the full
history counts on time.
"""

from __future__ import annotations

import csv
import datetime as dt
import json
import subprocess
import sys
import tempfile
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from queries.access.scope import SYSTEM
from queries.core.db import cursor
from queries.ingest.adapters import AdapterError, ssda903
from queries.measures.kpis import kpi_range, left_out
from tests.helpers import load

D = dt.date
FY2020 = (D(2020, 4, 1), D(2021, 3, 31))
HEADER = ["CHILD", "SEX", "DOB", "ETHNIC"]
EPISODE = ["CHILD", "DECOM", "RNE", "LS", "PL", "DEC", "REC"]
REVIEW = ["CHILD", "DOB", "REVIEW", "REVIEW_CODE"]
CHILDREN = {"A": ["A", "1", "02/03/2010", "WBRI"], "B": ["B", "2", "07/06/2014", "MWBC"],
            "C": ["C", "1", "11/11/2012", "BAFR"]}  # fmt: skip
EPISODES = [
    ["A", "01/06/2018", "S", "C2", "U1", "", ""],
    ["B", "01/05/2020", "S", "C2", "U1", "", ""],
    ["C", "01/02/2019", "S", "C2", "U1", "01/03/2020", "X1"],
    ["C", "01/03/2020", "P", "C2", "U4", "", ""],
]
REVIEWS = [
    ["A", "", "28/06/2018", "PN1"], ["A", "", "20/09/2018", "PN1"], ["A", "", "15/03/2019", "PN2"],
    ["A", "", "10/09/2019", "PN1"], ["A", "", "01/03/2020", "PN3"], ["A", "", "01/08/2020", "PN1"],
    ["B", "", "27/05/2020", "PN1"], ["B", "", "10/09/2020", "PN7"],
    ["C", "", "26/02/2019", "PN2"], ["C", "", "20/05/2019", "PN2"], ["C", "", "10/11/2019", "PN2"],
    ["C", "", "15/07/2020", "PN4"],
]  # fmt: skip


def _day(text: str) -> dt.date:
    return dt.datetime.strptime(text, "%d/%m/%Y").date()


def collection_year(end: int) -> tuple[dt.date, dt.date]:
    """The collection year ending in March ``end`` (2021 = 1 Apr 2020 to 31 Mar 2021)."""
    return D(end - 1, 4, 1), D(end, 3, 31)


def one_year(end: int) -> tuple[list[list[str]], list[list[str]], list[list[str]]]:
    """What the return for that year holds: the children with an episode open in the year,
    those episodes, and the reviews held in the year."""
    start, stop = collection_year(end)
    eps = [e for e in EPISODES if _day(e[1]) <= stop and (not e[5] or _day(e[5]) >= start)]
    revs = [r for r in REVIEWS if start <= _day(r[2]) <= stop]
    kids = sorted({e[0] for e in eps} | {r[0] for r in revs})
    return [CHILDREN[k] for k in kids], eps, revs


def write(folder: Path, prefix: str, tables: tuple[list[list[str]], ...]) -> None:
    folder.mkdir(parents=True, exist_ok=True)
    for name, header, rows in zip(("header", "episodes", "reviews"), (HEADER, EPISODE, REVIEW),
                                  tables, strict=True):  # fmt: skip
        with (folder / f"{prefix}{name}.csv").open("w", newline="") as fh:
            w = csv.writer(fh)
            w.writerow(header)
            w.writerows(rows)


def figures(
    tmp: Path, *paths: Path, whole_history: bool = False
) -> tuple[tuple[int, int], dict[str, int], dict]:
    """CLA reviews on time in 2020-21, the reviews left out by reason, and every judged
    review's on_time. ``whole_history``: the files are everything since care began, so
    the coverage is dropped (as for the nightly extract, which has none)."""
    out = tmp / "extract"
    ext = ssda903.read(*paths)
    if whole_history:
        ext.review_coverage_from = None
    ext.write(out)
    db = tmp / "sqa.duckdb"
    load(out, db)
    con, _ = cursor(db)
    k = kpi_range(con, *FY2020, scope=SYSTEM)["cla_reviews_on_time"]
    gone = left_out(con, *FY2020, scope=SYSTEM).get("cla_reviews_on_time", {})
    judged = {
        rid: on_time
        for rid, on_time in con.execute(
            "select review_id, on_time from cla_review_events where due_unknown is null"
        ).fetchall()
    }
    return (k.numerator, k.denominator), gone, judged


@pytest.fixture
def full(tmp_path: Path) -> Path:
    d = tmp_path / "full"
    write(d, "", (list(CHILDREN.values()), EPISODES, REVIEWS))
    return d


def test_the_full_history_gives_two_of_four(tmp_path: Path, full: Path) -> None:
    (n_d, gone, _) = figures(tmp_path, full)
    assert n_d == (2, 4) and gone == {}


def test_a_one_year_return_judges_only_what_it_can(tmp_path: Path) -> None:
    d = tmp_path / "2021"
    write(d, "", one_year(2021))
    (n_d, gone, judged) = figures(tmp_path, d)
    assert n_d == (1, 2)
    assert gone == {"before_coverage": 1, "period_start_unknown": 1}
    assert judged == {"B/20200527": True, "B/20200910": False}
    # The manifest says where the history starts, and what the return cannot hold.
    manifest = json.loads((tmp_path / "extract" / "extract_manifest.json").read_text())
    assert manifest["review_coverage_from"] == "2020-04-01"
    assert manifest["columns_not_in_source"] == {
        "cla_reviews": ["minutes_completed_date", "review_format"]
    }


def test_the_left_out_reviews_are_on_the_data_quality_list(tmp_path: Path) -> None:
    d = tmp_path / "2021"
    write(d, "", one_year(2021))
    figures(tmp_path, d)
    con, _ = cursor(tmp_path / "sqa.duckdb")
    issues = con.execute(
        "select record_id, message from dq_issues where issue_code = 'due_date_unknown' "
        "order by record_id"
    ).fetchall()
    assert [i[0] for i in issues] == ["A/20200801", "C/20200715"]
    assert "began on 2018-06-01, before the review history" in issues[0][1]
    assert "does not show when its period of care began" in issues[1][1]
    assert all("load earlier returns" in i[1] for i in issues)


def test_every_layout_of_several_years_merges_to_the_full_history(
    tmp_path: Path, full: Path
) -> None:
    # 2019 as year-prefixed files in one folder, 2020 in a subfolder named for its year,
    # 2021 as a second --ssda903 folder.
    several = tmp_path / "returns"
    write(several, "2019-", one_year(2019))
    write(several / "2020", "", one_year(2020))
    latest = tmp_path / "latest_2021"
    write(latest, "", one_year(2021))
    (n_d, gone, judged) = figures(tmp_path / "merged", several, latest)
    (full_n_d, _, full_judged) = figures(tmp_path / "whole", full)
    assert n_d == full_n_d == (2, 4) and gone == {}
    assert judged == full_judged
    manifest = json.loads((tmp_path / "merged" / "extract" / "extract_manifest.json").read_text())
    assert manifest["review_coverage_from"] == "2018-04-01"
    assert len(manifest["merged_returns"]) == 3


def test_two_years_still_cannot_judge_a_period_older_than_both(tmp_path: Path) -> None:
    d = tmp_path / "two"
    write(d, "2020_", one_year(2020))
    write(d, "2021_", one_year(2021))
    (n_d, gone, _) = figures(tmp_path, d)
    # Coverage from 1 Apr 2019: A (from June 2018) and C (from Feb 2019) began before it.
    assert n_d == (1, 2) and gone == {"before_coverage": 2}


def test_the_later_return_wins_for_the_same_review_and_child(tmp_path: Path) -> None:
    d = tmp_path / "two"
    kids, eps, revs = one_year(2020)
    write(
        d, "2020-", (kids, eps, [r for r in revs if r[0] != "A"] + [["A", "", "01/03/2020", "PN3"]])
    )
    kids21, eps21, revs21 = one_year(2021)
    # The 2021 return re-states A's 1 Mar 2020 review with another code (a correction).
    write(d, "2021-", (kids21, eps21, [*revs21, ["A", "", "01/03/2020", "PN5"]]))
    ext = ssda903.read(d)
    codes = {r["review_id"]: r["participation_code"] for r in ext.rows["cla_reviews"]}
    assert codes["A/20200301"] == "PN5"
    assert list(codes).count("A/20200301") == 1


def test_a_full_return_folder_uses_its_three_tables_and_ignores_the_rest(
    tmp_path: Path,
) -> None:
    d = tmp_path / "903"
    write(d, "", one_year(2021))
    for other in ("sw_episodes", "UASC", "oc2", "oc3", "ad1", "placed_for_adoption", "missing",
                  "previous_permanence"):  # fmt: skip
        (d / f"{other}.csv").write_text("CHILD\nA\n")
    (d / "episodes_backup_old.csv").write_text("CHILD\n")
    ext = ssda903.read(d)
    assert len(ext.rows["cla_reviews"]) == 4  # held in 2020-21: A 1 Aug, B twice, C 15 Jul
    assert "sw_episodes.csv (the sw_episodes table is not used)" in ext.ignored
    assert "UASC.csv (the uasc table is not used)" in ext.ignored
    assert "episodes_backup_old.csv (not an SSDA903 table name)" in ext.ignored


def test_the_xml_return_gives_the_csv_figures(tmp_path: Path) -> None:
    kids, eps, revs = one_year(2021)
    parts = ["<?xml version='1.0' encoding='utf-8'?>\n<EXPSSDA903>"]
    for k in kids:
        parts.append(f"<CHILD><HEADER><CHILDID>{k[0]}</CHILDID><SEX>{k[1]}</SEX><DOB>{k[2]}</DOB>"
                     f"<ETHNIC>{k[3]}</ETHNIC>")  # fmt: skip
        for r in (r for r in revs if r[0] == k[0]):
            parts.append(
                f"<AREVIEW><REVIEW>{r[2]}</REVIEW><REVIEW_CODE>{r[3]}</REVIEW_CODE></AREVIEW>"
            )
        parts.append("</HEADER>")
        for e in (e for e in eps if e[0] == k[0]):
            parts.append(
                f"<EPISODE><DECOM>{e[1]}</DECOM><RNE>{e[2]}</RNE><LS>{e[3]}</LS>"
                f"<PL>{e[4]}</PL><DEC>{e[5]}</DEC><REC>{e[6]}</REC></EPISODE>"
            )
        parts.append("</CHILD>")
    parts.append("</EXPSSDA903>")
    xml = tmp_path / "return_2021.xml"
    xml.write_text("".join(parts))
    (n_d, gone, judged) = figures(tmp_path, xml)
    assert n_d == (1, 2) and gone == {"before_coverage": 1, "period_start_unknown": 1}
    # The same with the Message/Children wrapping and a namespace.
    wrapped = "".join(parts).replace("<EXPSSDA903>", "<Message xmlns='urn:x'><Children>")
    wrapped = wrapped.replace("</EXPSSDA903>", "</Children></Message>")
    (tmp_path / "w").mkdir()
    xml2 = tmp_path / "w" / "return.xml"
    xml2.write_text(wrapped)
    assert figures(tmp_path / "w", xml2)[0] == (1, 2)


def test_a_return_with_no_readable_record_fails_and_keeps_the_old_extract(
    tmp_path: Path,
) -> None:
    d = tmp_path / "903"
    kids, eps, revs = one_year(2021)
    write(d, "", (kids, eps, [[r[0], "", r[2].replace("/", "."), r[3]] for r in revs]))
    out = tmp_path / "extract"
    out.mkdir()
    (out / "marker").write_text("the previous extract")
    result = subprocess.run(
        [sys.executable, "-m", "queries.cli", "extract", str(out), "--ssda903", str(d)],
        capture_output=True, text=True, timeout=120,
    )  # fmt: skip
    assert result.returncode != 0
    last = result.stderr.strip().splitlines()[-1]
    assert last.startswith("sqa: reviews.csv: none of its 4 records could be read")
    assert "REVIEW '01.08.2020' is not a date" in last
    assert (out / "marker").read_text() == "the previous extract"
    with pytest.raises(AdapterError, match="none of its 4 records"):
        ssda903.read(d)


# --- the property: a shorter history never makes a review late ---------------------------

histories = st.lists(
    st.tuples(
        st.dates(D(2016, 4, 1), D(2020, 12, 1)),  # care begins (RNE S)
        st.one_of(st.none(), st.integers(20, 700)),  # a change of placement after n days
        st.integers(3, 45),  # days to the first review
        st.lists(st.integers(25, 230), min_size=0, max_size=8),  # days between reviews
    ),
    min_size=1,
    max_size=5,
)


@settings(
    max_examples=30, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(histories)
def test_a_shorter_history_never_counts_late_what_the_full_history_counts_on_time(
    tmp_path: Path, kids: list[tuple[dt.date, int | None, int, list[int]]]
) -> None:
    global EPISODES, REVIEWS, CHILDREN
    saved = (EPISODES, REVIEWS, CHILDREN)
    try:
        CHILDREN = {f"K{i}": [f"K{i}", "1", "01/01/2010", "WBRI"] for i in range(len(kids))}
        EPISODES, REVIEWS = [], []
        for i, (start, change, first, gaps) in enumerate(kids):
            child = f"K{i}"
            if change is not None and start + dt.timedelta(days=change) < D(2021, 3, 1):
                moved = start + dt.timedelta(days=change)
                EPISODES.append(
                    [child, f"{start:%d/%m/%Y}", "S", "C2", "U1", f"{moved:%d/%m/%Y}", "X1"]
                )
                EPISODES.append([child, f"{moved:%d/%m/%Y}", "P", "C2", "U4", "", ""])
            else:
                EPISODES.append([child, f"{start:%d/%m/%Y}", "S", "C2", "U1", "", ""])
            day = start + dt.timedelta(days=first)
            for gap in [0, *gaps]:
                day += dt.timedelta(days=gap)
                if day > D(2021, 3, 31):
                    break
                REVIEWS.append([child, "", f"{day:%d/%m/%Y}", "PN1"])
        if not REVIEWS:
            return
        run = Path(tempfile.mkdtemp(dir=tmp_path))
        write(run / "full", "", (list(CHILDREN.values()), EPISODES, REVIEWS))
        _, _, whole = figures(run / "a", run / "full", whole_history=True)
        for years in ((2021,), (2020, 2021)):
            part = run / "part" / "-".join(map(str, years))
            for y in years:
                write(part, f"{y}-", one_year(y))
            _, _, judged = figures(run / f"b{years[0]}", part)
            for review, on_time in judged.items():
                assert whole[review] == on_time, (review, years)
    finally:
        EPISODES, REVIEWS, CHILDREN = saved


def test_extract_load_kpis_end_to_end_says_what_it_cannot_judge(tmp_path: Path) -> None:
    """`sqa extract` -> `sqa load` -> `sqa kpis`, as an authority would run them, on the
    2020-21 return: every source row is loaded or set aside with its reason, the minutes
    KPI is "not recorded" (null, never 0%), and the two reviews left out are counted."""
    d = tmp_path / "2021"
    write(d, "", one_year(2021))

    def sqa(*args: str) -> dict:
        r = subprocess.run(
            [sys.executable, "-m", "queries.cli", *args], capture_output=True, text=True,
            timeout=120,
        )  # fmt: skip
        assert r.returncode == 0, r.stderr
        return json.loads(r.stdout)

    out, db = tmp_path / "extract", tmp_path / "sqa.duckdb"
    made = sqa("extract", str(out), "--ssda903", str(d))
    kids, eps, revs = one_year(2021)
    # Every source row accounted for: 3 children, 3 episodes making 3 periods, 4 reviews.
    assert (made["rows"]["children"], made["rows"]["cla_reviews"]) == (len(kids), len(revs))
    assert made["rows"]["cla_periods"] == 3 and made["problems"] == []
    report = sqa("load", str(out), "--db", str(db), "--as-of", "2021-04-30T20:00:00+00:00")
    assert report["rejects"] == {}
    assert report["warnings"] == {"due_date_unknown": 2}
    assert report["review_coverage_from"] == "2020-04-01"
    k = sqa("kpis", "--from", "2020-04-01", "--to", "2021-03-31", "--db", str(db))
    on_time = k["kpis"]["cla_reviews_on_time"]
    assert (on_time["numerator"], on_time["denominator"]) == (1, 2)
    assert on_time["left_out"] == {"before_coverage": 1, "period_start_unknown": 1}
    minutes = k["kpis"]["minutes_within_20_working_days"]
    assert minutes["rate"] is None and minutes["numerator"] is None
    assert minutes["not_recorded"] == (
        "Not recorded in this source (it has no minutes-completed date)"
    )
    # Participation needs only the codes, which the return has, and every review counts
    # (due date or not): A's 1 Aug PN1, B's 27 May PN1, C's 15 Jul PN4 take part; B's
    # 10 Sep PN7 does not: 3 of 4.
    part = k["kpis"]["cla_participation"]
    assert (part["numerator"], part["denominator"]) == (3, 4)
    assert k["counts"]["drps_formal_raised"] == {
        "count": None,
        "not_recorded": "Not recorded in this source (it has no dispute resolutions)",
    }
