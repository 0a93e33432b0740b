#!/usr/bin/env bash
# Member-API load measurement: pre-signed ERC-20 transfers sent over keep-alive connections
# (wrk), then authorised eth_getBalance reads. Prints transfers accepted and executed per
# second end to end, and reads per second. Needs wrk (apt-get install wrk).
#   scripts/bench-rpc.sh [TRANSFERS] [ACCOUNTS] [CONNECTIONS] [BATCH]
# BATCH > 1 sends that many transfers per JSON-RPC batch (as ethers does by default).
set -euo pipefail
cd "$(dirname "$0")/.."
TRANSFERS=${1:-100000}
ACCOUNTS=${2:-2000}
CONNECTIONS=${3:-32}
BATCH=${4:-1}
THREADS=1
PORT=18545
command -v wrk >/dev/null || { echo "wrk is missing: apt-get install -y wrk" >&2; exit 1; }

swift build -c release --product cloister >/dev/null
BIN=.build/release/cloister
DIR=$(mktemp -d)/bench
$BIN bench rpc-setup --dir "$DIR" --accounts "$ACCOUNTS" --transfers "$TRANSFERS" --port $PORT --batch "$BATCH"
KEY=$(cat "$DIR/api.key")
$BIN node --config "$DIR/cloister.toml" --log-level warning > "$DIR/node.log" 2>&1 &
NODE=$!
trap 'kill -INT $NODE 2>/dev/null; wait $NODE 2>/dev/null || true' EXIT
for _ in $(seq 1 200); do curl -sf http://127.0.0.1:$PORT/health >/dev/null && break; sleep 0.1; done

included() { curl -s http://127.0.0.1:$PORT/health | python3 -c 'import json,sys; print(json.load(sys.stdin)["includedSinceStart"])'; }

echo "== transfers: $TRANSFERS pre-signed, $ACCOUNTS senders, $CONNECTIONS keep-alive connections, $BATCH per request"
START=$(date +%s.%N)
# Long enough to send every transfer; the tail is cheap eth_chainId filler.
wrk -t$THREADS -c"$CONNECTIONS" -d"$(( TRANSFERS / 4000 + 5 ))s" --latency -s scripts/bench/transfers.lua \
  http://127.0.0.1:$PORT/ -- "$DIR/transfers.jsonl" "$KEY" $THREADS > "$DIR/wrk-transfers.txt" &
WRK=$!
DONE=""
for _ in $(seq 1 1200); do
  COUNT=$(included)
  if [ "$COUNT" -ge "$TRANSFERS" ]; then DONE=$(date +%s.%N); break; fi
  sleep 0.1
done
wait $WRK || true
COUNT=$(included)
[ -n "$DONE" ] || DONE=$(date +%s.%N)
python3 - "$START" "$DONE" "$COUNT" "$TRANSFERS" <<'PY'
import sys
start, done, count, total = float(sys.argv[1]), float(sys.argv[2]), int(sys.argv[3]), int(sys.argv[4])
print(f"executed {count} of {total} transfers in {done - start:.2f} s: {count / (done - start):,.0f} transfers/s end to end")
PY
grep -i "refused\|error" "$DIR/node.log" | head -3 || true

echo "== reads: authorised eth_getBalance, 10 s"
wrk -t2 -c"$CONNECTIONS" -d10s --latency -s scripts/bench/read.lua http://127.0.0.1:$PORT/ -- "$DIR/read.json" "$KEY" \
  | grep -E "Requests/sec|Latency|50%|99%"
