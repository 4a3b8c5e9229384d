"""The board pack: one financial year or quarter, from a month-end snapshot, as PDF
(WeasyPrint, tagged PDF/UA) or PowerPoint (python-pptx).

Contents: a title page; the KPI table with indicators (a word and a symbol, never colour
alone), targets, last year and definitions; for each KPI its year-on-year chart, its
month-by-month table and the managers' commentary; a quality-assurance summary of counts.
Every page carries the data-as-of date, the snapshot, the group (service or team) and
the audience. An external pack applies :mod:`queries.measures.disclosure`.
"""

from __future__ import annotations

import base64
import datetime as dt
import io
import re
import zipfile
from collections.abc import Sequence
from dataclasses import dataclass, field
from html import escape
from pathlib import Path
from typing import Any

import pandas as pd
import plotly.graph_objects as go

from dashboard import figures
from dashboard.packs import images as charts
from queries.core import tables
from queries.measures import spc
from queries.measures.disclosure import INTERNAL, Disclosure
from queries.measures.kpis import KPI_LABELS, MEASURE_LABELS, NOT_RECORDED, MonthRatio, Ratio
from queries.measures.periods import fy_label
from queries.measures.targets import Target, rag
from queries.state.snapshots import SERVICE, Snapshot, pack_month, period_label

ROOT = Path(__file__).resolve().parents[2]
DEFINITIONS = ROOT / "docs" / "definitions.md"

SECTIONS: tuple[tuple[str, tuple[str, ...]], ...] = (
    ("Reviews of children in care", ("cla_reviews_on_time", "minutes_within_20_working_days")),
    ("Participation and attendance", ("cla_participation", "cla_attendance")),
    ("Child protection conferences", ("icpc_within_15_working_days", "rcpc_on_time")),
    ("Quality assurance", ("reviews_with_contact_since_last", "feedback_yes")),
)
UNITS = {
    "cla_reviews_on_time": "% of reviews held on time",
    "minutes_within_20_working_days": "% of minutes within 20 working days",
    "cla_participation": "% of reviews (PN1-PN6)",
    "cla_attendance": "% of reviews (PN1-PN4)",
    "icpc_within_15_working_days": "% of ICPCs within 15 working days",
    "rcpc_on_time": "% of review conferences on time",
    "reviews_with_contact_since_last": "% of second and later reviews",
    "feedback_yes": "% of answers that were yes",
}
COUNT_LABELS = {
    "drps_formal_raised": "Formal DRPs raised",
    "drps_informal_raised": "Informal DRPs raised",
    "practice_acknowledgements_raised": "Practice acknowledgements",
    "direct_contacts": "IRO direct contacts",
    "audits_midway": "Mid-way audits",
    "audits_targeted": "Targeted audits",
    "case_closures": "Case closures",
}
FORMATS = ("pdf", "pptx", "zip")
KPI_COLUMNS = ["Measure", "Numerator", "Denominator", "Result", "Indicator", "Target",
               "Same period last year", "Statistical neighbours", "England",
               "Definition"]  # fmt: skip


def definitions() -> dict[str, str]:
    """Each measure's one-line definition: the italic line under its heading."""
    text = DEFINITIONS.read_text(encoding="utf-8")
    found = re.findall(r'<a id="([a-z0-9_]+)"></a>\s*\n## [^\n]+\n\n\*(.+?)\*', text, re.S)
    return {k: " ".join(v.split()) for k, v in found}


@dataclass(frozen=True)
class KpiRow:
    measure: str
    label: str
    now: Ratio
    last_year: Ratio
    target: Target
    definition: str


