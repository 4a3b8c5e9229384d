"""The board pack: one financial year or quarter, from a month-end snapshot, as PDF
(reportlab) or PowerPoint (python-pptx).

Contents: a title page; the KPI table with indicators (a word and a symbol, never colour
alone), targets, last year and definitions; for each KPI its year-on-year chart, its
month-by-month table and the managers' commentary; a quality-assurance summary of counts.
Every page carries the data-as-of date, the snapshot, the group (service or team) and
the audience. An external pack applies :mod:`queries.measures.disclosure`.
"""

from __future__ import annotations

import datetime as dt
import io
import re
import zipfile
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path

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


def comparator(value: float | None, target: Target) -> str:
    """A published comparator with its year ('78% (2017-18)'), or '–'."""
    if value is None:
        return "–"
    return figures.pct(value) + (f" ({target.comparator_year})" if target.comparator_year else "")


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
                    comparator(r.target.stat_neighbours, r.target),
                    comparator(r.target.england, r.target),
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


def to_pdf(pack: Pack, images: dict[str, bytes]) -> bytes:
    from reportlab.lib import colors
    from reportlab.lib.enums import TA_LEFT
    from reportlab.lib.pagesizes import A4
    from reportlab.lib.styles import ParagraphStyle, getSampleStyleSheet
    from reportlab.lib.units import cm
    from reportlab.platypus import (
        Flowable,
        Image,
        KeepTogether,
        PageBreak,
        Paragraph,
        SimpleDocTemplate,
        Spacer,
        Table,
        TableStyle,
    )

    styles = getSampleStyleSheet()
    body = ParagraphStyle("body", parent=styles["BodyText"], fontSize=9.5, leading=12)
    small = ParagraphStyle("small", parent=body, fontSize=7.5, leading=9.5, alignment=TA_LEFT)
    box = ParagraphStyle(
        "box", parent=body, backColor=colors.HexColor("#f3f6fa"), borderPadding=6,
        borderColor=colors.HexColor("#9db2c8"), borderWidth=0.6,
    )  # fmt: skip
    grid = TableStyle(
        [
            ("GRID", (0, 0), (-1, -1), 0.4, colors.HexColor("#9a9a9a")),
            ("BACKGROUND", (0, 0), (-1, 0), colors.HexColor("#e8edf3")),
            ("FONTNAME", (0, 0), (-1, 0), "Helvetica-Bold"),
            ("FONTSIZE", (0, 0), (-1, -1), 7.5),
            ("VALIGN", (0, 0), (-1, -1), "TOP"),
        ]
    )
    out = io.BytesIO()
    a, b = pack.date_range

    def footer(canvas: object, doc: object) -> None:
        canvas.saveState()  # type: ignore[attr-defined]
        canvas.setFont("Helvetica", 7)  # type: ignore[attr-defined]
        canvas.drawString(1.5 * cm, 1.0 * cm, pack.footer())  # type: ignore[attr-defined]
        canvas.drawRightString(  # type: ignore[attr-defined]
            A4[0] - 1.5 * cm,
            1.0 * cm,
            f"Page {canvas.getPageNumber()}",  # type: ignore[attr-defined]
        )
        canvas.restoreState()  # type: ignore[attr-defined]

    doc = SimpleDocTemplate(
        out, pagesize=A4, leftMargin=1.5 * cm, rightMargin=1.5 * cm, topMargin=1.5 * cm,
        bottomMargin=1.8 * cm, title=f"SQA board pack {pack.period}", author="SQA Dashboard",
    )  # fmt: skip
    story: list[Flowable] = [
        Spacer(1, 5 * cm),
        Paragraph("Safeguarding and Quality Assurance", styles["Title"]),
        Paragraph(f"Performance report: {pack.period}", styles["Heading1"]),
        Paragraph(f"{pack.group} · {a:%d %B %Y} to {b:%d %B %Y}", styles["Heading2"]),
        Spacer(1, 1 * cm),
        Paragraph(
            f"Data as of {figures.uk_datetime(pack.snapshot.extract_as_of)}. Figures frozen on "
            f"{figures.uk_stamp(pack.snapshot.taken_at)} by {pack.snapshot.taken_by} (snapshot "
            f"{pack.snapshot.month}), so they do not change when later extracts backfill "
            "records.",
            body,
        ),
        Paragraph(pack.disclosure.note(), body),
        Paragraph(
            f"Made {figures.uk_datetime(pack.made_at)} by the SQA Dashboard. Children appear "
            "in no table: every figure is a count or a rate.",
            small,
        ),
        PageBreak(),
        Paragraph(f"Key performance indicators, {pack.period}", styles["Heading1"]),
    ]
    heading = ParagraphStyle("heading", parent=small, fontName="Helvetica-Bold")
    frame = pack.kpi_frame()
    head = ["Measure and definition", *frame.columns[1:-1]]
    table: list[list[Paragraph]] = [[Paragraph(h, heading) for h in head]] + [
        # The measure (bold) with its definition under it, then the figures; every cell
        # wraps within its column, so nothing runs into its neighbour.
        [
            Paragraph(f"<b>{row[0]}</b><br/>{row[-1]}", small),
            *[Paragraph(str(v), small) for v in row[1:-1]],
        ]
        for row in frame.itertuples(index=False)
    ]
    story.append(
        Table(
            table,
            # 17.9 cm of the 18 between the margins; each heading breaks between words.
            colWidths=[w * cm for w in (3.8, 1.8, 2.2, 1.5, 2.1, 1.4, 1.6, 1.9, 1.6)],
            style=grid,
            repeatRows=1,
        )
    )
    story.append(Spacer(1, 0.3 * cm))
    story.append(
        Paragraph(
            "Indicator: ● on target, ▲ close to target, ▼ below target. Rates are "
            "numerator ÷ denominator over the events held in the period; – where none.",
            small,
        )
    )
    # The Making Data Count summary on a page of its own, so neither table is split.
    story.append(PageBreak())
    story.append(Paragraph("Is it changing? The Making Data Count summary", styles["Heading1"]))
    story.append(
        Table(
            pack.variation_rows(),
            colWidths=[w * cm for w in (6, 6, 6)],
            style=grid,
            repeatRows=1,
        )
    )
    story.append(
        Paragraph(
            "From each KPI's SPC chart over the two years to the snapshot's month: the "
            "variation icon says whether the latest month is part of a real change, the "
            "assurance icon whether the target will be met reliably (see the definitions).",
            small,
        )
    )
    for title, measures in SECTIONS:
        story.append(PageBreak())
        story.append(Paragraph(title, styles["Heading1"]))
        for m in measures:
            story.append(
                KeepTogether(
                    [
                        Image(io.BytesIO(images[m]), width=18 * cm, height=18 * cm * 460 / 1000),
                        Table(pack.month_rows(m), style=grid, repeatRows=1),
                        Spacer(1, 0.2 * cm),
                        Image(
                            io.BytesIO(images[f"{m}_spc"]),
                            width=18 * cm,
                            height=18 * cm * 460 / 1000,
                        ),
                        Spacer(1, 0.2 * cm),
                        Paragraph(
                            f"<b>Commentary.</b> {_escape(pack.commentary.get(m, ''))}"
                            if pack.commentary.get(m)
                            else "<b>Commentary.</b> <i>None written for this period.</i>",
                            box,
                        ),
                        Spacer(1, 0.5 * cm),
                    ]
                )
            )
    story.append(PageBreak())
    story.append(Paragraph(f"Quality-assurance activity, {pack.period}", styles["Heading1"]))
    story.append(
        Table(
            pack.count_rows(),
            colWidths=[7 * cm, 4 * cm, 4 * cm],
            style=grid,
        )
    )
    doc.build(story, onFirstPage=footer, onLaterPages=footer)
    return out.getvalue()


def _escape(text: str) -> str:
    return (
        text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;").replace("\n", "<br/>")
    )


# --- PowerPoint ------------------------------------------------------------------------


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
            spc_slide.shapes.add_picture(
                io.BytesIO(images[f"{m}_spc"]), Cm(1), Cm(1.9), width=Cm(31)
            )
            footer(spc_slide)
            slide = prs.slides.add_slide(blank)
            text(slide, f"{title}: {MEASURE_LABELS[m]}", 1, 0.5, 32, 1.2, size=20, bold=True)
            slide.shapes.add_picture(io.BytesIO(images[m]), Cm(1), Cm(1.9), width=Cm(21))
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
            f"_data_{pack.snapshot.extract_as_of:%Y-%m-%d}_{pack.audience.lower()}"
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
