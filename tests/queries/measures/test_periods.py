"""Financial years and period presets, worked by hand."""

import datetime as dt

import pytest

from queries.core.errors import QueryError
from queries.measures.periods import (
    fy_label,
    fy_months,
    parse_fy,
    preset_range,
    same_period_last_year,
)

D = dt.date


def test_financial_year_labels() -> None:
    assert parse_fy("2020-21") == 2020
    assert parse_fy("1999-00") == 1999
    assert fy_label(2019) == "2019-20"
    assert fy_months(2020)[0] == "2020-04" and fy_months(2020)[-1] == "2021-03"
    for bad in ("2020-22", "2020/21", "20-21", ""):
        with pytest.raises(QueryError, match="is not a financial year"):
            parse_fy(bad)


@pytest.mark.parametrize(
    ("preset", "as_of", "expected"),
    [
        # As of 26 Nov 2026: last complete month October; last complete quarter Jul-Sep.
        ("last_month", D(2026, 11, 26), (D(2026, 10, 1), D(2026, 10, 31))),
        ("last_quarter", D(2026, 11, 26), (D(2026, 7, 1), D(2026, 9, 30))),
        ("year_to_date", D(2026, 11, 26), (D(2026, 4, 1), D(2026, 11, 26))),
        ("last_fy", D(2026, 11, 26), (D(2025, 4, 1), D(2026, 3, 31))),
        # On a month's last day, that month is complete.
        ("last_month", D(2021, 3, 31), (D(2021, 3, 1), D(2021, 3, 31))),
        ("last_quarter", D(2021, 3, 31), (D(2021, 1, 1), D(2021, 3, 31))),
        ("last_fy", D(2021, 3, 31), (D(2020, 4, 1), D(2021, 3, 31))),
        # Early January: last month is December, last quarter Oct-Dec, the FY began in April.
        ("last_month", D(2021, 1, 5), (D(2020, 12, 1), D(2020, 12, 31))),
        ("last_quarter", D(2021, 1, 5), (D(2020, 10, 1), D(2020, 12, 31))),
        ("year_to_date", D(2021, 1, 5), (D(2020, 4, 1), D(2021, 1, 5))),
        # Mid-February: last complete quarter is Oct-Dec.
        ("last_quarter", D(2021, 2, 15), (D(2020, 10, 1), D(2020, 12, 31))),
    ],
)
def test_presets(preset: str, as_of: dt.date, expected: tuple[dt.date, dt.date]) -> None:
    assert preset_range(preset, as_of) == expected


def test_unknown_preset() -> None:
    with pytest.raises(QueryError, match="unknown period 'fortnight'"):
        preset_range("fortnight", D(2021, 1, 1))


def test_same_period_last_year_moves_leap_day() -> None:
    assert same_period_last_year(D(2020, 2, 29), D(2021, 2, 28)) == (D(2019, 2, 28), D(2020, 2, 28))