@dataclass
class Pack:
    """Everything a pack prints, worked out once; the PDF and PPTX writers only lay out."""

    fy: int
    quarter: int | None
    group: str
    disclosure: Disclosure
    snapshot: Snapshot
    rows: list[KpiRow]
    counts: list[tuple[str, int, int]]
    series: dict[str, dict[str, list[MonthRatio]]]
    commentary: dict[str, str]
    made_at: dt.datetime = field(default_factory=lambda: dt.datetime.now(dt.UTC))
    breaks: dict[str, list[tuple[str, str]]] = field(default_factory=dict)

    @property
    def period(self) -> str:
        return period_label(self.fy, self.quarter).replace("-", "/")

    @property
    def date_range(self) -> tuple[dt.date, dt.date]:
        return self.snapshot.window("quarter" if self.quarter else "year")

    @property
    def audience(self) -> str:
        return "External" if self.disclosure.external else "Internal"

    def footer(self) -> str:
        a, b = self.date_range
        return (
            f"{self.group} · {self.period} ({figures.uk_date(a)} to {figures.uk_date(b)}) · "
            "data as of "
            f"{figures.uk_datetime(self.snapshot.extract_as_of)} · figures frozen "
            f"{figures.uk_stamp(self.snapshot.taken_at)} (snapshot {self.snapshot.month}) · "
            f"{self.audience} use"
        )

    def _small(self, r: Ratio) -> bool:
        """An external pack's figure on fewer events than the threshold (none at all
        included: "no events" would reveal a zero)."""
        t = self.disclosure.threshold
        return t is not None and r.denominator < t

    def result(self, r: Ratio) -> str:
        if r.not_recorded:
            return NOT_RECORDED
        if self._small(r):
            return "withheld"
        return self.disclosure.rate_text(r.numerator, r.denominator)

    def indicator(self, row: KpiRow) -> str:
        if row.now.not_recorded:
            return "– Not recorded"
        rate = self.disclosure.rate(row.now.numerator, row.now.denominator)
        if self._small(row.now) or (rate is None and row.now.denominator):
            return "Withheld (small numbers)"
        ind = rag(rate, row.target)
        return f"{ind.symbol} {ind.word}"

    def chart(self, measure: str) -> go.Figure:
        """The year-on-year chart, small-number months withheld in an external pack."""
        shown = {
            label.replace("-", "/"): [
                m
                if self.disclosure.rate_shown(m.numerator, m.denominator)
                else MonthRatio(m.month, 0, 0)
                for m in months
            ]
            for label, months in self.series[measure].items()
        }
        sel, other = fy_label(self.fy).replace("-", "/"), fy_label(self.fy - 1).replace("-", "/")
        note = " · months with small numbers withheld" if self.disclosure.external else ""
        return figures.yoy_rate_chart(
            {other: shown[other], sel: shown[sel]},
            sel,
            f"{MEASURE_LABELS[measure]}, {sel} vs {other}",
            UNITS[measure],
            f"{self.group}{note}",
            self.snapshot.extract_as_of,
            next((r.target.target for r in self.rows if r.measure == measure), None),
        )

    def spc(self, measure: str) -> spc.Chart:
        """The KPI's SPC chart over the two years the snapshot froze, up to its month; an
        external pack leaves months with small numbers out (gaps, never a count)."""
        months = [
            m
            for _label, ms in sorted(self.series[measure].items())
            for m in ms
            if m.month <= self.snapshot.month
        ]
        shown = [
            m.rate if self.disclosure.rate_shown(m.numerator, m.denominator) else None
            for m in months
        ]
        row = next(r for r in self.rows if r.measure == measure)
        external = self.disclosure.external
        return spc.xmr(
            [m.month for m in months],
            shown,
            row.target.improvement,
            row.target.target,
            recalculate=self.breaks.get(measure, []) + self.breaks.get("*", []),
            numerators=[None if external else m.numerator for m in months],
            denominators=[None if external else m.denominator for m in months],
        )

    def spc_chart(self, measure: str) -> go.Figure:
        c = self.spc(measure)
        note = " · months with small numbers withheld" if self.disclosure.external else ""
        return figures.spc_figure(
            c,
            MEASURE_LABELS[measure],
            UNITS[measure],
            f"{self.group}, {c.points[0].month if c.points else ''} to {self.snapshot.month}"
            + note,
            self.snapshot.extract_as_of,
            rate=True,
        )

    def variation_rows(self) -> list[list[str]]:
        """The "Making Data Count" summary: each KPI's variation and assurance in words."""
        rows = [["Measure", "Variation (latest month)", "Assurance against the target"]]
        for r in self.rows:
            c = self.spc(r.measure)
            rows.append(
                [
                    r.label,
                    f"{spc.VARIATION_SYMBOLS.get(c.variation or '', '–')} "
                    f"{spc.variation_words(c.variation)}",
                    spc.assurance_words(c.assurance),
                ]
            )
        return rows

    def kpi_frame(self) -> pd.DataFrame:
        """The KPI table as every output prints it (small numbers applied)."""
        return pd.DataFrame(
            [
                [
                    r.label,
                    self.disclosure.count(r.now.numerator),
                    self.disclosure.count(r.now.denominator),
                    self.result(r.now),
                    self.indicator(r),
                    figures.pct(r.target.target),
                    self.result(r.last_year),
                    figures.comparator(r.target.stat_neighbours, r.target.comparator_year),
                    figures.comparator(r.target.england, r.target.england_year),
                    r.definition,
                ]
                for r in self.rows
            ],
            columns=KPI_COLUMNS,
        )

    def count_rows(self) -> list[list[str]]:
        """The quality-assurance activity table: a header row, then one per count."""
        return [["Activity", self.period, "Same period last year"]] + [
            [label, self.disclosure.count(n), self.disclosure.count(ly)]
            for label, n, ly in self.counts
        ]

    def month_rows(self, measure: str) -> list[list[str]]:
        """The annual report's month table: a header row, then a row per year."""
        head = ["Year", *figures.MONTHS]
        out = [head]
        for label in (fy_label(self.fy - 1), fy_label(self.fy)):
            months = self.series[measure][label]
            out.append(
                [label.replace("-", "/")]
                + [self.disclosure.rate_text(m.numerator, m.denominator, 0) for m in months]
            )
        return out


