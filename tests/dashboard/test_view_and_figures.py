"""The URL-to-view resolver and the figure functions, as plain functions."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import dash
import pandas as pd
import pytest

from dashboard import figures
from dashboard.view import resolve
from queries.measures.kpis import MonthRatio
from queries.measures.targets import Target, load_targets, rag

AS_OF = dt.date(2026, 11, 1)
YEARS = [2026, 2025, 2024, 2020, 2019]


def test_defaults_from_the_as_of_date() -> None:
    v = resolve({}, AS_OF, YEARS, ["North"], ["I1"])
    assert (v.fy, v.cmp, v.team, v.staff, v.period) == (2026, 2025, None, None, "last_fy")
    assert (v.date_from, v.date_to) == (dt.date(2025, 4, 1), dt.date(2026, 3, 31))
    assert v.notices == ()


def test_url_values_are_used_when_known() -> None:
    v = resolve(
        {
            "fy": "2020-21",
            "cmp": "2019-20",
            "team": "North",
            "staff": "I1",
            "period": "custom",
            "from": "2020-06-01",
            "to": "2020-06-30",
        },
        AS_OF,
        YEARS,
        ["North"],
        ["I1"],
    )
    assert (v.fy, v.cmp, v.team, v.staff) == (2020, 2019, "North", "I1")
    assert (v.date_from, v.date_to) == (dt.date(2020, 6, 1), dt.date(2020, 6, 30))


def test_unknown_url_values_fall_back_and_say_so() -> None:
    v = resolve(
        {
            "fy": "2020",
            "team": "Nowhere",
            "staff": "'; drop table staff; --",
            "period": "custom",
            "from": "2021-01-01",
            "to": "2020-01-01",
        },
        AS_OF,
        YEARS,
        ["North"],
        ["I1"],
    )
    assert (v.fy, v.team, v.staff, v.period) == (2026, None, None, "last_fy")
    assert v.notices == (
        "'2020' is not a financial year (write 2020-21); showing 2026-27.",
        "There is no team called 'Nowhere'; showing all teams.",
        "''; drop table staff; --' is not an IRO or chair in your view, so no person is "
        "chosen: the figures are your role's usual view.",
        "The period ends (2020-01-01) before it starts (2021-01-01); showing last financial year.",
    )


def test_a_year_without_data_is_refused() -> None:
    v = resolve({"fy": "2010-11"}, AS_OF, YEARS, [], [])
    assert v.fy == 2026 and v.notices == ("There is no data for 2010-11; showing 2026-27.",)


def _months(rates: list[tuple[int, int]], fy: int = 2020) -> list[MonthRatio]:
    months = [f"{fy + (m < 4)}-{m:02d}" for m in (4, 5, 6, 7, 8, 9, 10, 11, 12, 1, 2, 3)]
    return [MonthRatio(m, n, d) for m, (n, d) in zip(months, rates, strict=True)]


def test_yoy_chart_carries_title_context_units_and_as_of() -> None:
    sel = _months([(9, 10)] * 11 + [(0, 0)])
    old = _months([(8, 10)] * 12, 2019)
    fig = figures.yoy_rate_chart(
        {"2019/20": old, "2020/21": sel},
        "2020/21",
        "Reviews on time",
        "% on time",
        "North",
        dt.datetime(2021, 4, 1, 2, 0),
        target=0.95,
    )
    title = fig.layout.title.text
    assert "Reviews on time" in title and "North" in title
    assert "Data as of 1 Apr 2021 03:00" in title  # 02:00 UTC, in BST since 28 Mar
    assert fig.layout.yaxis.title.text == "% on time"
    assert [t.name for t in fig.data] == ["2019/20", "2020/21"]
    # The selected year is drawn last (on top), thicker, and its empty March is a gap.
    assert fig.data[1].line.width > fig.data[0].line.width
    assert list(fig.data[1].y) == [90.0] * 11 + [None]
    assert fig.data[0].y[0] == 80.0
    # The axis never passes 100%, and is cut at 70% (the lowest, 80%, less 10): said so.
    assert list(fig.layout.yaxis.range) == [70, 100]
    assert "Axis starts at 70%, not 0" in [a.text for a in fig.layout.annotations]


def test_month_table_and_summary() -> None:
    sel = _months([(96, 100), (95, 100), (48, 50)] + [(0, 0)] * 9)
    table = figures.month_table({"2020/21": sel})
    assert list(table.iloc[0][["Year", "Apr", "May", "Jun", "Jul"]]) == [
        "2020/21",
        "96%",
        "95%",
        "96%",
        "–",
    ]
    summary = figures.year_summary(sel)
    # Pooled: (96 + 95 + 48) / 250 = 239 / 250 = 95.6%. Best month: April and June are both
    # 96%; June's 0.96 equals April's 0.96, so the later month string wins the tie.
    assert summary["pooled"] == "95.6%"
    assert summary["held"] == "250" and summary["on_time"] == "239"
    assert summary["best"] == "96% (Jun 2020)"


def test_provisional_months_are_drawn_apart_and_left_out_of_the_tiles() -> None:
    # Nov 2020 is the month in progress: 62 of 62 minutes so far. Apr-Oct are 9 of 10.
    final = _months([(9, 10)] * 7 + [(62, 62)] + [(0, 0)] * 4)
    sel = [MonthRatio(m.month, m.numerator, m.denominator, provisional=i >= 7)
           for i, m in enumerate(final)]  # fmt: skip
    fig = figures.yoy_rate_chart(
        {"2020/21": sel}, "2020/21", "Minutes", "% on time", "All teams",
        dt.datetime(2020, 11, 20, 9, 0), target=0.95,
    )  # fmt: skip
    assert [t.name for t in fig.data] == ["2020/21", "2020/21 provisional"]
    solid, dashed = fig.data
    assert list(solid.y) == [90.0] * 7 + [None] * 5  # November is not on the solid line
    # The dashed line starts at October (joining the solid one) and ends at November.
    assert list(dashed.y) == [None] * 6 + [90.0, 100.0] + [None] * 4
    assert dashed.line.dash == "dash" and dashed.marker.symbol == "circle-open"
    table = figures.month_table({"2020/21": sel})
    assert table.iloc[0]["Oct"] == "90%" and table.iloc[0]["Nov"] == "100% provisional"
    summary = figures.year_summary(sel)
    # Best month and the pooled rate use Apr-Oct only: 63 of 70 = 90.0%, best 90% (Oct,
    # the latest of the ties), never November's 100%.
    assert summary["pooled"] == "90.0%" and summary["best"] == "90% (Oct 2020)"
    assert summary["held"] == "70" and "Nov 2020 provisional" in summary["note"]
    asked = figures.year_summary(sel, provisional=True)
    assert asked["held"] == "132" and asked["note"] == ""


def test_staff_chart_is_a_dot_plot_with_counts() -> None:
    df = pd.DataFrame(
        {
            "staff_id": ["a", "b"],
            "staff_name": ["Ann", "Bo"],
            "team": ["N", "S"],
            "numerator": [9, 3],
            "denominator": [10, 4],
            "rate": [0.9, 0.75],
        }
    )
    fig = figures.staff_rate_chart(df, "By IRO", "All teams", dt.datetime(2021, 4, 1), "% on time")
    assert list(fig.data[0].y) == ["Bo · S", "Ann · N"]  # lowest first, at the bottom
    assert list(fig.data[0].text) == ["75% (3 of 4)", "90% (9 of 10)"]
    # Not from zero, so differences stay visible, and the chart says so; never past 100%.
    # The lowest rate is 75%: 75 // 5 * 5 - 5 = 70.
    assert list(fig.layout.xaxis.range) == [70, 100]
    assert "axis starts at 70%, not 0" in fig.layout.xaxis.title.text
    # Each label is in the right margin (paper x = 1), not beside its dot in the plot.
    assert [a.text for a in fig.layout.annotations] == ["75% (3 of 4)", "90% (9 of 10)"]
    assert {a.x for a in fig.layout.annotations} == {1.0} and fig.data[0].mode == "markers"


def test_safe_names_and_export_config() -> None:
    assert figures.safe_name("cla on/time 2020-21 ../../etc") == "cla_on_time_2020-21_etc"
    cfg = figures.export_config("CLA reviews: North")
    assert cfg["toImageButtonOptions"] == {
        "format": "png",
        "filename": "CLA_reviews_North",
        "scale": 3,
        "width": 1100,
        "height": 500,
    }


@pytest.mark.parametrize(
    ("rate", "word"),
    [(0.95, "On target"), (0.93, "Close to target"), (0.80, "Below target"), (None, "No events")],
)
def test_rag_always_has_a_word_and_symbol(rate: float | None, word: str) -> None:
    ind = rag(rate, Target("cla_reviews_on_time", target=0.95, amber_from=0.90))
    assert ind.word == word and ind.symbol


def test_shipped_targets_file_reads() -> None:
    from queries.core.settings import PROJECT_ROOT

    targets = load_targets(PROJECT_ROOT / "data" / "targets.csv")
    assert targets["icpc_within_15_working_days"].stat_neighbours == pytest.approx(0.78)
    assert targets["rcpc_on_time"].stat_neighbours == pytest.approx(0.93)
    from queries.core.sqlfiles import COUNTS, MEASURES

    assert all(targets[k].source for k in MEASURES)  # every KPI's figure says where from
    assert all(targets[k].improvement == "increase" for k in MEASURES)
    assert targets["drps_formal_raised"].improvement == "neutral"
    assert all(targets[k].improvement == "neutral" for k in COUNTS)  # the default


def test_banner_warns_when_the_last_good_load_is_too_old() -> None:
    from dashboard.components import banner
    from queries.measures.records import LoadInfo
    from tests.dashboard.walk import texts

    loaded = dt.datetime(2026, 11, 1, 2, 30, tzinfo=dt.UTC)
    info = LoadInfo("abc", dt.datetime(2026, 11, 1, 2, 0, tzinfo=dt.UTC), loaded)
    fresh = texts(banner(info, loaded + dt.timedelta(hours=35), 36))
    stale = texts(banner(info, loaded + dt.timedelta(hours=37), 36))
    assert not any("out of date" in t for t in fresh)
    assert stale[0] == "⚠ Data may be out of date. "
    assert "The last good load is 37 hours old (more than 36)" in stale[1]
    failed = {
        "status": "failed",
        "started_at": "2026-11-02T02:00:00+00:00",
        "error": "staff.csv: the file is empty (no header row)",
    }
    shown = texts(banner(info, loaded + dt.timedelta(hours=24), 36, failed))
    assert shown[0] == "⚠ The last load did not complete. "
    assert "staff.csv: the file is empty (no header row)" in shown[1]
    assert "still showing the data from the last good load" in shown[1]
    # A load refused because another was running is not a failure of the data.
    refused = {**failed, "status": "refused"}
    assert not any("did not complete" in t for t in texts(banner(info, loaded, 36, refused)))


def test_filesystem_cache_backend_round_trips_results(tmp_path: Path) -> None:
    from flask import Flask
    from flask_caching import Cache

    from dashboard import data
    from queries.core.settings import load_settings
    from queries.measures.kpis import Ratio

    settings = load_settings(
        environ={"SQA_CACHE_TYPE": "FileSystemCache", "SQA_CACHE_DIR": str(tmp_path / "cache")}
    )
    server = Flask(__name__)
    cache, saved = data.cache, data._settings[:]
    try:
        data.cache = Cache()
        data.configure(server, settings)
        fig = figures.yoy_rate_chart(
            {"2020/21": [MonthRatio("2020-04", 1, 2)] * 12},
            "2020/21",
            "t",
            "u",
            "c",
            dt.datetime(2021, 1, 1),
        )
        with server.app_context():
            data.cache.set("k", {"r": Ratio(1, 2), "fig": fig})
            back = data.cache.get("k")
        assert back["r"] == Ratio(1, 2) and back["fig"] == fig
        assert list((tmp_path / "cache").iterdir())
        assert (tmp_path / "cache").stat().st_mode & 0o777 == 0o700  # cached rows: owner only
    finally:
        data.cache = cache
        data._settings[:] = saved


def test_the_default_file_cache_is_shared_by_a_servers_workers(
    app: dash.Dash, tmp_path: Path
) -> None:
    """Two workers of one server (two Flask apps over the same folder, as gunicorn's
    workers are): a view one builds is a hit in the other, and every entry expires."""
    import dataclasses
    import struct
    import time

    from flask import Flask, g
    from flask_caching import Cache

    from dashboard import data
    from queries.access.scope import Scope
    from queries.core.settings import load_settings

    assert load_settings(environ={}).cache_type == "FileSystemCache"
    settings = dataclasses.replace(
        data.settings(), cache_type="FileSystemCache", cache_dir=tmp_path / "cache"
    )
    built: list[int] = []

    @data.cached_view
    def view(year: int) -> dict[str, int]:
        built.append(year)
        return {"year": year}

    cache, saved = data.cache, data._settings[:]
    try:
        data.cache = Cache()
        workers = [Flask("worker_one"), Flask("worker_two")]
        for worker in workers:
            data.configure(worker, settings)
        for worker, year in [(workers[0], 2020), (workers[1], 2020), (workers[1], 2021)]:
            with worker.test_request_context("/"):
                g.sqa_scope = Scope("test-manager", "service_manager")
                assert view(year) == {"year": year}
        assert built == [2020, 2021]  # 2020 built once, by the first worker
        expiries = []
        for path in (tmp_path / "cache").iterdir():
            with path.open("rb") as f:
                expiries.append(struct.unpack("I", f.read(4))[0])
        views = [e for e in expiries if e]  # 0: the folder's own count file
        soon = time.time() + data.CACHE_SECONDS
        assert len(views) == 2 and all(abs(e - soon) < 120 for e in views)
    finally:
        data.cache = cache
        data._settings[:] = saved


def test_bad_settings_say_what_to_write() -> None:
    from queries.core.errors import ConfigError
    from queries.core.settings import load_settings

    with pytest.raises(ConfigError, match="SQA_CACHE_TYPE: 'Memcached' is not one of"):
        load_settings(environ={"SQA_CACHE_TYPE": "Memcached"})
    with pytest.raises(ConfigError, match="SQA_CLOSURE_DATES: '24/12/2021' is not a date"):
        load_settings(environ={"SQA_CLOSURE_DATES": "2021-12-23, 24/12/2021"})
    with pytest.raises(ConfigError, match="needs SQA_CACHE_REDIS_URL"):
        load_settings(environ={"SQA_CACHE_TYPE": "RedisCache"})
    with pytest.raises(ConfigError, match="SQA_STALE_HOURS: must be more than 0"):
        load_settings(environ={"SQA_STALE_HOURS": "0"})


def test_months_that_have_not_happened_draw_no_bars() -> None:
    months = [MonthRatio(m, 1, 3) for m in ("2026-04", "2026-05", "2026-06")] + [
        MonthRatio(f"{2026 + (m < 4)}-{m:02d}", 0, 0) for m in (7, 8, 9, 10, 11, 12, 1, 2, 3)
    ]
    fig = figures.volume_chart(
        {"ICPCs": {"2026-27": months}}, "2026-27", "All teams", dt.datetime(2026, 6, 30)
    )
    bars = fig.data[0]
    assert list(bars.y[:3]) == [3, 3, 3]
    assert all(y is None for y in bars.y[3:])  # July 2026 onwards: not a 0, nothing
    assert list(bars.text[3:]) == [""] * 9
    # June 2026 is the extract's own month, still going on: pale, and "so far".
    assert list(bars.text[:3]) == ["3", "3", "3 so far"]
    assert list(bars.marker.opacity[:3]) == [1.0, 1.0, 0.4]


def test_codes_are_shown_in_words() -> None:
    df = pd.DataFrame({"level": ["FORMAL", "INFORMAL"], "stage": ["STAGE_3", "STAGE_1"],
                       "team": ["IRO Team North", "C0000001"]})  # fmt: skip
    out = figures.display_table(df, {"level": "Level", "stage": "Stage", "team": "Team"})
    assert out.to_dict("list") == {
        "Level": ["Formal", "Informal"],
        "Stage": ["Stage 3", "Stage 1"],
        "Team": ["IRO Team North", "C0000001"],  # names and ids are left as they are
    }


def test_kpi_file_shows_the_published_england_figure_with_its_year() -> None:
    from dashboard.packs.boardpack import SECTIONS
    from queries.core.settings import PROJECT_ROOT
    from queries.measures.comparators import load_comparators, with_published
    from queries.measures.kpis import Ratio
    from queries.measures.targets import load_targets

    targets = with_published(
        load_targets(PROJECT_ROOT / "data" / "targets.csv"),
        load_comparators(PROJECT_ROOT / "data" / "comparators.csv"),
        2024,
        "North West",
    )
    now = {k: Ratio(9, 10) for k in targets}
    order = [m for _section, measures in SECTIONS for m in measures]
    frame = figures.kpi_frame(order, now, now, targets, {})
    icpc = frame[frame["Measure"] == "ICPCs within 15 working days"].iloc[0]
    # 58,670 / 72,090 = 81.4% for England, (800 + 8,240) / 11,770 = 76.8% for the region.
    assert icpc["England"] == "81.4% (2024-25)"
    assert icpc["North West"] == "76.8% (2024-25)"
    assert icpc["Statistical neighbours"] == "78% (2017-18)"  # the annual report's
    reviews = frame[frame["Measure"] == "CLA reviews on time"].iloc[0]
    assert reviews["England"] == "–"  # the DfE publishes no such figure


def test_uk_dates_and_times_everywhere() -> None:
    moment = dt.datetime(2021, 6, 30, 23, 30, tzinfo=dt.UTC)  # 00:30 BST on 1 July
    assert figures.uk_datetime(moment) == "1 Jul 2021 00:30"
    assert figures.file_date(moment) == "2021-07-01"  # the UK day, in file names too
    winter = dt.datetime(2026, 12, 1, 14, 12, 53, tzinfo=dt.UTC)  # GMT: the same clock
    assert figures.uk_datetime(winter) == "1 Dec 2026 14:12"
    assert figures.uk_stamp("2026-12-01T14:12:53+00:00") == "1 Dec 2026 14:12"
    assert figures.uk_stamp("2026-12-01") == "1 Dec 2026"
    assert figures.uk_date(dt.date(2026, 4, 9)) == "9 Apr 2026"  # no leading zero


def test_a_whole_regions_people_are_not_drawn_in_one_unreadable_chart() -> None:
    import datetime as dt

    import pandas as pd

    from dashboard import figures

    n = 1400
    df = pd.DataFrame({
        "staff_id": [f"S{i}" for i in range(n)], "staff_name": [f"Person {i}" for i in range(n)],
        "team": ["T"] * n, "numerator": [i % 10 for i in range(n)], "denominator": [10] * n,
        "rate": [(i % 10) / 10 for i in range(n)],
    })  # fmt: skip
    fig = figures.staff_rate_chart(
        df, "By IRO", "2025/26", dt.datetime(2026, 10, 31, tzinfo=dt.UTC), "% on time", 0.95
    )
    assert len(fig.data[0].y) == 60  # the 60 lowest: 140 people are at 0%, so all at 0%
    assert set(fig.data[0].x) == {0.0}
    title = fig.layout.title.text
    assert "the 60 lowest of 1,400 people; choose a team to see everyone in it" in title
