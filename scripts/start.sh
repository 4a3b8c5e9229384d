#!/usr/bin/env bash
# Set up (first run) and start the dashboard. With no database at SQA_DB it builds the
# demo one first (SQA_AUTO_DEMO=1, the default). Serves on http://127.0.0.1:8050 unless
# SQA_BIND says otherwise (host:port).
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh
if [ -z "${SQA_DB:-}" ]; then
  # On the bundled demo data: one account per role, with new passwords each start. The
  # command refuses (and changes nothing) once the accounts file has real accounts.
  echo "Demo accounts (sign in with one of these; new passwords each start):"
  .venv/bin/sqa users demo || echo "(real accounts exist: sign in with yours)"
fi
echo "Starting the SQA Dashboard on http://${SQA_BIND:-127.0.0.1:8050}/ (Ctrl-C stops it)"
# --preload: the app (and, the first time, the demo database) is built once, before the
# workers start.
exec .venv/bin/gunicorn --preload -w "${SQA_WORKERS:-2}" -b "${SQA_BIND:-127.0.0.1:8050}" \
  --timeout 120 app:server