def build(
    snapshot: Snapshot,
    fy: int,
    quarter: int | None,
    targets: dict[str, Target],
    commentary: dict[str, str],
    group: str = SERVICE,
    disclosure: Disclosure = INTERNAL,
    breaks: dict[str, list[tuple[str, str]]] | None = None,
) -> Pack:
    """The pack's content from ``snapshot``, which must be the period's last month."""
    if snapshot.month != pack_month(fy, quarter):
        raise charts.ChartError(
            f"a pack for {period_label(fy, quarter)} is built from the {pack_month(fy, quarter)} "
            f"snapshot, not {snapshot.month}"
        )
    if group not in snapshot.groups():
        raise charts.ChartError(
            f"there is no team '{group}' in the snapshot; choose one of: "
            f"{', '.join(snapshot.groups())}"
        )
    window = "quarter" if quarter else "year"
    defs = definitions()
    measures = [m for _, ms in SECTIONS for m in ms]
    rows = [
        KpiRow(
            m,
            MEASURE_LABELS[m],
            snapshot.ratio(group, window, m),
            snapshot.ratio(group, f"{window}_last_year", m),
            targets.get(m, Target(m)),
            defs.get(m, ""),
        )
        for m in measures
    ]
    counts = [
        (label, snapshot.count(group, window, k), snapshot.count(group, f"{window}_last_year", k))
        for k, label in COUNT_LABELS.items()
    ]
    series = {m: snapshot.series(group, m) for m in measures}
    return Pack(
        fy, quarter, group, disclosure, snapshot, rows, counts, series, commentary,
        breaks=breaks or {},
    )  # fmt: skip


def render_charts(pack: Pack) -> dict[str, bytes]:
    """Each KPI's chart as a print-resolution PNG (one warm browser for all of them)."""
    out = {m: charts.image(pack.chart(m)) for m in pack.series}
    out |= {f"{m}_spc": charts.image(pack.spc_chart(m)) for m in pack.series}
    return out


# --- PDF -------------------------------------------------------------------------------


