#!/usr/bin/env bash
# Benchmarks errkb against its baselines and prints one table (see docs/benchmarks.md).
#   bench/run.sh BUILD_DIR        BUILD_DIR holds the errkb binary (make bench passes $(BUILD))
# Temporary data goes under bench/out/ (gitignored); settings are BENCH_* variables (bench/bench.py).
set -euo pipefail

if [ $# -ne 1 ]; then
  echo "usage: bench/run.sh BUILD_DIR" >&2
  exit 2
fi
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
for tool in python3 hyperfine sqlite-utils; do
  if ! command -v "$tool" >/dev/null 2>&1; then
    echo "bench: $tool not found (scripts/install-deps.sh --bench installs it)" >&2
    exit 2
  fi
done
exec python3 "$here/bench.py" "$1"
