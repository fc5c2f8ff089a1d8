#!/usr/bin/env bash
# Builds the libFuzzer harnesses with clang (ASan + UBSan + coverage on the harness
# and on every module it links) and runs each for FUZZ_SECONDS.
#   FUZZ_SECONDS   seconds per harness (default 60)
#   FUZZ_BUILD     build folder (default build-fuzz)
#   FUZZ_JOBS      parallel compile jobs (default: nproc)
#   FUZZ_ONLY      space-separated harness names to run (default: all built)
# New inputs go to $FUZZ_BUILD/corpus/<harness> (seeded from tests/fuzz/corpus/<harness>,
# which stays untouched); crashes, hangs and leaks to $FUZZ_BUILD/findings/<harness>.
# Exit 1 when any harness found something. A finding becomes a regression test:
# copy it under tests/data/fuzz/<harness>/ and add a Catch2 case (see docs/hardening.md).
set -euo pipefail

root=$(cd "$(dirname "$0")/.." && pwd)
seconds=${FUZZ_SECONDS:-60}
build=${FUZZ_BUILD:-$root/build-fuzz}
jobs=${FUZZ_JOBS:-$(nproc)}

cmake -S "$root" -B "$build" -DCMAKE_BUILD_TYPE=RelWithDebInfo -DCMAKE_CXX_COMPILER=clang++ \
  -DERRKB_FUZZ=ON -DERRKB_TESTS=OFF -DERRKB_WARNINGS_AS_ERRORS=OFF >/dev/null
cmake --build "$build" --target fuzzers -j"$jobs"

harnesses=${FUZZ_ONLY:-$(cd "$build/tests/fuzz" && ls fuzz_* 2>/dev/null | grep -v '\.' || true)}
[ -n "$harnesses" ] || { echo "fuzz: no harness built" >&2; exit 2; }

export ASAN_OPTIONS=${ASAN_OPTIONS:-detect_leaks=1:allocator_may_return_null=1}
export UBSAN_OPTIONS=${UBSAN_OPTIONS:-print_stacktrace=1:halt_on_error=1}
status=0
summary=""
for h in $harnesses; do
  corpus="$build/corpus/$h"
  findings="$build/findings/$h"
  mkdir -p "$corpus" "$findings"
  seeds="$root/tests/fuzz/corpus/$h"
  [ -d "$seeds" ] || seeds=""
  echo "fuzz: $h for ${seconds}s" >&2
  log="$build/findings/$h.log"
  if "$build/tests/fuzz/$h" -max_total_time="$seconds" -timeout=10 -rss_limit_mb=2048 -max_len=65536 \
       -print_final_stats=1 -artifact_prefix="$findings/" "$corpus" $seeds >"$log" 2>&1; then
    result="ok"
  else
    result="FOUND $(ls "$findings" | tr '\n' ' ')"
    status=1
  fi
  runs=$(grep -o 'stat::number_of_executed_units: *[0-9]*' "$log" | grep -o '[0-9]*$' || echo "?")
  cov=$(grep -o 'cov: [0-9]*' "$log" | tail -1 | grep -o '[0-9]*' || echo "?")
  summary+=$(printf '%-20s %5ss %10s runs  cov %6s  %s' "$h" "$seconds" "$runs" "$cov" "$result")$'\n'
done
printf '%s' "$summary"
exit $status
