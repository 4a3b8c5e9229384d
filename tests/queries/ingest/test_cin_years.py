"""The CIN census as the DfE writes it, in every specification year from 2021-22 to 2025-26.

Three children, worked by hand (England's bank holidays; 15 working days strictly after
the s47 start):

- **X**: s47 from Tue 1 Jun 2021; the ICPC is recorded only at
  ``CINdetails/DateOfInitialCPC`` (18 Jun 2021). Due the 15th working day after 1 Jun:
  Tue 22 Jun. Held 18 Jun: within 15 days.
- **Y**: ``CINdetails/DateOfInitialCPC`` 30 Jul 2021 and no ``Section47`` at all: a
  conference held, outside the 15-day KPI, and a data-quality warning.
- **Z**: s47 from Wed 1 Sep 2021 with its own ``DateOfInitialCPC`` 1 Oct 2021, which the
  CINdetails repeats: one conference, not two. Due Wed 22 Sep: late.

So in 2021-22: ICPCs within 15 working days **1 of 2**, and **3** ICPCs held.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest

from queries.access.scope import SYSTEM
from queries.core.db import cursor
from queries.ingest.adapters import cin
from queries.measures.kpis import kpi_range
from tests.helpers import load

FY2021 = (dt.date(2021, 4, 1), dt.date(2022, 3, 31))
# What changes between the years that matters here: how sex is given (GenderCurrent, with
# codes 1/2, until 2023-24; Sex, M/F, from 2024-25) and whether the file has a namespace.
YEARS = {
    "2021-22": ("GenderCurrent", "1", ""),
    "2022-23": ("GenderCurrent", "1", ' xmlns="http://www.dfe.gov.uk/CIN"'),
    "2023-24": ("GenderCurrent", "1", ""),
    "2024-25": ("Sex", "M", ' xmlns="http://www.dfe.gov.uk/CIN"'),
    "2025-26": ("Sex", "M", ""),
}


def census(year: str) -> str:
    field, male, ns = YEARS[year]
    return f"""<?xml version="1.0" encoding="utf-8"?>
<Message{ns}>
  <Header><CollectionDetails><Collection>CIN</Collection><Year>{year[:4]}</Year>
  </CollectionDetails></Header>
  <Children>
    <Child>
      <ChildIdentifiers><LAchildID>X</LAchildID><PersonBirthDate>2012-03-04</PersonBirthDate>
        <{field}>{male}</{field}></ChildIdentifiers>
      <CINdetails>
        <CINreferralDate>2021-05-20</CINreferralDate>
        <DateOfInitialCPC>2021-06-18</DateOfInitialCPC>
        <Section47><S47ActualStartDate>2021-06-01</S47ActualStartDate>
          <ICPCnotRequired>false</ICPCnotRequired></Section47>
      </CINdetails>
    </Child>
    <Child>
      <ChildIdentifiers><LAchildID>Y</LAchildID><PersonBirthDate>2015-01-01</PersonBirthDate>
      </ChildIdentifiers>
      <CINdetails><CINreferralDate>2021-07-01</CINreferralDate>
        <DateOfInitialCPC>2021-07-30</DateOfInitialCPC></CINdetails>
    </Child>
    <Child>
      <ChildIdentifiers><LAchildID>Z</LAchildID><PersonBirthDate>2010-05-05</PersonBirthDate>
      </ChildIdentifiers>
      <CINdetails><CINreferralDate>2021-08-20</CINreferralDate>
        <DateOfInitialCPC>2021-10-01</DateOfInitialCPC>
        <Section47><S47ActualStartDate>2021-09-01</S47ActualStartDate>
          <DateOfInitialCPC>2021-10-01</DateOfInitialCPC></Section47>
      </CINdetails>
    </Child>
  </Children>
</Message>
"""


@pytest.mark.parametrize("year", list(YEARS))
def test_every_specification_year_gives_the_hand_worked_icpcs(year: str, tmp_path: Path) -> None:
    path = tmp_path / f"cin_{year}.xml"
    path.write_text(census(year), encoding="utf-8")
    ext = cin.read(path)
    icpcs = sorted(
        (c["child_id"], c["conference_date"], c["enquiry_id"])
        for c in ext.rows["cp_conferences"]
        if c["conference_type"] == "ICPC"
    )
    assert icpcs == [
        ("X", dt.date(2021, 6, 18), "X/S47/20210601"),
        ("Y", dt.date(2021, 7, 30), None),
        ("Z", dt.date(2021, 10, 1), "Z/S47/20210901"),
    ]
    assert {c["child_id"]: c["sex"] for c in ext.rows["children"]}["X"] == "M"
    out = tmp_path / "extract"
    ext.write(out)
    load(out, tmp_path / "sqa.duckdb")
    con, _ = cursor(tmp_path / "sqa.duckdb")
    k = kpi_range(con, *FY2021, scope=SYSTEM)["icpc_within_15_working_days"]
    assert (k.numerator, k.denominator) == (1, 2)
    held = con.execute(
        "select count(*) from cp_conferences where conference_type = 'ICPC'"
    ).fetchone()
    assert held == (3,)
    warned = con.execute(
        "select record_id, message from dq_issues where issue_code = 'icpc_without_enquiry'"
    ).fetchall()
    assert [w[0] for w in warned] == ["Y/ICPC/20210730"]
    assert warned[0][1].startswith("ICPC without an s47 enquiry")


def test_an_authority_names_the_chairs_with_a_small_file(tmp_path: Path) -> None:
    path = tmp_path / "cin.xml"
    path.write_text(census("2025-26"), encoding="utf-8")
    ext = cin.read(path)
    chairs = tmp_path / "chairs.csv"
    chairs.write_text(
        "LAchildID,conference_date,chair_id,chair_name,team\n"
        "X,18/06/2021,CH1,Chair One,CP Team\n"
        "Z,2021-10-01,CH1,Chair One,CP Team\n"
        "Q,2021-10-01,CH2,Chair Two,CP Team\n"
    )
    assert cin.apply_chairs(ext, chairs) == {"matched": 2, "unmatched": 1}
    by_child = {c["child_id"]: c["chair_id"] for c in ext.rows["cp_conferences"]}
    assert by_child == {"X": "CH1", "Y": "NOT_RECORDED", "Z": "CH1"}
    assert {s["staff_id"] for s in ext.rows["staff"]} == {"NOT_RECORDED", "CH1"}
    assert any("no conference of child Q" in p for p in ext.problems)
