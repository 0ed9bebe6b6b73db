#!/usr/bin/env bash
# The product on one machine: set up, create the embedded SQLite database with demo data (and a month
# of demo trading for the console's dashboard and reports), start central on http://127.0.0.1:8000
# (the head-office console at /, API docs at /docs), enrol a cashier terminal for store S01 and open
# it. Ctrl-C stops everything. Data lives in ./data (delete it to start over).
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh
export PATH="$PWD/.venv/bin:$PATH"
DATA=${POS_DATA:-$PWD/data}
mkdir -p "$DATA"
export POS_DATA_DIR="$DATA/central"
PORT=${POS_PORT:-8000}

pos-central migrate
pos-central demo --history-days 31
pos-central serve --port "$PORT" &
CENTRAL_PID=$!
trap 'kill $CENTRAL_PID 2>/dev/null || true' EXIT
for _ in $(seq 1 60); do
  curl -fs "http://127.0.0.1:$PORT/api/v1/health" >/dev/null 2>&1 && break
  sleep 0.5
done
echo "head-office console: http://127.0.0.1:$PORT/  (sign in as admin / admin123; API docs: /docs)"
echo "till sign-in: staff code 1001, PIN 1234 (manager 1900 / 8888); all demo accounts: pos-central demo"

TERM_DATA="$DATA/terminal-S01"
# No printer configured: receipts (real ESC/POS bytes) go to a file; set POS_PRINTER_URL for a real one.
export POS_PRINTER_URL=${POS_PRINTER_URL:-file://$DATA/receipts.bin}
if pos-terminal status --data "$TERM_DATA" --json >/dev/null 2>&1 \
   && pos-terminal status --data "$TERM_DATA" --json | grep -q '"enrolled": true'; then
  pos-terminal sync --data "$TERM_DATA" >/dev/null || true
else
  CODE=$(pos-central enroll-code --store S01 --kind pos | tail -n 1)
  pos-terminal enroll --server "http://127.0.0.1:$PORT" --code "$CODE" --data "$TERM_DATA" \
    || echo "terminal: enrolment not available in this build"
fi

if [ -n "${DISPLAY:-}" ]; then
  pos-terminal run --data "$TERM_DATA"
else
  echo "No display: opening the terminal on a virtual screen would show nothing here."
  echo "On a desktop, run:  .venv/bin/pos-terminal run --data $TERM_DATA"
  echo "Central keeps running; press Ctrl-C to stop."
  wait $CENTRAL_PID
fi
