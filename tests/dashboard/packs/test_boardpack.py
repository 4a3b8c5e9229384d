"""The board pack, built from the demo data through `sqa`, read back as a person would.

Real parts throughout: a demo DuckDB file, `sqa snapshot` and `sqa board-pack` as
processes, kaleido driving Debian's Chromium, pdftotext and pdftoppm (poppler) on the PDF,
python-pptx on the PowerPoint. The figures in the pack are compared with `sqa kpis`.
"""

from __future__ import annotations

import datetime as dt
import json
import os
import re
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
from pptx import Presentation

from queries.access.scope import Scope
from queries.ingest import demo, loader
from queries.measures.kpis import MEASURE_LABELS
from queries.state import snapshots

END = dt.date(2021, 6, 30)
NOTE = "Timeliness recovered after the January 2021 lockdown dip."


@pytest.fixture(scope="module")
def env(tmp_path_factory: pytest.TempPathFactory) -> dict[str, str]:
    tmp = tmp_path_factory.mktemp("pack")
    demo.write_demo_extract(tmp / "extract", end=END, scale=0.5)
    db = tmp / "sqa.duckdb"
    loader.load_extract(tmp / "extract", db, as_of=demo.extract_time(END))
    return {
        **os.environ,
        "SQA_DB": str(db),
        "SQA_SNAPSHOTS_DB": str(tmp / "snapshots.sqlite"),
        "SQA_ACCOUNTS_DB": str(tmp / "accounts.sqlite"),
        "OUT": str(tmp),
    }


def sqa(env: dict[str, str], *args: str, check: bool = True) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "dashboard.cli", *args],
        capture_output=True,
        text=True,
        env=env,
        check=check,
        timeout=300,
    )


@pytest.fixture(scope="module")
def frozen(env: dict[str, str]) -> dict[str, Any]:
    out = json.loads(sqa(env, "snapshot", "--month", "2021-03").stdout)
    snapshots.save_commentary(
        Path(env["SQA_SNAPSHOTS_DB"]),
        Scope("manager", "service_manager"),
        "2020-21",
        "cla_reviews_on_time",
        NOTE,
    )
    return out  # type: ignore[no-any-return]


@pytest.fixture(scope="module")
def year(env: dict[str, str]) -> dict[str, Any]:
    """What `sqa kpis` prints for 2020-21: the figures the pack must show."""
    out = sqa(env, "kpis", "--from", "2020-04-01", "--to", "2021-03-31").stdout
    return json.loads(out)  # type: ignore[no-any-return]


def pct(n: int, d: int) -> str:
    return f"{n / d * 100:.1f}%"


def test_a_pack_needs_a_snapshot_first(env: dict[str, str]) -> None:
    r = sqa(env, "board-pack", "--fy", "2019-20", "--format", "pdf", "--out",
            f"{env['OUT']}/x.pdf", check=False)  # fmt: skip
    assert r.returncode == 2
    assert "no snapshot for 2020-03; freeze the figures first with `sqa snapshot" in r.stderr
    assert not Path(f"{env['OUT']}/x.pdf").exists()


