#!/usr/bin/env bash
# Set up everything the tests need on a fresh Debian machine, then run every check.
# Exits non-zero on any failure. Used by .ci/run.
set -euo pipefail
cd "$(dirname "$0")/.."

need=()
command -v chromium >/dev/null 2>&1 || need+=(chromium)
command -v npm >/dev/null 2>&1 || need+=(npm)
command -v pdftotext >/dev/null 2>&1 || need+=(poppler-utils)  # board-pack PDF checks
# A real PostgreSQL server for the state and SQL-source tests (started once per test session).
compgen -G "/usr/lib/postgresql/*/bin/initdb" >/dev/null || need+=(postgresql)
# A real Redis for the shared-cache test (two app servers on one cache).
command -v redis-server >/dev/null 2>&1 || need+=(redis-server)
# nginx in front of two app servers (the several-servers test runs the shipped site).
[ -x /usr/sbin/nginx ] || command -v nginx >/dev/null 2>&1 || need+=(nginx)
# Pango for WeasyPrint, which writes the board pack's tagged PDF.
ldconfig -p | grep -q "libpangoft2-1.0.so.0" || need+=(libpango-1.0-0 libpangoft2-1.0-0)
if [ ${#need[@]} -gt 0 ]; then
  echo "== installing ${need[*]} (Debian packages; on a fresh machine this takes a few minutes)"
  if [ "$(id -u)" = 0 ]; then SUDO=""; else SUDO="sudo"; fi
  echo "-- apt-get update"
  $SUDO apt-get update -q
  echo "-- apt-get install (each package is named as it is fetched and set up)"
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -q "${need[@]}"
fi

echo "== axe-core for the accessibility check (npm, pinned in package-lock.json)"
npm ci --no-audit --no-fund --loglevel=error

echo "== python environment"
bash scripts/setup.sh dev

echo "== ruff"
.venv/bin/ruff check .
.venv/bin/ruff format --check .
echo "== mypy --strict"
.venv/bin/mypy
echo "== import contract (dashboard -> queries -> duckdb)"
.venv/bin/lint-imports
echo "== pytest"
.venv/bin/python -m pytest "$@"
