#!/usr/bin/env bash
# Builds the libFuzzer targets (Fuzz/, CLOISTER_FUZZ=1, -sanitize=fuzzer,address, release, in
# .build-fuzz) and runs each in turn for FUZZ_SECONDS, one core, then prints per target the
# executions, the rate and the outcome. See docs/FUZZING.md.
#
#   FUZZ_SECONDS=60        time per target (libFuzzer -max_total_time)
#   FUZZ_RUNS=             stop a target after this many executions instead (-runs), if sooner
#   FUZZ_TARGETS="FuzzRLP FuzzJSON"   a subset (default: every target)
#   FUZZ_RSS_MB=2048       memory limit per target (-rss_limit_mb): more is a finding
#   FUZZ_TIMEOUT=10        seconds one input may take (-timeout): longer is a hang, a finding
#   FUZZ_BUILD=no          run the binaries already in .build-fuzz without building
#
# Inputs that add coverage are kept in .fuzz/corpus/<Target> (not committed); the seeds in
# Fuzz/Corpus/<Target> are read, never written. A crash, broken contract, hang, leak or
# out-of-memory input is written to .fuzz/artifacts/<Target>/ and the script exits 1.
set -euo pipefail
cd "$(dirname "$0")/.."

ALL_TARGETS="FuzzRLP FuzzTransactions FuzzJSON FuzzJSONRPC FuzzL1Wire FuzzProofEnvelope FuzzPolicy FuzzSignIn"
TARGETS="${FUZZ_TARGETS:-$ALL_TARGETS}"
SECONDS_EACH="${FUZZ_SECONDS:-60}"
RSS_MB="${FUZZ_RSS_MB:-2048}"
TIMEOUT="${FUZZ_TIMEOUT:-10}"
SWIFT="${SWIFT:-swift}"
SCRATCH=.build-fuzz
FLAGS=(-c release --scratch-path "$SCRATCH" -Xswiftc -sanitize=fuzzer,address
       -Xcc -fsanitize=fuzzer-no-link,address -Xcxx -fsanitize=fuzzer-no-link,address)

for target in $TARGETS; do
  [ "${FUZZ_BUILD:-yes}" = no ] && break
  echo "== building $target"
  CLOISTER_FUZZ=1 "$SWIFT" build "${FLAGS[@]}" --product "$target" 2>&1 | grep -v '^\[' || true
  [ -x "$SCRATCH/release/$target" ] || { echo "$target did not build" >&2; exit 1; }
done

mkdir -p .fuzz
summary=.fuzz/summary.txt
printf '%-20s %14s %10s  %s\n' target executions "exec/s" outcome > "$summary"
status=0
for target in $TARGETS; do
  corpus=.fuzz/corpus/$target
  artifacts=.fuzz/artifacts/$target
  log=.fuzz/$target.log
  mkdir -p "$corpus" "$artifacts"
  echo "== fuzzing $target for ${SECONDS_EACH}s (log: $log)"
  set +e
  # Leaks are checked after every input whose allocations outnumber its frees (libFuzzer's
  # -detect_leaks), except for FuzzJSONRPC and FuzzPolicy: Swift concurrency's task allocator
  # (JSON-RPC) and Foundation's file caches (the policy loader) keep memory between inputs, so
  # that check would scan the heap after almost every input (12 and 49 exec/s instead of about
  # 1,000). For those two LeakSanitizer runs once, at exit, over everything the run allocated:
  # a leak is still a finding, only not tied to one input.
  leaks=1
  case "$target" in FuzzJSONRPC|FuzzPolicy) leaks=0 ;; esac
  SWIFT_BACKTRACE=enable=no ASAN_OPTIONS="detect_leaks=1:${ASAN_OPTIONS:-}" \
    LSAN_OPTIONS="suppressions=$PWD/scripts/lsan-suppressions.txt" \
    "$SCRATCH/release/$target" "$corpus" "Fuzz/Corpus/$target" \
    -max_total_time="$SECONDS_EACH" ${FUZZ_RUNS:+-runs="$FUZZ_RUNS"} -rss_limit_mb="$RSS_MB" -timeout="$TIMEOUT" \
    -detect_leaks=$leaks -print_final_stats=1 -artifact_prefix="$artifacts/" > "$log" 2>&1
  code=$?
  set -e
  runs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$log" | tail -1)
  rate=$(sed -n 's/^stat::average_exec_per_sec: *//p' "$log" | tail -1)
  if [ "$code" -eq 0 ]; then
    outcome=ok
  else
    status=1
    finding=$(grep -m1 -oE 'ERROR: (libFuzzer|AddressSanitizer|LeakSanitizer): [a-z-]+|Fatal error: .*|contract broken: .{0,80}' "$log" || true)
    outcome="FINDING (exit $code) ${finding:-see $log}; input: $(ls -t "$artifacts" | head -1)"
  fi
  printf '%-20s %14s %10s  %s\n' "$target" "${runs:-?}" "${rate:-?}" "$outcome" | tee -a "$summary"
done
echo
cat "$summary"
exit $status