PDF_CSS = """
@page {
  size: A4; margin: 1.5cm 1.5cm 1.9cm;
  @bottom-left { content: "{footer}"; font-size: 6.5pt; color: #333; }
  @bottom-right { content: "Page " counter(page); font-size: 7pt; color: #333; }
}
html { font-family: "DejaVu Sans", "Liberation Sans", Arial, sans-serif; font-size: 9.5pt;
       color: #111; }
h1 { font-size: 16pt; margin: 0 0 .4cm; }
h2 { font-size: 13pt; margin: .5cm 0 .3cm; }
.title-page { padding-top: 5cm; }
.title-page h1 { font-size: 22pt; }
section.page { break-before: page; }
table { border-collapse: collapse; width: 100%; margin: .2cm 0; font-size: 7.5pt; }
th, td { border: .4pt solid #9a9a9a; padding: 2pt 3pt; vertical-align: top; text-align: left; }
thead th { background: #e8edf3; }
tbody th { font-weight: normal; }
tbody th strong { font-weight: bold; }
.small { font-size: 7.5pt; }
.kpi { break-inside: avoid; margin-bottom: .5cm; }
figure { margin: 0; }
figure img { width: 18cm; }
.commentary { background: #f3f6fa; border: .6pt solid #9db2c8; padding: 5pt; }
"""


def _css_string(text: str) -> str:
    """Text safe inside a CSS double-quoted string (and so inside the page's <style>)."""
    return "".join(ch if ch.isalnum() or ch in " ·,.:()/-–" else f"\\{ord(ch):x} " for ch in text)


def chart_alt(pack: Pack, measure: str, spc_chart: bool = False) -> str:
    """The alternative text of a pack's chart: what it shows and where its figures are."""
    label = MEASURE_LABELS[measure]
    if spc_chart:
        c = pack.spc(measure)
        return (
            f"Statistical process control chart of {label}, month by month to "
            f"{pack.snapshot.month}, with its mean and process limits. Variation: "
            f"{spc.variation_words(c.variation)}. Assurance: {spc.assurance_words(c.assurance)}."
        )
    target = pack.rows[[r.measure for r in pack.rows].index(measure)].target.target
    return (
        f"Line chart of {label} by month, {fy_label(pack.fy - 1).replace('-', '/')} against "
        f"{fy_label(pack.fy).replace('-', '/')}"
        + (f", with the target of {figures.pct(target)}" if target is not None else "")
        + ". The month-by-month figures are in the table that follows."
    )


def _table(rows: list[list[str]], caption: str, row_heads: bool = True) -> str:
    """An accessible HTML table: a caption, column headers, and row headers."""
    head, *body = rows
    cells = "".join(f'<th scope="col">{escape(str(h))}</th>' for h in head)
    lines = []
    for row in body:
        first = (
            f'<th scope="row">{escape(str(row[0]))}</th>'
            if row_heads
            else f"<td>{escape(str(row[0]))}</td>"
        )
        lines.append(
            "<tr>" + first + "".join(f"<td>{escape(str(v))}</td>" for v in row[1:]) + "</tr>"
        )
    return (
        f"<table><caption class='small'>{escape(caption)}</caption>"
        f"<thead><tr>{cells}</tr></thead><tbody>{''.join(lines)}</tbody></table>"
    )