def test_pdf_pack_shows_what_sqa_kpis_prints(
    env: dict[str, str], frozen: dict[str, Any], year: dict[str, Any]
) -> None:
    out = Path(env["OUT"]) / "pack.pdf"
    sqa(env, "board-pack", "--fy", "2020-21", "--format", "pdf", "--out", str(out))
    text = subprocess.run(
        ["pdftotext", "-layout", str(out), "-"], capture_output=True, text=True, check=True
    ).stdout
    assert "Performance report: 2020/21" in text
    for measure in MEASURE_LABELS:
        k = year["kpis"][measure]
        n, d = k["numerator"], k["denominator"]
        row = rf"\b{n:,}\s+{d:,}\s+{re.escape(pct(n, d))}"
        assert re.search(row, text), (measure, n, d)
    counts = year["counts"]
    assert re.search(rf"Formal DRPs raised\s+{counts['drps_formal_raised']['count']:,}\b", text)
    assert re.search(rf"IRO direct contacts\s+{counts['direct_contacts']['count']:,}\b", text)
    assert NOTE in " ".join(text.split())  # the manager's commentary, with its KPI
    # Every page says the data-as-of date and the snapshot.
    pages = text.split("\f")[:-1]
    # Title, KPI table (with comparators), the Making Data Count summary, the four sections
    # (each KPI with its year-on-year chart, month table and SPC chart), the QA activity.
    assert len(pages) == 12
    assert "Is it changing? The Making Data Count summary" in text
    # A tagged PDF (PDF/UA-1): its title and language, and a validator's checks pass.
    info = subprocess.run(["pdfinfo", str(out)], capture_output=True, text=True).stdout
    assert re.search(r"^Tagged:\s+yes$", info, re.M)
    assert re.search(r"^Title:\s+SQA board pack 2020/21: Service$", info, re.M)
    checked = subprocess.run(
        [sys.executable, "-m", "pdfua", "check", str(out)], capture_output=True, text=True
    )
    assert checked.returncode == 0 and "result: PASS" in checked.stdout, checked.stdout
    import pikepdf

    with pikepdf.open(out) as pdf:
        assert str(pdf.Root.Lang) == "en-GB"
        found: list[str] = []
        todo = [pdf.Root.StructTreeRoot.K]
        while todo:  # every chart is a Figure with alternative text; table headers scoped
            el = todo.pop()
            if isinstance(el, pikepdf.Array):
                todo.extend(el)
            elif isinstance(el, pikepdf.Dictionary) and "/S" in el:
                if el.S == "/Figure":
                    found.append(str(el.get("/Alt", "")))
                if el.S == "/TH":
                    assert str(el.A.Scope) in ("/Column", "/Row")
                if "/K" in el:
                    todo.append(el.K)
    assert len(found) == 16 and all(len(a) > 40 for a in found)
    listed = subprocess.run(
        ["pdfimages", "-list", str(out)], capture_output=True, text=True, check=True
    ).stdout.splitlines()[2:]
    pictures = [line for line in listed if line.split()[2] == "image"]  # not their masks
    assert len(pictures) == 16  # per KPI its year-on-year chart and its SPC chart
    assert all("data as of 1 Jul 2021 03:00" in p and "(snapshot 2021-03)" in p for p in pages)
    # Each page renders to an image (looked at by a person before committing).
    subprocess.run(["pdftoppm", "-r", "40", "-png", str(out), str(out.with_suffix(""))], check=True)
    images = sorted(out.parent.glob("pack-*.png"))
    assert len(images) == 12 and all(p.stat().st_size > 5_000 for p in images)


def test_pptx_pack_reads_back(env: dict[str, str], frozen: dict[str, Any]) -> None:
    out = Path(env["OUT"]) / "pack.pptx"
    sqa(
        env,
        "board-pack",
        "--fy",
        "2020-21",
        "--quarter",
        "4",
        "--format",
        "pptx",
        "--out",
        str(out),
    )
    q4 = json.loads(sqa(env, "kpis", "--from", "2021-01-01", "--to", "2021-03-31").stdout)
    slides = Presentation(str(out)).slides
    # Title, the KPI table, the Making Data Count summary, two slides per KPI (its SPC
    # chart, then its year-on-year chart and month table: 16), the QA activity.
    assert len(slides) == 20
    texts = [" ".join(sh.text_frame.text for sh in s.shapes if sh.has_text_frame) for s in slides]
    assert "Performance report: 2020/21 Q4" in texts[0]
    table = next(sh.table for sh in slides[1].shapes if sh.has_table)
    rows = {r.cells[0].text: [c.text for c in r.cells] for r in table.rows}
    for measure, label in MEASURE_LABELS.items():
        k = q4["kpis"][measure]
        n, d = k["numerator"], k["denominator"]
        assert rows[label][1:4] == [f"{n:,}", f"{d:,}", pct(n, d)], measure
    assert all("snapshot 2021-03" in t for t in texts)
    assert "Making Data Count summary" in texts[2]
    summary = next(sh.table for sh in slides[2].shapes if sh.has_table)
    assert len(summary.rows) == 9  # a heading and 8 KPIs, each with its icons in words
    # Every picture has alternative text saying what it shows, never "image.png".
    pictures = [sh for s in slides for sh in s.shapes if sh.shape_type == 13]  # PICTURE
    assert len(pictures) == 16
    alts = [sh._element.nvPicPr.cNvPr.get("descr") or "" for sh in pictures]
    assert all(a and "image" not in a.lower() and len(a) > 40 for a in alts), alts
    assert any(a.startswith("Line chart of CLA reviews on time by month") for a in alts)
    assert any(a.startswith("Statistical process control chart of") for a in alts)
    assert all(
        r.cells[1].text.split(" ", 1)[1].startswith(("Common cause", "Special cause"))
        for r in list(summary.rows)[1:]
    )
    pictures = [sh for s in list(slides)[3:19] for sh in s.shapes if sh.shape_type == 13]
    assert len(pictures) == 16


