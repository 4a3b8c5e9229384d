"""How this project runs Debian's Chromium: where it is, and the flags for a closed network.

Local-authority networks (and this project's CI) reach no internet: Chromium's background
services (updates, sync, field trials) would fail at every start. These flags turn them
off. Used by the screenshots script, the end-to-end tests and the benchmark.
"""

from __future__ import annotations

CHROMIUM = "/usr/bin/chromium"  # Debian's package `chromium`

FLAGS = (
    "--no-sandbox",  # running as root in CI containers
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--disable-dev-shm-usage",
    "--lang=en-GB",  # UK date order in native date inputs
)


def available() -> bool:
    import os

    return os.access(CHROMIUM, os.X_OK)