def to_pdf(pack: Pack, images: dict[str, bytes]) -> bytes:
    """The pack as a tagged PDF (PDF/UA-1, by WeasyPrint): headings, table headers, alt
    text for every chart, the document's language and title."""
    from weasyprint import HTML

    a, b = pack.date_range
    frame = pack.kpi_frame()
    kpi_rows = "".join(
        "<tr>"
        f'<th scope="row"><strong>{escape(str(row[0]))}</strong><br>'
        f'<span class="small">{escape(str(row[-1]))}</span></th>'
        + "".join(f"<td>{escape(str(v))}</td>" for v in row[1:-1])
        + "</tr>"
        for row in frame.itertuples(index=False)
    )
    kpi_head = "".join(
        f'<th scope="col">{escape(h)}</th>'
        for h in ["Measure and definition", *frame.columns[1:-1]]
    )

    def picture(key: str, alt: str) -> str:
        data = base64.b64encode(images[key]).decode()
        return f'<figure><img src="data:image/png;base64,{data}" alt="{escape(alt)}"></figure>'

    sections = []
    for title, measures in SECTIONS:
        blocks = []
        for m in measures:
            note = pack.commentary.get(m)
            words = (
                escape(note).replace("\n", "<br>")
                if note
                else "<em>None written for this period.</em>"
            )
            blocks.append(
                f'<div class="kpi"><h2>{escape(MEASURE_LABELS[m])}</h2>'
                + picture(m, chart_alt(pack, m))
                + _table(pack.month_rows(m), f"{MEASURE_LABELS[m]}, by month")
                + picture(f"{m}_spc", chart_alt(pack, m, spc_chart=True))
                + f'<p class="commentary"><strong>Commentary.</strong> {words}</p></div>'
            )
        sections.append(
            f'<section class="page"><h1>{escape(title)}</h1>{"".join(blocks)}</section>'
        )
    document = f"""<!doctype html>
<html lang="en-GB"><head><meta charset="utf-8">
<title>SQA board pack {escape(pack.period)}: {escape(pack.group)}</title>
<meta name="author" content="SQA Dashboard">
<meta name="description" content="Safeguarding and Quality Assurance performance report">
<style>{PDF_CSS.replace("{footer}", _css_string(pack.footer()))}</style></head>
<body>
<section class="title-page">
<h1>Safeguarding and Quality Assurance</h1>
<h2>Performance report: {escape(pack.period)}</h2>
<p><strong>{escape(pack.group)} · {figures.uk_date(a)} to {figures.uk_date(b)}</strong></p>
<p>Data as of {escape(figures.uk_datetime(pack.snapshot.extract_as_of))}. Figures frozen on
{escape(figures.uk_stamp(pack.snapshot.taken_at))} by {escape(pack.snapshot.taken_by)}
(snapshot {escape(pack.snapshot.month)}), so they do not change when later extracts backfill
records.</p>
<p>{escape(pack.disclosure.note())}</p>
<p class="small">Made {escape(figures.uk_datetime(pack.made_at))} by the SQA Dashboard.
Children appear in no table: every figure is a count or a rate.</p>
</section>
<section class="page">
<h1>Key performance indicators, {escape(pack.period)}</h1>
<table><caption class="small">Key performance indicators, {escape(pack.period)},
{escape(pack.group)}</caption><thead><tr>{kpi_head}</tr></thead><tbody>{kpi_rows}</tbody></table>
<p class="small">Indicator: ● on target, ▲ close to target, ▼ below target. Rates are
numerator ÷ denominator over the events held in the period; – where none.</p>
</section>
<section class="page">
<h1>Is it changing? The Making Data Count summary</h1>
{_table(pack.variation_rows(), "Each KPI's variation and assurance")}
<p class="small">From each KPI's SPC chart over the two years to the snapshot's month: the
variation icon says whether the latest month is part of a real change, the assurance icon
whether the target will be met reliably (see the definitions).</p>
</section>
{"".join(sections)}
<section class="page">
<h1>Quality-assurance activity, {escape(pack.period)}</h1>
{_table(pack.count_rows(), "Quality-assurance activity")}
</section>
</body></html>"""
    blob: bytes = HTML(string=document).write_pdf(pdf_variant="pdf/ua-1")
    return scope_table_headers(blob)


def scope_table_headers(blob: bytes) -> bytes:
    """Each table header cell says what it heads (PDF/UA 7.5): /Scope /Column in a table's
    head row, /Row at the start of a body row. WeasyPrint tags the cells as TH but leaves
    the association to position, which a screen reader cannot rely on."""
    import pikepdf

    with pikepdf.open(io.BytesIO(blob)) as pdf:
        tree = pdf.Root.get("/StructTreeRoot")
        todo = [tree.get("/K")] if tree is not None else []
        while todo:
            el = todo.pop()
            if isinstance(el, pikepdf.Array):
                todo.extend(el)
            elif isinstance(el, pikepdf.Dictionary) and "/S" in el:
                if el.S == "/TH":
                    row = el.get("/P")
                    group = row.get("/P") if row is not None else None
                    scope = (
                        "/Column" if group is not None and group.get("/S") == "/THead" else "/Row"
                    )
                    el.A = pikepdf.Dictionary(O=pikepdf.Name.Table, Scope=pikepdf.Name(scope))
                if "/K" in el:
                    todo.append(el.K)
        out = io.BytesIO()
        pdf.save(out)
    return out.getvalue()