def test_external_pack_suppresses_small_numbers(
    env: dict[str, str], frozen: dict[str, Any], year: dict[str, Any]
) -> None:
    """With the threshold at 1,000, every figure under 1,000 is '<1000' and its rate
    withheld; the figures of 1,000 or more still show."""
    out = Path(env["OUT"]) / "external.pdf"
    sqa({**env, "SQA_SUPPRESS_BELOW": "1000"}, "board-pack", "--fy", "2020-21",
        "--format", "pdf", "--out", str(out), "--external")  # fmt: skip
    text = subprocess.run(
        ["pdftotext", "-layout", str(out), "-"], capture_output=True, text=True, check=True
    ).stdout
    assert "External use" in text and "shown as <1000" in text
    for measure in MEASURE_LABELS:
        k = year["kpis"][measure]
        n, d = k["numerator"], k["denominator"]
        if d < 1000:
            assert not re.search(rf"\b{n:,}\s+{d:,}\s", text), measure
            # Counts, rate and indicator all withheld; never "No events", which would
            # reveal a zero.
            assert re.search(r"<1000\s+<1000\s+withheld\s+Withheld", text)
        kpi_table = text.split("Measure and definition")[1].split("Indicator:")[0]
        assert pct(n, d) not in kpi_table or (n >= 1000 and d - n >= 1000)
    assert "No events" not in text


def test_zip_has_print_png_svg_and_the_table(
    env: dict[str, str], frozen: dict[str, Any], year: dict[str, Any]
) -> None:
    import csv
    import io
    import struct
    import zipfile

    out = Path(env["OUT"]) / "parts.zip"
    sqa(env, "board-pack", "--fy", "2020-21", "--format", "zip", "--out", str(out))
    with zipfile.ZipFile(out) as zf:
        names = set(zf.namelist())
        assert {f"charts/{m}.png" for m in MEASURE_LABELS} <= names
        assert {f"charts/{m}.svg" for m in MEASURE_LABELS} <= names
        assert {"kpis.csv", "kpis.xlsx", "README.txt"} <= names
        png = zf.read("charts/cla_reviews_on_time.png")
        width, height = struct.unpack(">II", png[16:24])  # the PNG header's IHDR
        assert (width, height) == (3000, 1380)  # 1000 x 460 at scale 3: print resolution
        svg = zf.read("charts/cla_reviews_on_time.svg").decode()
        assert svg.lstrip().startswith("<svg") and "CLA reviews on time" in svg
        rows = {r["Measure"]: r for r in csv.DictReader(io.StringIO(zf.read("kpis.csv").decode()))}
    k = year["kpis"]["cla_reviews_on_time"]
    row = rows["CLA reviews on time"]
    assert (row["Numerator"], row["Denominator"]) == (
        f"{k['numerator']:,}",
        f"{k['denominator']:,}",
    )
