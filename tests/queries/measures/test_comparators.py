"""Published comparators: the shipped DfE figures, the year chosen for a period, bad rows."""

from __future__ import annotations

from pathlib import Path

import pytest

from queries.core.errors import ConfigError
from queries.core.settings import PROJECT_ROOT
from queries.measures.comparators import latest, load_comparators, with_published
from queries.measures.targets import load_targets

SHIPPED = PROJECT_ROOT / "data" / "comparators.csv"


def test_the_shipped_figures_are_the_published_counts() -> None:
    rows = load_comparators(SHIPPED)
    assert rows and all(r.source.startswith("DfE, Children in need") for r in rows)
    england = latest(rows, "icpc_within_15_working_days", "england", "England", 2024)
    assert england is not None and england.year_label == "2024-25"
    # Table C4, 2025: 6,240 within 0-10 and 52,430 within 11-15 working days, of 6,240 +
    # 52,430 + 6,430 + 6,990 = 72,090 ICPCs with a duration: 58,670 / 72,090 = 81.4%.
    assert (england.numerator, england.denominator) == (58670, 72090)
    assert f"{england.rate:.1%}" == "81.4%"


def test_a_period_gets_the_latest_year_published_at_or_before_it() -> None:
    rows = load_comparators(SHIPPED)
    # 2023-24 has no row: its period shows 2022-23's figure (58,330 / 74,350 = 78.5%).
    for_2023 = latest(rows, "icpc_within_15_working_days", "england", "England", 2023)
    assert for_2023 is not None and for_2023.year_label == "2022-23"
    assert f"{for_2023.rate:.1%}" == "78.5%"
    # Before the first published year there is none: never a later year's figure.
    assert latest(rows, "icpc_within_15_working_days", "england", "England", 2021) is None


def test_targets_carry_the_published_figure_and_region_for_the_year() -> None:
    targets = load_targets(PROJECT_ROOT / "data" / "targets.csv")
    shown = with_published(targets, load_comparators(SHIPPED), 2024, "North West")
    icpc = shown["icpc_within_15_working_days"]
    assert (round(icpc.england or 0, 4), icpc.england_year) == (0.8138, "2024-25")
    # North West, 2025: (800 + 8,240) / 11,770 = 76.8%.
    assert (round(icpc.region or 0, 4), icpc.region_year, icpc.region_name) == (
        0.7681, "2024-25", "North West"
    )  # fmt: skip
    # A measure the DfE publishes no figure for keeps the targets file's (none here).
    assert shown["cla_reviews_on_time"].england is None
    assert shown["cla_reviews_on_time"].region is None


@pytest.mark.parametrize(
    ("row", "message"),
    [
        ("nope,england,England,2024-25,1,2,x", "unknown measure"),
        ("icpc_within_15_working_days,county,Kent,2024-25,1,2,x", "area_type"),
        ("icpc_within_15_working_days,england,England,2024,1,2,x", "financial year"),
        ("icpc_within_15_working_days,england,England,2024-25,3,2,x", "numerator <= denominator"),
        ("icpc_within_15_working_days,england,England,2024-25,1,2,", "source"),
    ],
)
def test_a_bad_row_says_what_is_wrong(tmp_path: Path, row: str, message: str) -> None:
    path = tmp_path / "comparators.csv"
    path.write_text("measure,area_type,area,year,numerator,denominator,source\n" + row + "\n")
    with pytest.raises(ConfigError, match=message):
        load_comparators(path)


def test_statistical_neighbours_pool_their_published_figures(tmp_path: Path) -> None:
    from queries.measures.comparators import load_neighbours

    path = tmp_path / "comparators.csv"
    path.write_text(
        "measure,area_type,area,year,numerator,denominator,source\n"
        "icpc_within_15_working_days,local_authority,Alpha,2024-25,40,50,x\n"
        "icpc_within_15_working_days,local_authority,Beta,2024-25,30,40,x\n"
        "icpc_within_15_working_days,local_authority,Gamma,2023-24,10,10,x\n"
        "icpc_within_15_working_days,local_authority,Elsewhere,2024-25,1,100,x\n"
    )
    rows = load_comparators(path)
    targets = load_targets(PROJECT_ROOT / "data" / "targets.csv")
    near = ["Alpha", "Beta", "Gamma"]
    # 2024-25: Alpha and Beta published; (40 + 30) / (50 + 40) = 70 / 90 = 77.8%.
    icpc = with_published(targets, rows, 2024, neighbours=near)["icpc_within_15_working_days"]
    assert f"{icpc.stat_neighbours:.1%}" == "77.8%"
    assert icpc.comparator_year == "2024-25, 2 neighbours"
    # 2023-24: only Gamma's 10 of 10 is published by then.
    icpc = with_published(targets, rows, 2023, neighbours=near)["icpc_within_15_working_days"]
    assert (icpc.stat_neighbours, icpc.comparator_year) == (1.0, "2023-24, 1 neighbour")
    # No neighbours configured: the targets file's figure (the annual report's 78%, 2017-18).
    icpc = with_published(targets, rows, 2024)["icpc_within_15_working_days"]
    assert (icpc.stat_neighbours, icpc.comparator_year) == (0.78, "2017-18")
    shipped = load_neighbours(PROJECT_ROOT / "data" / "statistical_neighbours.csv")
    assert shipped["Hartlepool"][:2] == ["Redcar and Cleveland", "Halton"]
    assert len(shipped["Hartlepool"]) == 10