# --- PowerPoint ------------------------------------------------------------------------


def alt_text(picture: Any, name: str, description: str) -> None:
    """A PowerPoint picture's name and alternative text (what a screen reader says, and
    what "Edit Alt Text" shows), never the file name python-pptx leaves there."""
    props = picture._element.nvPicPr.cNvPr
    props.set("name", name)
    props.set("descr", description)
    props.set("title", name)


def to_pptx(pack: Pack, images: dict[str, bytes]) -> bytes:
    from pptx import Presentation
    from pptx.util import Cm, Pt

    prs = Presentation()
    prs.slide_width, prs.slide_height = Cm(33.867), Cm(19.05)  # 16:9
    blank = prs.slide_layouts[6]
    a, b = pack.date_range

    def text(slide: object, content: str, left: float, top: float, width: float,
             height: float, size: int = 12, bold: bool = False) -> None:  # fmt: skip
        box = slide.shapes.add_textbox(Cm(left), Cm(top), Cm(width), Cm(height))  # type: ignore[attr-defined]
        frame = box.text_frame
        frame.word_wrap = True
        for i, line in enumerate(content.split("\n")):
            para = frame.paragraphs[0] if i == 0 else frame.add_paragraph()
            para.text = line
            para.font.size = Pt(size)
            para.font.bold = bold

    def footer(slide: object) -> None:
        text(slide, pack.footer(), 1, 18.0, 32, 0.8, size=8)

    def table(slide: object, rows: Sequence[Sequence[str]], top: float, widths: Sequence[float],
              size: int = 10) -> None:  # fmt: skip
        shape = slide.shapes.add_table(  # type: ignore[attr-defined]
            len(rows), len(rows[0]), Cm(1), Cm(top), Cm(sum(widths)), Cm(0.8 * len(rows))
        )
        for j, w in enumerate(widths):
            shape.table.columns[j].width = Cm(w)
        for i, row in enumerate(rows):
            for j, value in enumerate(row):
                cell = shape.table.cell(i, j)
                cell.text = str(value)
                for para in cell.text_frame.paragraphs:
                    para.font.size = Pt(size)

    slide = prs.slides.add_slide(blank)
    text(slide, "Safeguarding and Quality Assurance", 2, 4, 30, 2, size=36, bold=True)
    text(slide, f"Performance report: {pack.period}", 2, 6.5, 30, 1.5, size=26)
    text(slide, f"{pack.group} · {a:%d %B %Y} to {b:%d %B %Y}", 2, 8.3, 30, 1.2, size=18)
    text(
        slide,
        f"Data as of {figures.uk_datetime(pack.snapshot.extract_as_of)} · figures frozen "
        f"{figures.uk_stamp(pack.snapshot.taken_at)} (snapshot {pack.snapshot.month})\n"
        + pack.disclosure.note(),
        2, 10.5, 30, 3, size=14,
    )  # fmt: skip
    footer(slide)

    slide = prs.slides.add_slide(blank)
    text(slide, f"Key performance indicators, {pack.period}", 1, 0.6, 32, 1.4, size=24, bold=True)
    kpis = (
        pack.kpi_frame()
        .drop(columns="Definition")
        .rename(columns={"Same period last year": "Last year"})
    )
    rows = [list(kpis.columns), *kpis.astype(str).values.tolist()]
    table(slide, rows, 2.4, [8, 2.6, 3.1, 2.5, 4.2, 2.1, 2.7, 3.0, 2.4])
    footer(slide)

    slide = prs.slides.add_slide(blank)
    text(slide, "Is it changing? Making Data Count summary", 1, 0.6, 32, 1.4, size=24, bold=True)
    table(slide, pack.variation_rows(), 2.4, [11, 11, 10])
    footer(slide)

    for title, measures in SECTIONS:
        for m in measures:
            spc_slide = prs.slides.add_slide(blank)
            text(spc_slide, f"Is it changing? {MEASURE_LABELS[m]}", 1, 0.5, 32, 1.2, size=20,
                 bold=True)  # fmt: skip
            pic = spc_slide.shapes.add_picture(
                io.BytesIO(images[f"{m}_spc"]), Cm(1), Cm(1.9), width=Cm(31)
            )
            alt_text(pic, f"SPC chart: {MEASURE_LABELS[m]}", chart_alt(pack, m, spc_chart=True))
            footer(spc_slide)
            slide = prs.slides.add_slide(blank)
            text(slide, f"{title}: {MEASURE_LABELS[m]}", 1, 0.5, 32, 1.2, size=20, bold=True)
            pic = slide.shapes.add_picture(io.BytesIO(images[m]), Cm(1), Cm(1.9), width=Cm(21))
            alt_text(pic, f"Chart: {MEASURE_LABELS[m]}", chart_alt(pack, m))
            note = pack.commentary.get(m) or "No commentary written for this period."
            text(slide, "Commentary", 22.6, 2.2, 10.4, 1, size=14, bold=True)
            text(slide, note, 22.6, 3.2, 10.4, 9, size=12)
            table(slide, pack.month_rows(m), 11.9, [2.1] + [1.57] * 12, size=9)
            footer(slide)

    slide = prs.slides.add_slide(blank)
    text(slide, f"Quality-assurance activity, {pack.period}", 1, 0.6, 32, 1.4, size=24, bold=True)
    rows = pack.count_rows()
    table(slide, rows, 2.4, [12, 6, 6])
    footer(slide)

    out = io.BytesIO()
    prs.save(out)
    return out.getvalue()


