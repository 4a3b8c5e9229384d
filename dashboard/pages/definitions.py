"""Definitions: the KPI rules, rendered from docs/definitions.md (one text for both)."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import dash
from dash import dcc, html

dash.register_page(
    __name__, path="/definitions", name="Definitions", title="Definitions · SQA Dashboard"
)

DOC = Path(__file__).resolve().parents[2] / "docs" / "definitions.md"
_ANCHOR = re.compile(r'^<a id="([a-z0-9_]+)"></a>\s*$', re.MULTILINE)


def sections(text: str) -> list[tuple[str | None, str]]:
    """Split the document at its ``<a id=...>`` anchors: (anchor or None, markdown)."""
    parts = _ANCHOR.split(text)
    out: list[tuple[str | None, str]] = [(None, parts[0])]
    for i in range(1, len(parts), 2):
        out.append((parts[i], parts[i + 1]))
    return out


def layout(**_params: str | None) -> Any:
    return html.Div(
        [
            html.Section(dcc.Markdown(md), id=anchor or "definitions-intro")
            for anchor, md in sections(DOC.read_text(encoding="utf-8"))
        ],
        className="bg-white p-4 border rounded",
        style={"maxWidth": "60rem"},
    )
