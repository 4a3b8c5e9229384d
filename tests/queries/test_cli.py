"""``sqa`` as a real process: the JSON the contract specifies, and one-line errors."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from tests.helpers import period, review, write_extract


def sqa(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "queries.cli", *args], capture_output=True, text=True, timeout=120
    )


@pytest.fixture(scope="module")
def loaded(tmp_path_factory: pytest.TempPathFactory) -> Path:
    tmp = tmp_path_factory.mktemp("cli")
    folder = write_extract(
        tmp / "x",
        {
            "cla_periods": [period("P1", "C1", "2020-04-02")],
            # Due Mon 4 May 2020 (20 wd after Thu 2 Apr): R1 on time; R2 due 4 Aug, held 5 Aug.
            "cla_reviews": [
                review("R1", "C1", "2020-05-04", "PN1", "I1"),
                review("R2", "C1", "2020-08-05", "PN6", "I2"),
            ],
        },
    )
    db = tmp / "sqa.duckdb"
    done = sqa("load", str(folder), "--db", str(db), "--as-of", "2026-10-31")
    assert done.returncode == 0, done.stderr
    report = json.loads(done.stdout)
    assert report["status"] == "ok" and report["rows"]["cla_reviews"] == 3
    return db


def test_kpis_json(loaded: Path) -> None:
    done = sqa("kpis", "--from", "2020-04-01", "--to", "2021-03-31", "--db", str(loaded))
    assert done.returncode == 0, done.stderr
    out = json.loads(done.stdout)
    assert out["from"] == "2020-04-01" and out["to"] == "2021-03-31"
    assert out["kpis"]["cla_reviews_on_time"] == {"numerator": 1, "denominator": 2, "rate": 0.5}
    # PN1 attends; PN6 participates without attending.
    assert out["kpis"]["cla_participation"] == {"numerator": 2, "denominator": 2, "rate": 1.0}
    assert out["kpis"]["cla_attendance"] == {"numerator": 1, "denominator": 2, "rate": 0.5}
    assert out["kpis"]["rcpc_on_time"] == {"numerator": 0, "denominator": 0, "rate": None}
    assert list(out["kpis"])[:5] == [  # the contract's five, first and in its order
        "cla_reviews_on_time",
        "icpc_within_15_working_days",
        "rcpc_on_time",
        "cla_participation",
        "cla_attendance",
    ]
    # R1 and R2 have no minutes and their 20-working-day deadlines passed long ago.
    assert out["kpis"]["minutes_within_20_working_days"] == {
        "numerator": 0,
        "denominator": 2,
        "rate": 0.0,
    }
    # No direct_contacts.csv or feedback.csv in this extract: no data, not 0%.
    assert out["kpis"]["reviews_with_contact_since_last"]["rate"] is None
    assert out["kpis"]["feedback_yes"]["rate"] is None
    # This extract has no drps.csv (an optional file): the count is not recorded, not 0.
    assert out["counts"]["drps_formal_raised"] == {
        "count": None,
        "not_recorded": "Not recorded in this source (it has no dispute resolutions)",
    }


def test_kpis_filtered_by_team_and_staff(loaded: Path) -> None:
    base = ["kpis", "--from", "2020-04-01", "--to", "2021-03-31", "--db", str(loaded)]
    north = json.loads(sqa(*base, "--team", "North").stdout)["kpis"]["cla_reviews_on_time"]
    i2 = json.loads(sqa(*base, "--staff", "I2").stdout)["kpis"]["cla_reviews_on_time"]
    assert north == {"numerator": 1, "denominator": 1, "rate": 1.0}
    assert i2 == {"numerator": 0, "denominator": 1, "rate": 0.0}


def test_series_json(loaded: Path) -> None:
    done = sqa("series", "--measure", "cla_reviews_on_time", "--fy", "2020-21", "--db", str(loaded))
    out = json.loads(done.stdout)
    assert out["measure"] == "cla_reviews_on_time" and out["financial_year"] == "2020-21"
    assert [m["month"] for m in out["months"]] == [
        "2020-04",
        "2020-05",
        "2020-06",
        "2020-07",
        "2020-08",
        "2020-09",
        "2020-10",
        "2020-11",
        "2020-12",
        "2021-01",
        "2021-02",
        "2021-03",
    ]
    assert out["months"][1] == {
        "month": "2020-05",
        "numerator": 1,
        "denominator": 1,
        "rate": 1.0,
        "provisional": False,
    }
    assert out["months"][4] == {
        "month": "2020-08", "numerator": 0, "denominator": 1, "rate": 0.0, "provisional": False
    }  # fmt: skip
    assert out["months"][0] == {
        "month": "2020-04", "numerator": 0, "denominator": 0, "rate": None, "provisional": False
    }  # fmt: skip


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (
            ["series", "--measure", "cla_reviews_on_time", "--fy", "2020/21"],
            "'2020/21' is not a financial year; write it as YYYY-YY, for example 2020-21",
        ),
        (["series", "--measure", "reviews", "--fy", "2020-21"], "unknown measure 'reviews'"),
        (
            ["kpis", "--from", "31/03/2021", "--to", "2021-03-31"],
            "--from '31/03/2021' is not a date; write it as YYYY-MM-DD",
        ),
        (["kpis", "--from", "2021-03-31", "--to", "2020-04-01"], "the period ends"),
    ],
)
def test_bad_input_is_one_line_and_non_zero(loaded: Path, args: list[str], message: str) -> None:
    done = sqa(*args, "--db", str(loaded))
    assert done.returncode == 2
    assert done.stdout == ""
    assert message in done.stderr and done.stderr.count("\n") == 1


def test_no_database(tmp_path: Path) -> None:
    done = sqa(
        "kpis", "--from", "2020-04-01", "--to", "2021-03-31", "--db", str(tmp_path / "none.duckdb")
    )
    assert done.returncode == 2
    assert "no database at" in done.stderr and "run `sqa load EXTRACT_DIR`" in done.stderr


def test_failed_load_exits_non_zero(tmp_path: Path, loaded: Path) -> None:
    done = sqa("load", str(tmp_path / "missing"), "--db", str(loaded))
    assert done.returncode == 2
    assert done.stderr.startswith("sqa: extract folder") and done.stderr.count("\n") == 1
    again = sqa("kpis", "--from", "2020-04-01", "--to", "2021-03-31", "--db", str(loaded))
    assert json.loads(again.stdout)["kpis"]["cla_reviews_on_time"]["denominator"] == 2


def test_series_of_a_count_by_quarter(loaded: Path) -> None:
    done = sqa(
        "series",
        "--measure",
        "direct_contacts",
        "--fy",
        "2020-21",
        "--grain",
        "quarter",
        "--db",
        str(loaded),
    )
    out = json.loads(done.stdout)
    assert out["grain"] == "quarter"
    # No direct_contacts.csv in this extract: every quarter is not recorded, never 0.
    assert out["not_recorded"] == "Not recorded in this source (it has no IRO contacts)"
    assert out["periods"] == [{"period": q, "count": None} for q in ("Q1", "Q2", "Q3", "Q4")]


def test_a_closed_pipe_is_a_quiet_exit(tmp_path: Path) -> None:
    """`sqa ... | head -1`: the reader stops after a line; sqa exits 0 and says nothing.

    The command prints 200,000 lines (far more than a pipe holds), so its writes meet the
    closed pipe whichever command it is."""
    code = (
        "import json, sys\n"
        "from queries import cli\n"
        "cli._print = lambda obj: [print(json.dumps(i)) for i in range(200_000)]\n"
        "sys.exit(cli.main(['users', 'list']))\n"
    )
    r = subprocess.run(
        ["/bin/bash", "-c", '"$0" -c "$1" | head -1; echo "status=${PIPESTATUS[0]}" >&2',
         sys.executable, code],
        capture_output=True,
        text=True,
        env={**os.environ, "SQA_ACCOUNTS_DB": str(tmp_path / "a.sqlite")},
        timeout=60,
    )  # fmt: skip
    assert r.stdout == "0\n"
    assert r.stderr == "status=0\n"  # no "sqa: Broken pipe: None", no traceback


def test_spc_json_worked_by_hand(loaded: Path) -> None:
    """2020-04 to 2020-09: May 1 of 1 on time, August 0 of 1, every other month no events.
    The gaps stay gaps; the two live points give mean 0.5, one moving range of 1 (under
    3.267, kept), limits 0.5 -/+ 2.66 = -2.16 .. 3.16; no rule can fire on two points;
    the target (95%, data/targets.csv) lies within the limits: hit and miss."""
    done = sqa(
        "spc", "--measure", "cla_reviews_on_time", "--from-month", "2020-04",
        "--to-month", "2020-09", "--db", str(loaded),
    )  # fmt: skip
    assert done.returncode == 0, done.stderr
    out = json.loads(done.stdout)
    assert (out["measure"], out["chart"], out["improvement"]) == (
        "cla_reviews_on_time", "xmr", "increase",
    )  # fmt: skip
    assert out["target"] == 0.95
    values = [(p["month"], p["numerator"], p["denominator"], p["value"]) for p in out["points"]]
    assert values == [
        ("2020-04", 0, 0, None),
        ("2020-05", 1, 1, 1.0),
        ("2020-06", 0, 0, None),
        ("2020-07", 0, 0, None),
        ("2020-08", 0, 1, 0.0),
        ("2020-09", 0, 0, None),
    ]
    live = out["points"][1]
    assert live["mean"] == pytest.approx(0.5)
    assert (live["lower_limit"], live["upper_limit"]) == pytest.approx((-2.16, 3.16))
    assert all(p["rules"] == [] and p["special_cause"] is None for p in out["points"])
    assert (out["variation"], out["assurance"]) == ("common_cause", "inconsistent")
    assert out["provisional"] is True


def test_funnel_json_worked_by_hand(loaded: Path) -> None:
    """2020-21 by IRO: I1 1 of 1, I2 0 of 1; pooled 0.5, theta = pi/4, s = 1/2. z = +/- pi/2;
    winsorised (type 7, h = 0.1) to +/- 1.2566, phi = 1.5791 > 1; tau^2 = (2 x 1.5791 - 1) /
    (8 - 32/8) = 0.5396. The adjusted 95% spread 1.96 x sqrt(0.25 + 0.5396) = 1.742 runs past
    both ends, so the limits are 0 .. 1 and the rates 0 and 1 lie on them: no outliers."""
    done = sqa(
        "funnel", "--measure", "cla_reviews_on_time", "--from", "2020-04-01",
        "--to", "2021-03-31", "--by", "staff", "--db", str(loaded),
    )  # fmt: skip
    assert done.returncode == 0, done.stderr
    out = json.loads(done.stdout)
    assert (out["by"], out["target"], out["adjusted"]) == ("staff", 0.5, True)
    assert out["phi"] == pytest.approx(1.5791, abs=1e-4)
    assert out["tau2"] == pytest.approx(0.5396, abs=1e-4)
    units = {u["unit"]: u for u in out["units"]}
    assert (units["I1"]["numerator"], units["I1"]["denominator"]) == (1, 1)
    assert (units["I2"]["numerator"], units["I2"]["denominator"]) == (0, 1)
    assert units["I1"]["limits"]["95"] == [0.0, 1.0]
    assert all(u["outlier_95"] is None and u["outlier_99_8"] is None for u in units.values())


def test_spc_and_funnel_refuse_bad_input_in_a_sentence(loaded: Path) -> None:
    bad = sqa(
        "spc", "--measure", "cla_reviews_on_time", "--from-month", "2020-13",
        "--to-month", "2021-03", "--db", str(loaded),
    )  # fmt: skip
    assert bad.returncode == 2
    assert bad.stderr.strip() == "sqa: --from-month '2020-13' is not a month; write it as YYYY-MM"
    pp = sqa(
        "spc", "--measure", "drps_formal_raised", "--from-month", "2020-04",
        "--to-month", "2021-03", "--chart", "pprime", "--db", str(loaded),
    )  # fmt: skip
    assert "the p-prime chart is for proportions" in pp.stderr