def file_name(pack: Pack, fmt: str) -> str:
    """What the pack is, its data's date and its audience, e.g.
    sqa_board_pack_2020-21_Q4_Service_data_2021-07-01_external.pdf"""
    return (
        figures.safe_name(
            f"sqa_board_pack_{period_label(pack.fy, pack.quarter)}_{pack.group}"
            f"_data_{figures.file_date(pack.snapshot.extract_as_of)}_{pack.audience.lower()}"
        )
        + f".{fmt}"
    )


def to_zip(pack: Pack, images: dict[str, bytes]) -> bytes:
    """The pack's pieces for papers written elsewhere: each chart as print-resolution PNG
    and as SVG, the KPI table as CSV and Excel, and a README saying what they are."""
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as zf:
        for m, png in images.items():
            zf.writestr(f"charts/{m}.png", png)
            fig = pack.spc_chart(m[:-4]) if m.endswith("_spc") else pack.chart(m)
            zf.writestr(f"charts/{m}.svg", charts.image(fig, "svg", scale=1))
        frame = pack.kpi_frame()
        zf.writestr("kpis.csv", tables.frame_csv(frame))
        zf.writestr("kpis.xlsx", tables.frame_xlsx(frame, f"KPIs {pack.period}", pack.footer()))
        zf.writestr(
            "README.txt",
            f"SQA board pack pieces: {pack.period}, {pack.group}\n{pack.footer()}\n"
            f"{pack.disclosure.note()}\n\ncharts/*.png  each KPI year on year, 3000 px wide\n"
            "charts/*_spc.png  each KPI's SPC chart (Making Data Count)\n"
            "charts/*.svg  the same, as vector\nkpis.csv, kpis.xlsx  the KPI table\n",
        )
    return out.getvalue()


def render(pack: Pack, fmt: str) -> bytes:
    if fmt not in FORMATS:
        raise charts.ChartError(f"a pack is {', '.join(FORMATS)}, not {fmt}")
    images = render_charts(pack)
    if fmt == "zip":
        return to_zip(pack, images)
    return to_pdf(pack, images) if fmt == "pdf" else to_pptx(pack, images)


__all__ = ["KPI_LABELS", "Pack", "build", "render"]
