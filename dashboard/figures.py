"""Rows in, figures out: every chart of the dashboard as a pure function.

Each chart carries its own title (with the filter context), units, and data-as-of date,
so an exported PNG is understandable on its own in a board paper. Colours are the
Okabe-Ito colour-blind-safe palette; the selected year is also the thickest line with
markers, so colour is never the only signal.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Callable, Mapping, Sequence
from zoneinfo import ZoneInfo

import numpy as np
import pandas as pd
import plotly.graph_objects as go

from queries.measures import funnel, spc
from queries.measures.kpis import MEASURE_LABELS, MonthRatio, Ratio
from queries.measures.targets import Target, rag

OKABE_ITO = ("#0072B2", "#E69F00", "#009E73", "#CC79A7", "#56B4E9", "#D55E00", "#000000")
GREY = "#8c8c8c"
MONTHS = ("Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec", "Jan", "Feb", "Mar")
FONT = "system-ui, -apple-system, 'Segoe UI', Roboto, 'Helvetica Neue', Arial, sans-serif"


def pct(rate: float | None, digits: int = 0) -> str:
    """0.9712 -> '97%' (or '97.1%' with digits=1); None -> '–'."""
    return "–" if rate is None else f"{rate * 100:.{digits}f}%"


UK = ZoneInfo("Europe/London")


def in_uk(moment: dt.datetime) -> dt.datetime:
    """A time in UK time (GMT or BST); a naive time is taken as UTC."""
    aware = moment if moment.tzinfo is not None else moment.replace(tzinfo=dt.UTC)
    return aware.astimezone(UK)


def uk_date(day: dt.date | dt.datetime) -> str:
    """One date style everywhere: '1 Dec 2026' (a time, if given, in UK time)."""
    if isinstance(day, dt.datetime) and day.tzinfo is not None:
        day = day.astimezone(UK)
    return f"{day.day} {day:%b %Y}"


def uk_datetime(moment: dt.datetime) -> str:
    """'1 Dec 2026 14:12', in UK time (GMT or BST); a naive time is taken as UTC."""
    local = in_uk(moment)
    return f"{uk_date(local)} {local:%H:%M}"


def uk_stamp(text: object) -> str:
    """A stored ISO time ('2026-12-01T14:12:53+00:00') as '1 Dec 2026 14:12' UK time; a
    date alone as '1 Dec 2026'; anything else as it is."""
    raw = str(text or "")
    try:
        moment = dt.datetime.fromisoformat(raw)
    except ValueError:
        return raw
    return uk_date(moment.date()) if len(raw) <= 10 else uk_datetime(moment)


def file_date(moment: dt.datetime) -> str:
    """The data's date for a file name, ISO (sorts), as the day it was in the UK."""
    return f"{in_uk(moment):%Y-%m-%d}"


def as_of_note(as_of: dt.datetime) -> str:
    return f"Data as of {uk_datetime(as_of)}"


