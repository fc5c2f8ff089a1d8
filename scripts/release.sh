#!/bin/sh
# Release job: validate -> ingest -> export -> verify, stopping at the first failure.
#
#   scripts/release.sh PATH/TO/errkb        (what `make release` runs)
#
# Environment (all optional):
#   RELEASE_RECORDS    records folder                   (default: records)
#   RELEASE_DB         database to ingest into          (default: <errkb's folder>/release/errkb.db,
#                                                         recreated on every run)
#   RELEASE_OUT        bundle folder, replaced atomically (default: <errkb's folder>/release/bundle)
#   SOURCE_DATE_EPOCH  the bundle's only timestamp      (default: the last commit's time, if in git;
#                                                         else the bundle has none: never today's date)
set -eu

errkb=${1:?usage: scripts/release.sh PATH/TO/errkb}
[ -x "$errkb" ] || { echo "release: $errkb is not an executable" >&2; exit 2; }
build_dir=$(dirname "$errkb")
records=${RELEASE_RECORDS:-records}
out=${RELEASE_OUT:-$build_dir/release/bundle}

if [ -n "${RELEASE_DB:-}" ]; then
  db=$RELEASE_DB
else
  # A database of our own, built from nothing, so the bundle holds exactly $records.
  db=$build_dir/release/errkb.db
  rm -f "$db" "$db-wal" "$db-shm"
fi
mkdir -p "$(dirname "$db")"

if [ -z "${SOURCE_DATE_EPOCH:-}" ] && epoch=$(git log -1 --format=%ct 2>/dev/null) && [ -n "$epoch" ]; then
  SOURCE_DATE_EPOCH=$epoch
  export SOURCE_DATE_EPOCH
fi

step() {
  echo "release: $*" >&2
  "$@" || { status=$?; echo "release: FAILED (exit $status): $*" >&2; exit "$status"; }
}

step "$errkb" validate --strict "$records"
step "$errkb" ingest --strict --db "$db" "$records"
step "$errkb" export --db "$db" --out "$out"
step "$errkb" verify "$out"
echo "release: bundle ready in $out (sha256sum -c SHA256SUMS inside it checks every file)" >&2
