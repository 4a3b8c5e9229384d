"""Chart images made on the server: kaleido (v1) driving Debian's Chromium.

One browser is kept warm (kaleido's sync server) for repeated exports, started on first
use. Nothing is fetched from the internet: plotly.js comes from the plotly package on
disk, and MathJax is off (the charts use no LaTeX).
"""

from __future__ import annotations

import threading
from typing import Any

import kaleido
import plotly.graph_objects as go

from dashboard.packs import chromium
from queries.core.errors import SqaError

PRINT_WIDTH = 1000  # CSS pixels; at scale 3 a PNG is 3000 px wide: 300 dpi at 25 cm
PRINT_HEIGHT = 460
PRINT_SCALE = 3

_lock = threading.Lock()
_started: list[bool] = []


class ChartError(SqaError):
    """A chart image could not be made (no browser, or it failed to render)."""


def _ensure_server() -> None:
    with _lock:
        if _started:
            return
        if not chromium.available():
            raise ChartError(
                f"chart images need Chromium at {chromium.CHROMIUM}; install Debian's "
                "chromium package (scripts/test.sh does)"
            )
        kaleido.start_sync_server(
            path=chromium.CHROMIUM, mathjax=False, n=1, timeout=90, silence_warnings=True
        )
        _started.append(True)


def image(
    fig: go.Figure | dict[str, Any],
    fmt: str = "png",
    width: int = PRINT_WIDTH,
    height: int = PRINT_HEIGHT,
    scale: int = PRINT_SCALE,
) -> bytes:
    """``fig`` as PNG (at print resolution by default) or SVG bytes."""
    if fmt not in ("png", "svg"):
        raise ChartError(f"chart images are png or svg, not {fmt}")
    _ensure_server()
    try:
        data: bytes = kaleido.calc_fig_sync(
            fig, opts={"format": fmt, "width": width, "height": height, "scale": scale}
        )
    except Exception as exc:  # kaleido raises several kinds; say what failed
        raise ChartError(f"the chart could not be drawn: {exc}") from exc
    return data


def stop() -> None:
    with _lock:
        if _started:
            kaleido.stop_sync_server(silence_warnings=True)
            _started.clear()
