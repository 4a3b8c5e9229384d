#!/usr/bin/env bash
# Set up (first run) and start the dashboard. With no database at SQA_DB it builds the
# demo one first (SQA_AUTO_DEMO=1, the default). Serves on http://127.0.0.1:8050 unless
# SQA_BIND says otherwise (host:port).
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh
echo "Starting the SQA Dashboard on http://${SQA_BIND:-127.0.0.1:8050}/ (Ctrl-C stops it)"
# --preload: the app (and, the first time, the demo database) is built once, before the
# workers start.
exec .venv/bin/gunicorn --preload -w "${SQA_WORKERS:-2}" -b "${SQA_BIND:-127.0.0.1:8050}" \
  --timeout 120 app:server
