#!/usr/bin/env bash
# Shared by start.sh and test.sh: make .venv and install the project into it (pinned).
set -euo pipefail
cd "$(dirname "$0")/.."
PY=${PYTHON:-python3}
if [ ! -x .venv/bin/python ]; then
  "$PY" -m venv .venv
fi
.venv/bin/python -m pip install --quiet --disable-pip-version-check --upgrade pip==25.3
target="."
[ -n "${1:-}" ] && target=".[$1]"   # an extra set, e.g. "dev" for the tests
.venv/bin/python -m pip install --quiet --disable-pip-version-check -e "$target"