def axis_title(text: str, width: int = 30) -> str:
    """A long axis title on two lines, so a y title never runs into the chart's subtitle."""
    if len(text) <= width:
        return text
    cut = text.rfind(" ", 0, len(text) // 2 + 6)
    return text if cut < 0 else f"{text[:cut]}<br>{text[cut + 1 :]}"


def _layout(fig: go.Figure, title: str, subtitle: str, as_of: dt.datetime) -> go.Figure:
    fig.update_layout(
        title={
            "text": f"{title}<br><sup>{subtitle} · {as_of_note(as_of)}</sup>",
            "x": 0.01,
            "xanchor": "left",
        },
        font={"family": FONT, "size": 13, "color": "#212529"},
        paper_bgcolor="white",
        plot_bgcolor="white",
        margin={"l": 60, "r": 20, "t": 80, "b": 95},
        height=420,
        legend={"orientation": "h", "y": -0.27, "x": 0},
        hoverlabel={"font": {"family": FONT}},
    )
    fig.update_xaxes(showline=True, linecolor="#adb5bd", ticks="outside")
    fig.update_yaxes(gridcolor="#e9ecef", zeroline=False)
    return fig


def yoy_rate_chart(
    series: Mapping[str, Sequence[MonthRatio]],
    selected: str,
    title: str,
    unit: str,
    subtitle: str,
    as_of: dt.datetime,
    target: float | None = None,
    links: Mapping[str, Sequence[str]] | None = None,
) -> go.Figure:
    """Monthly rates for several series (years, or a person, team and service) on one
    April-March axis. ``series`` keys are the legend labels; ``selected`` is emphasised.
    ``links`` gives each series' months the address of their records: a point's last
    custom value, which a click follows (``pagekit.register_point_links``)."""
    fig = go.Figure()
    others = [fy for fy in series if fy != selected]
    lowest = 1.0
    for i, fy in enumerate([*others, selected]):
        months = series[fy]
        rates = [m.rate for m in months]
        lowest = min([lowest, *[r for r in rates if r is not None]])
        chosen = fy == selected
        colour = OKABE_ITO[0] if chosen else OKABE_ITO[1 + i % 5]
        pcts = [None if r is None else r * 100 for r in rates]
        final = [None if m.provisional else v for m, v in zip(months, pcts, strict=True)]
        # Provisional months (not ended, or still changing) are a hollow-marker dashed line
        # joined to the last final month, so nobody reads them as settled.
        later = [v if m.provisional else None for m, v in zip(months, pcts, strict=True)]
        first_prov = next((j for j, m in enumerate(months) if m.provisional), None)
        if first_prov and final[first_prov - 1] is not None and later[first_prov] is not None:
            later[first_prov - 1] = final[first_prov - 1]
        hrefs = list((links or {}).get(fy, [""] * len(months)))
        custom = [
            [m.numerator, m.denominator, m.month, h] for m, h in zip(months, hrefs, strict=True)
        ]
        fig.add_trace(
            go.Scatter(
                x=list(MONTHS),
                y=final,
                name=fy,
                legendgroup=fy,
                mode="lines+markers",
                line={
                    "color": colour,
                    "width": 3.5 if chosen else 2,
                    "dash": "solid" if chosen else "dot",
                },
                marker={"size": 8 if chosen else 6, "symbol": "circle" if chosen else "diamond"},
                customdata=custom,
                hovertemplate="%{customdata[2]}: %{y:.1f}% (%{customdata[0]} of "
                "%{customdata[1]})<extra>" + fy + "</extra>",
                connectgaps=False,
            )
        )
        if any(v is not None for j, v in enumerate(later) if months[j].provisional):
            fig.add_trace(
                go.Scatter(
                    x=list(MONTHS),
                    y=later,
                    name=f"{fy} provisional",
                    legendgroup=fy,
                    mode="lines+markers",
                    line={"color": colour, "width": 2, "dash": "dash"},
                    marker={
                        "size": 9,
                        "symbol": "circle-open",
                        "line": {"width": 2, "color": colour},
                    },
                    customdata=custom,
                    hovertemplate="%{customdata[2]}: %{y:.1f}% (%{customdata[0]} of "
                    "%{customdata[1]}), provisional<extra>" + fy + "</extra>",
                    connectgaps=False,
                )
            )
    if target is not None:
        # The target's label sits in the right margin, beside its line, never on a point.
        fig.add_hline(y=target * 100, line={"color": GREY, "dash": "dash", "width": 1.5})
        fig.add_annotation(
            x=1.0, xref="paper", xanchor="left", xshift=4, y=target * 100, yref="y",
            text=f"Target<br>{pct(target)}", showarrow=False, align="left",
            font={"color": "#495057", "size": 11},
        )  # fmt: skip
        lowest = min(lowest, target)
    floor = max(0, int(lowest * 100 // 10 * 10) - 10)
    fig.update_traces(cliponaxis=False)  # a point at 100% is drawn whole
    fig.update_yaxes(
        title_text=axis_title(unit), range=[floor, 100], ticksuffix="%", automargin=True
    )
    if floor:  # a cut axis is said on the chart
        fig.add_annotation(
            x=0, xref="paper", y=0, yref="paper", xanchor="left", yanchor="bottom",
            text=f"Axis starts at {floor}%, not 0", showarrow=False,
            font={"size": 11, "color": "#495057"}, bgcolor="rgba(255,255,255,0.8)",
        )  # fmt: skip
    gap = next((m.not_recorded for s in series.values() for m in s if m.not_recorded), None)
    if gap:  # the source cannot give this measure: say so on the chart, not draw 0%
        fig.add_annotation(
            text=gap, x=0.5, y=0.5, xref="paper", yref="paper", showarrow=False,
            font={"size": 16, "color": GREY},
        )  # fmt: skip
    fig.update_xaxes(
        title_text="Month (financial year, April to March)",
        categoryorder="array",
        categoryarray=list(MONTHS),
    )
    fig = _layout(fig, title, subtitle, as_of)
    fig.update_layout(margin={"r": 70})  # room for the target's label
    return fig


def month_table(series: Mapping[str, Sequence[MonthRatio]]) -> pd.DataFrame:
    """The annual report's month-by-month table: one row per year, one column per month."""
    rows = []
    for fy, months in series.items():
        row: dict[str, str] = {"Year": fy.replace("-", "/")}
        for label, m in zip(MONTHS, months, strict=True):
            shown = pct(m.rate)
            if m.provisional and m.rate is not None:
                shown += " provisional"
            row[label] = "Not recorded" if m.not_recorded else shown
        rows.append(row)
    return pd.DataFrame(rows, columns=["Year", *MONTHS])


def year_summary(months: Sequence[MonthRatio], provisional: bool = False) -> dict[str, str]:
    """The year's pooled rate, best month and events held, as display text.

    Provisional months (not ended, or still changing) are left out unless ``provisional``
    is asked for; ``note`` then says which months were left out (empty when none)."""
    used = [m for m in months if provisional or not m.provisional]
    left = [m for m in months if m not in used and m.denominator]
    num = sum(m.numerator for m in used)
    den = sum(m.denominator for m in used)
    rated = [(m.rate, m.month) for m in used if m.rate is not None]
    best = max(rated) if rated else None
    note = ""
    if left:
        names = ", ".join(_month_name(m.month) for m in left)
        events = sum(m.denominator for m in left)
        note = f"Final months only: {names} provisional, left out ({events:,} events)"
    return {
        "pooled": pct(num / den if den else None, 1),
        "best": f"{pct(best[0])} ({_month_name(best[1])})" if best else "–",
        "held": f"{den:,}",
        "on_time": f"{num:,}",
        "note": note,
    }


def team_table(df: pd.DataFrame) -> pd.DataFrame:
    """Per-team figures for display: team, held, on time, rate."""
    return pd.DataFrame(
        {
            "Team": df["team"],
            "Held": [f"{int(d):,}" for d in df["denominator"]],
            "On time": [f"{int(n):,}" for n in df["numerator"]],
            "Rate": [pct(r if r == r else None, 1) for r in df["rate"]],
        }
    )


def load_history_table(entries: Sequence[Mapping[str, object]]) -> pd.DataFrame:
    """The load log as a table: when, outcome, rows, rows set aside, time taken, reason."""
    words = {
        "ok": "✔ Loaded",
        "failed": "✖ Failed",
        "held_back": "⏸ Held back",
        "refused": "✖ Refused (busy)",
        "rollback": "↶ Rolled back",
    }
    rows = []
    for e in entries:
        loaded = e.get("rows")
        rejects = e.get("rejects")
        rows.append(
            {
                "Started": uk_stamp(e.get("started_at", "")),
                "Outcome": words.get(str(e.get("status")), str(e.get("status"))),
                "Rows loaded": f"{sum(loaded.values()):,}"
                if isinstance(loaded, dict) and e.get("status") == "ok"
                else "–",
                "Set aside": f"{sum(rejects.values()):,}"
                if isinstance(rejects, dict) and e.get("status") == "ok"
                else "–",
                "Seconds": str(e.get("seconds", "–")),
                "Reason": str(e.get("error") or e.get("to_file") or ""),
            }
        )
    return pd.DataFrame(
        rows, columns=["Started", "Outcome", "Rows loaded", "Set aside", "Seconds", "Reason"]
    )


def data_quality_table(df: pd.DataFrame) -> pd.DataFrame:
    """The data-quality summary for display."""
    return pd.DataFrame(
        {
            "Kind": df["kind"],
            "File": df["file"],
            "Reason": df["reason_code"],
            "Rows": [f"{int(n):,}" for n in df["rows"]],
            "First line": [str(int(n)) if n == n else "" for n in df["first_line"]],
        }
    )


def _month_name(month: str) -> str:
    return dt.date.fromisoformat(f"{month}-01").strftime("%b %Y")


def staff_rate_chart(
    df: pd.DataFrame,
    title: str,
    subtitle: str,
    as_of: dt.datetime,
    unit: str,
    target: float | None = None,
    link: Callable[[str], str] | None = None,
    max_people: int = 60,
) -> go.Figure:
    """One dot per IRO or chair at their rate, with 'n of N' beside it; with ``link``
    (staff id -> address), a click on a dot opens that person's records.

    A dot plot rather than bars: bars must start at zero, which hides the differences
    between 92% and 99% that matter here. More than ``max_people`` (a whole region's
    IROs) cannot be read in one chart: it shows the lowest rates and says so.
    """
    if len(df) > max_people:
        total = len(df)
        df = df.sort_values(["rate", "denominator"], ascending=[True, False]).head(max_people)
        subtitle = (
            f"{subtitle} · the {max_people} lowest of {total:,} people; choose a team to see "
            "everyone in it"
        )
    df = df.sort_values(["rate", "staff_name"], ascending=[True, False])
    labels = [
        f"{pct(r)} ({n} of {d})"
        for n, d, r in zip(
            df["numerator"].tolist(), df["denominator"].tolist(), df["rate"].tolist(), strict=True
        )
    ]
    rates = (df["rate"] * 100).tolist()
    people = [
        f"{s} · {t}" for s, t in zip(df["staff_name"].tolist(), df["team"].tolist(), strict=True)
    ]
    fig = go.Figure(
        go.Scatter(
            x=rates,
            y=people,
            mode="markers",
            marker={"color": OKABE_ITO[0], "size": 11},
            text=labels,
            customdata=[
                [link(i) if link and isinstance(i, str) and i else ""] for i in df["staff_id"]
            ],  # others unnamed to this viewer: no link
            cliponaxis=False,  # a dot at 100% is drawn whole on an axis that ends at 100%
            hovertemplate="%{y}: %{text}<extra></extra>",
        )
    )
    # Each person's "rate (n of N)" sits in a column in the right margin, so no label
    # runs over another dot, the target line or past 100%. Set as one list: adding them
    # one by one checks the whole list each time (minutes for a thousand people).
    fig.update_layout(
        annotations=[
            {"x": 1.0, "xref": "paper", "xanchor": "left", "xshift": 12, "y": person,
             "yref": "y", "text": label, "showarrow": False,
             "font": {"size": 12, "color": "#212529"}}
            for person, label in zip(people, labels, strict=True)
        ]
    )  # fmt: skip
    low = min([r for r in rates if r == r] + [100.0] + ([target * 100] if target else []))
    floor = max(0, int(low // 5 * 5) - 5)
    if target is not None:
        fig.add_vline(x=target * 100, line={"color": GREY, "dash": "dash"})
        fig.add_annotation(
            x=target * 100,
            y=1.0,
            yref="paper",
            yanchor="bottom",
            text=f"Target {pct(target)}",
            showarrow=False,
            font={"color": "#495057", "size": 11},
        )
    fig.update_xaxes(
        title_text=unit + (f" (axis starts at {floor}%, not 0)" if floor else ""),
        range=[floor, 100],
        ticksuffix="%",
        gridcolor="#e9ecef",
        dtick=5 if 100 - floor <= 50 else 10,
    )
    fig.update_yaxes(gridcolor="#f1f3f5")
    fig = _layout(fig, title, subtitle, as_of)
    fig.update_layout(height=max(300, 110 + 30 * len(df)), margin={"l": 230, "r": 150, "t": 95})
    return fig


PN_LABELS = {
    "PN0": "PN0 under 4",
    "PN1": "PN1 attends, speaks for self",
    "PN2": "PN2 attends, advocate speaks",
    "PN3": "PN3 attends, views non-verbally",
    "PN4": "PN4 attends, does not contribute",
    "PN5": "PN5 absent, briefs an advocate",
    "PN6": "PN6 absent, views by other means",
    "PN7": "PN7 absent, views not conveyed",
    "blank or unknown": "Blank or unknown code",
}


def participation_mix_chart(df: pd.DataFrame, subtitle: str, as_of: dt.datetime) -> go.Figure:
    """Reviews per participation code, with counts and shares on the bars."""
    order = list(PN_LABELS)
    df = df.set_index("code").reindex(order).fillna(0).reset_index()
    total = int(df["reviews"].sum())
    shares = [f"{int(v):,} ({v / total:.0%})" if total else "0" for v in df["reviews"]]
    colours = [
        OKABE_ITO[2]
        if c in ("PN1", "PN2", "PN3", "PN4")
        else OKABE_ITO[1]
        if c in ("PN5", "PN6")
        else GREY
        for c in df["code"]
    ]
    fig = go.Figure(
        go.Bar(
            y=[PN_LABELS[c] for c in df["code"]],
            x=df["reviews"].tolist(),
            orientation="h",
            marker={"color": colours},
            text=shares,
            textposition="outside",
            cliponaxis=False,
            hovertemplate="%{y}: %{text}<extra></extra>",
        )
    )
    fig.update_yaxes(autorange="reversed")
    fig.update_xaxes(title_text="Reviews held")
    fig = _layout(fig, "Reviews by participation code", subtitle, as_of)
    fig.update_layout(margin={"l": 250, "r": 80}, height=420)
    return fig


def volume_chart(
    series: Mapping[str, Mapping[str, Sequence[MonthRatio]]],
    fy: str,
    subtitle: str,
    as_of: dt.datetime,
) -> go.Figure:
    """Events held per month for several measures of one year (bars side by side). Months
    after the data's own month have not happened: no bar and no label, never "0"; the
    data's own month is still going on, so its bars are pale and say "so far"."""
    fig = go.Figure()
    ended = f"{as_of:%Y-%m}"
    for i, (name, by_year) in enumerate(series.items()):
        months = by_year[fy]
        held = [None if m.month > ended else m.denominator for m in months]
        # The month the data was extracted in is still going on: paler, "so far".
        going = [m.month == ended for m in months]
        fig.add_trace(
            go.Bar(
                x=list(MONTHS),
                y=held,
                name=name,
                marker={
                    "color": OKABE_ITO[i],
                    "pattern": {"shape": ["", "/", "."][i % 3]},
                    "opacity": [0.4 if g else 1.0 for g in going],
                },
                text=[
                    "" if n is None else f"{n:,} so far" if g else f"{n:,}"
                    for n, g in zip(held, going, strict=True)
                ],
                textposition="outside",
                hovertemplate="%{x}: %{y} held<extra>" + name + "</extra>",
            )
        )
    fig.update_layout(barmode="group")
    fig.update_yaxes(title_text="Conferences held")
    fig.update_xaxes(title_text="Month (financial year, April to March)")
    return _layout(fig, f"Conferences held per month, {fy.replace('-', '/')}", subtitle, as_of)


def export_config(filename: str, as_of: dt.datetime | None = None) -> dict[str, object]:
    """dcc.Graph config: toolbar PNG export at print resolution, with a meaningful name
    (what the chart is and, given ``as_of``, the data's date)."""
    if as_of is not None:
        filename = f"{filename}_data_{file_date(as_of)}"
    return {
        "displaylogo": False,
        "toImageButtonOptions": {
            "format": "png",
            "filename": safe_name(filename),
            "scale": 3,
            "width": 1100,
            "height": 500,
        },
        "modeBarButtonsToRemove": ["lasso2d", "select2d"],
    }


def safe_name(text: str) -> str:
    """A file name made of letters, digits, dashes and underscores only (no dots, so no
    path tricks and no second extension); the caller adds the extension."""
    return re.sub(r"[^A-Za-z0-9-]+", "_", text).strip("_")[:120] or "chart"


def count_yoy_chart(
    series: Mapping[str, Mapping[str, Sequence[tuple[str, int]]]],
    selected: str,
    comparison: str,
    title: str,
    unit: str,
    subtitle: str,
    as_of: dt.datetime,
    grain: str,
) -> go.Figure:
    """Counts per week, month or quarter: each measure's chosen year solid, the comparison
    year hatched and lighter beside it. ``series`` is {measure label: {fy label: buckets}}."""
    fig = go.Figure()
    for i, (label, by_year) in enumerate(series.items()):
        colour = OKABE_ITO[i % len(OKABE_ITO)]
        for fy, solid in ((comparison, False), (selected, True)):
            buckets = by_year.get(fy, [])
            xs = [_bucket_label(b, grain) for b, _ in buckets]
            fig.add_trace(
                go.Bar(
                    x=xs,
                    y=[n for _, n in buckets],
                    name=f"{label}, {fy.replace('-', '/')}",
                    marker={
                        "color": colour,
                        "opacity": 1.0 if solid else 0.45,
                        "pattern": {"shape": "" if solid else "/"},
                    },
                    hovertemplate="%{x}: %{y}<extra>" + f"{label}, {fy}" + "</extra>",
                )
            )
    fig.update_layout(barmode="group")
    fig.update_yaxes(title_text=unit, rangemode="tozero")
    fig.update_xaxes(
        title_text={
            "week": "Week of the financial year (from 1 April)",
            "quarter": "Quarter of the financial year",
            "month": "Month (financial year, April to March)",
        }[grain],
        type="category",
    )
    return _layout(fig, title, subtitle, as_of)


def _bucket_label(bucket: str, grain: str) -> str:
    if grain == "month":
        return MONTHS[(int(bucket[5:7]) - 4) % 12]
    if grain == "quarter":
        return {"Q1": "Q1 Apr-Jun", "Q2": "Q2 Jul-Sep", "Q3": "Q3 Oct-Dec", "Q4": "Q4 Jan-Mar"}[
            bucket
        ]
    return bucket


# One table of words for the codes the extract uses, so no screen shows FORMAL or STAGE_3.
CODE_WORDS = {
    "FORMAL": "Formal",
    "INFORMAL": "Informal",
    "IN_PERSON": "In person",
    "VIRTUAL": "Virtual",
    "HYBRID": "Hybrid",
    "IN_AREA": "In area",
    "OUT_OF_AREA": "Out of area",
    "ICPC": "Initial conference",
    "RCPC": "Review conference",
    "TRANSFER_IN": "Transfer-in conference",
    "MIDWAY": "Midway review",
    "TARGETED": "Targeted audit",
    "NOT_RECORDED": "Not recorded",
}
_STAGE = re.compile(r"^STAGE_(\d+)$")


def words(value: str) -> str:
    """A code in words ("STAGE_3" -> "Stage 3", "FORMAL" -> "Formal"); other text as is."""
    if value in CODE_WORDS:
        return CODE_WORDS[value]
    stage = _STAGE.match(value)
    return f"Stage {stage.group(1)}" if stage else value


def display_table(df: pd.DataFrame, columns: Mapping[str, str]) -> pd.DataFrame:
    """Pick and rename columns for display; numbers with thousands separators, NaN as –,
    codes in words."""
    out = pd.DataFrame()
    for key, label in columns.items():
        values = df[key] if key in df else pd.Series([""] * len(df))
        out[label] = [
            "–"
            if v is None or (isinstance(v, float) and v != v)
            else f"{v:,}"
            if isinstance(v, int) and not isinstance(v, bool)
            else f"{v:,.0f}"
            if isinstance(v, float)
            else uk_date(v)
            if hasattr(v, "strftime")
            else words(str(v))
            for v in values.astype(object)
        ]
    return out


def feedback_table(df: pd.DataFrame, selected: int, comparison: int) -> pd.DataFrame:
    """Per group and question: the share answering yes of those answering, both years."""

    def label(fy: int) -> str:
        return f"{fy}/{(fy + 1) % 100:02d}"

    cells: dict[tuple[str, str], dict[str, str]] = {}
    for rec in df.to_dict("records"):
        key = (
            str(rec["respondent_group"]).title(),
            str(rec["question_text"] or rec["question_code"]),
        )
        row = cells.setdefault(key, {"Group": key[0], "Question": key[1]})
        answered, yes = int(rec["answered"]), int(rec["yes"])
        row[label(int(rec["fy_start"]))] = (
            f"{yes / answered:.0%} ({yes} of {answered})" if answered else "–"
        )
    cols = ["Group", "Question", label(selected), label(comparison)]
    return pd.DataFrame(list(cells.values()), columns=cols).fillna("–")


def caseload_table(df: pd.DataFrame) -> pd.DataFrame:
    """Children allocated per IRO (rows) at each month end (columns)."""
    if df.empty:
        return pd.DataFrame(columns=["IRO"])
    on_day = pd.to_datetime(df["on_day"])
    words = {d: uk_date(d) for d in on_day.unique()}  # a dozen days, not a row each
    wide = df.assign(
        day=on_day.map(words),  # the exact day counted
        who=df["staff_name"].fillna(df["staff_id"]) + " · " + df["team"].fillna(""),
    )
    pivot = (
        wide.pivot_table(index="who", columns="day", values="children", aggfunc="sum", sort=False)
        .fillna(0)
        .astype(int)
    )
    order = list(dict.fromkeys(wide["day"]))
    pivot = pivot[order].reset_index().rename(columns={"who": "IRO"})
    return pivot.map(lambda v: f"{v:,}" if isinstance(v, int) else v).astype(str)


CAUSE_COLOURS = {
    "improvement": "#0072B2",  # Making Data Count: blue for improvement
    "concern": "#E69F00",  # orange for concern
    "neutral_high": "#8E44AD",  # purple for neither
    "neutral_low": "#8E44AD",
}
CAUSE_WORDS = {
    "improvement": "Special cause: improvement",
    "concern": "Special cause: concern",
    "neutral_high": "Special cause: higher",
    "neutral_low": "Special cause: lower",
}
CAUSE_SYMBOLS = {
    "improvement": "triangle-up",
    "concern": "triangle-down",
    "neutral_high": "diamond",
    "neutral_low": "diamond",
}


def spc_figure(
    chart: spc.Chart, title: str, unit: str, subtitle: str, as_of: dt.datetime, rate: bool
) -> go.Figure:
    """A Making Data Count XmR (or p-prime) chart: the values, mean and process limits,
    special-cause points marked by colour, shape and a word in the legend, and the
    variation and assurance icons in words under the title."""
    scale = 100 if rate else 1
    pts = chart.points
    months = [p.month for p in pts]

    def ys(attr: str) -> list[float | None]:
        return [None if getattr(p, attr) is None else getattr(p, attr) * scale for p in pts]

    fig = go.Figure()
    fig.add_trace(
        go.Scatter(
            x=months, y=ys("value"), name="Monthly value", mode="lines+markers",
            line={"color": GREY, "width": 1.5}, marker={"size": 6, "color": GREY},
            connectgaps=False,
            customdata=[[p.numerator, p.denominator, ", ".join(
                spc.RULE_WORDS[r] for r in p.rules) or "common cause"] for p in pts],
            hovertemplate="%{x}: %{y:.1f}" + ("%" if rate else "")
            + (" (%{customdata[0]} of %{customdata[1]})" if rate else "")
            + "<br>%{customdata[2]}<extra></extra>",
        )
    )  # fmt: skip
    for attr, name, dash in (
        ("mean", "Mean", "solid"),
        ("upper_limit", "Upper process limit", "dash"),
        ("lower_limit", "Lower process limit", "dash"),
    ):
        fig.add_trace(
            go.Scatter(
                x=months, y=ys(attr), name=name, mode="lines", hoverinfo="skip",
                line={"color": "#000000" if attr == "mean" else "#555555", "width": 1.2,
                      "dash": dash, "shape": "hv"},
            )
        )  # fmt: skip
    for cause, colour in CAUSE_COLOURS.items():
        chosen = [p for p in pts if p.special_cause == cause]
        if not chosen:
            continue
        fig.add_trace(
            go.Scatter(
                x=[p.month for p in chosen], y=[(p.value or 0) * scale for p in chosen],
                name=CAUSE_WORDS[cause], mode="markers",
                marker={"size": 11, "color": colour, "symbol": CAUSE_SYMBOLS[cause],
                        "line": {"width": 1, "color": "#000000"}},
                hovertemplate="%{x}: " + CAUSE_WORDS[cause] + "<extra></extra>",
            )
        )  # fmt: skip
    if chart.target is not None:
        fig.add_hline(
            y=chart.target * scale, line={"color": "#D55E00", "dash": "dot", "width": 1.5},
            annotation_text=f"Target {pct(chart.target) if rate else chart.target}",
            annotation_position="bottom right",
        )  # fmt: skip
    for month, reason in chart.breaks:
        fig.add_vline(x=month, line={"color": GREY, "dash": "dot", "width": 1})
        fig.add_annotation(
            x=month, y=1, yref="paper", text=f"Limits recalculated: {reason}"[:70],
            showarrow=False, xanchor="left", yanchor="bottom", font={"size": 10, "color": GREY},
        )  # fmt: skip
    words = f"{spc.variation_words(chart.variation)} · {spc.assurance_words(chart.assurance)}" + (
        " · limits provisional (fewer than 13 points)" if chart.provisional else ""
    )
    fig.update_yaxes(title_text=axis_title(unit), ticksuffix="%" if rate else "")
    notes = ""
    if rate:
        values = [v for v in ys("value") + ys("lower_limit") if v is not None]
        floor = max(0, int(min(values, default=0) // 5 * 5) - 5)
        fig.update_yaxes(range=[floor, 100])  # a rate never runs past 100% on the axis
        fig.update_traces(cliponaxis=False)  # a point at 100% is drawn whole
        top = max((v for v in ys("upper_limit") if v is not None), default=0)
        if top > 100:
            notes += f" · upper limit {top:.1f}% lies above 100%"
        if floor > 0:
            notes += f" · axis starts at {floor}%"
    fig.update_xaxes(type="category", tickangle=-45)
    fig = _layout(fig, f"{title}: is it changing?", f"{subtitle}{notes}<br>{words}", as_of)
    fig.update_layout(margin={"t": 100, "b": 110}, legend={"y": -0.35})
    return fig


def funnel_outliers(result: funnel.Funnel) -> pd.DataFrame:
    """The people (or teams) outside the funnel's 95% limits, as a table to show."""
    return pd.DataFrame(
        [
            [u.label, f"{u.numerator:,} of {u.denominator:,}", pct(u.rate, 1),
             "Above" if u.outlier_95 == "high" else "Below",
             "Yes" if u.outlier_99_8 else "No"]
            for u in result.units
            if u.outlier_95
        ],
        columns=["Person", "Events", "Rate", "Beyond the 95% limit", "Beyond the 99.8% limit"],
    )  # fmt: skip


def funnel_figure(
    result: funnel.Funnel,
    title: str,
    subtitle: str,
    as_of: dt.datetime,
    highlight: str | None = None,
    unit: str = "% on time",
) -> go.Figure:
    """A funnel plot: each person or team's rate against their number of events, with the
    95% and 99.8% limits around the pooled rate; outliers marked by shape and word."""
    fig = go.Figure()
    plotted = [u for u in result.units if u.denominator > 0]
    if result.target is None or not plotted:
        fig.add_annotation(
            text="No events in this period", x=0.5, y=0.5, xref="paper", yref="paper",
            showarrow=False, font={"size": 16, "color": GREY},
        )  # fmt: skip
        return _layout(fig, title, subtitle, as_of)
    biggest = max(u.denominator for u in plotted)
    ns = sorted({max(1, round(biggest * 1.1 * i / 60)) for i in range(1, 61)})
    tau2 = result.tau2 if result.adjusted and result.tau2 else 0.0
    for level, dash in (("95", "dash"), ("99.8", "solid")):
        lims = [funnel.limits_at(result.target, tau2, n, result.method)[level] for n in ns]
        for side, idx in (("lower", 0), ("upper", 1)):
            fig.add_trace(
                go.Scatter(
                    x=ns, y=[lim[idx] * 100 for lim in lims], mode="lines",
                    name=f"{level}% limits", legendgroup=level, showlegend=side == "upper",
                    line={"color": "#555555", "dash": dash, "width": 1.2}, hoverinfo="skip",
                )
            )  # fmt: skip
    fig.add_hline(
        y=result.target * 100, line={"color": "#000000", "width": 1},
        annotation_text=f"Service {pct(result.target, 1)}", annotation_position="bottom right",
    )  # fmt: skip
    groups = {
        "Within the limits": [u for u in plotted if not u.outlier_95],
        "Above the 95% limit": [u for u in plotted if u.outlier_95 == "high"],
        "Below the 95% limit": [u for u in plotted if u.outlier_95 == "low"],
    }
    styles = {
        "Within the limits": (GREY, "circle"),
        "Above the 95% limit": ("#0072B2", "triangle-up"),
        "Below the 95% limit": ("#E69F00", "triangle-down"),
    }
    for name, units in groups.items():
        if not units:
            continue
        colour, symbol = styles[name]
        fig.add_trace(
            go.Scatter(
                x=[u.denominator for u in units], y=[(u.rate or 0) * 100 for u in units],
                mode="markers", name=name,
                marker={"size": [14 if u.unit == highlight else 10 for u in units],
                        "color": colour, "symbol": symbol,
                        "line": {"width": [3 if u.unit == highlight else 1 for u in units],
                                 "color": "#000000"}},
                # An object array: Plotly takes it as it is, where a list of lists is
                # validated value by value (12 ms for 900 people; the JSON is the same).
                customdata=np.array([[u.label, u.numerator, u.unit] for u in units], object),
                hovertemplate="%{customdata[0]}: %{y:.1f}% (%{customdata[1]} of %{x})"
                "<extra></extra>",
            )
        )  # fmt: skip
    smallest = min(u.denominator for u in plotted)
    low_limit = funnel.limits_at(result.target, tau2, smallest, result.method)["99.8"][0]
    low = min([low_limit, *[u.rate or 0 for u in plotted]]) * 100
    floor = max(0, int(low // 5 * 5) - 5)
    fig.update_yaxes(title_text=axis_title(unit), ticksuffix="%", range=[floor, 100])
    fig.update_traces(cliponaxis=False)  # a point at 100% is drawn whole
    fig.update_xaxes(title_text="Number of events in the period", rangemode="tozero")
    note = " · limits widened for over-dispersion" if result.adjusted else ""
    note += f" · axis starts at {floor}%" if floor > 0 else ""
    return _layout(fig, title, subtitle + note, as_of)


def comparator(value: float | None, year: str) -> str:
    """A published comparator with its year ('78.5% (2022-23)', '93% (2017-18)' when it was
    published as a whole number), or '–'."""
    if value is None:
        return "–"
    whole = abs(value * 100 - round(value * 100)) < 1e-9
    return pct(value, 0 if whole else 1) + (f" ({year})" if year else "")


def kpi_frame(
    order: Sequence[str],
    now: dict[str, Ratio],
    last_year: dict[str, Ratio],
    targets: dict[str, Target],
    icons: dict[str, spc.Chart],
) -> pd.DataFrame:
    """The KPI table as the file a board paper's author downloads: the same rows and
    figures, the numbers as numbers."""
    rows = []
    for key in order:
        r, t, prev = now[key], targets[key], last_year[key]
        ind = rag(r.rate, t, r.not_recorded)
        chart = icons.get(key)
        rows.append(
            {
                "Measure": MEASURE_LABELS[key],
                "Numerator": None if r.not_recorded else r.numerator,
                "Denominator": None if r.not_recorded else r.denominator,
                "Result": r.not_recorded or pct(r.rate, 1),
                "Indicator": ind.word,
                "Variation (SPC)": spc.variation_words(chart.variation) if chart else "",
                "Assurance (SPC)": spc.assurance_words(chart.assurance) if chart else "",
                "Target": pct(t.target),
                "Same period last year": pct(prev.rate, 1),
                "Statistical neighbours": comparator(t.stat_neighbours, t.comparator_year),
                "England": comparator(t.england, t.england_year),
                **({t.region_name: comparator(t.region, t.region_year)} if t.region_name else {}),
            }
        )
    return pd.DataFrame(rows)
