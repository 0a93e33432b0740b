#!/usr/bin/env bash
# Admin-API export measurement: fills a chain with TRANSFERS pre-signed transfers (as
# scripts/bench-rpc.sh does), then streams the transactions and audit exports (JSON Lines and
# CSV) while sampling the node's resident memory. Prints records, bytes, seconds, and the
# node's RSS before, at its peak during each export, and after. Needs wrk and curl.
#   scripts/measure-export.sh [TRANSFERS]
set -euo pipefail
cd "$(dirname "$0")/.."
TRANSFERS=${1:-100000}
PORT=18545
ADMIN=$((PORT + 1))
command -v wrk >/dev/null || { echo "wrk is missing: apt-get install -y wrk" >&2; exit 1; }

# CLOISTER_BIN=.build/debug/cloister measures a debug build (same memory behaviour, slower).
BIN=${CLOISTER_BIN:-.build/release/cloister}
[ -n "${CLOISTER_BIN:-}" ] || swift build -c release --product cloister >/dev/null
DIR=$(mktemp -d)/export
$BIN bench rpc-setup --dir "$DIR" --accounts 2000 --transfers "$TRANSFERS" --port $PORT >/dev/null
KEY=$(cat "$DIR/api.key")
$BIN node --config "$DIR/cloister.toml" --log-level warning > "$DIR/node.log" 2>&1 &
NODE=$!
trap 'kill -INT $NODE 2>/dev/null; wait $NODE 2>/dev/null || true' EXIT
for _ in $(seq 1 200); do curl -sf http://127.0.0.1:$PORT/health >/dev/null && break; sleep 0.1; done
included() { curl -s http://127.0.0.1:$PORT/health | python3 -c 'import json,sys; print(json.load(sys.stdin)["includedSinceStart"])'; }

echo "== filling the chain with $TRANSFERS transfers"
# A debug build admits fewer per second: give wrk time to send them all (RATE: expected transfers/s).
RATE=${RATE:-4000}
wrk -t1 -c32 -d"$(( TRANSFERS / RATE + 5 ))s" -s scripts/bench/transfers.lua http://127.0.0.1:$PORT/ -- \
  "$DIR/transfers.jsonl" "$KEY" 1 > /dev/null &
WRK=$!
for _ in $(seq 1 3000); do [ "$(included)" -ge "$TRANSFERS" ] && break; sleep 0.2; done
wait $WRK || true
echo "included: $(included)"
sleep 2

rss() { awk '/VmRSS/ {print $2}' /proc/$NODE/status; }
measure() {
  local path=$1 name=$2
  local before peak=0 sample
  before=$(rss)
  curl -s -o "$DIR/$name" -H "Authorization: Bearer $KEY" "http://127.0.0.1:$ADMIN$path" &
  local CURL=$! start end
  start=$(date +%s.%N)
  while kill -0 $CURL 2>/dev/null; do
    sample=$(rss); [ "$sample" -gt "$peak" ] && peak=$sample
    sleep 0.02
  done
  end=$(date +%s.%N)
  python3 - "$name" "$DIR/$name" "$start" "$end" "$before" "$peak" "$(rss)" <<'PY'
import os, sys
name, path, start, end, before, peak, after = sys.argv[1], sys.argv[2], float(sys.argv[3]), float(sys.argv[4]), *map(int, sys.argv[5:])
lines = sum(1 for _ in open(path, "rb"))
size = os.path.getsize(path)
print(f"{name}: {lines:,} lines, {size / 1e6:.1f} MB in {end - start:.2f} s; node RSS {before / 1024:.0f} MiB before, "
      f"peak {peak / 1024:.0f} MiB (+{(peak - before) / 1024:.0f}), {after / 1024:.0f} MiB after")
PY
}
measure "/admin/v1/exports/transactions?format=jsonl" transactions.jsonl
measure "/admin/v1/exports/transactions?format=csv" transactions.csv
measure "/admin/v1/exports/audit?format=jsonl" audit.jsonl
measure "/admin/v1/exports/transactions?format=jsonl&to_block=50" transactions-small.jsonl
