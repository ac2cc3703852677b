#!/usr/bin/env bash
# Runs every fuzz target for SECONDS each (default 30) on this machine's stable toolchain.
# Seeds: the committed fixtures under testdata/ and, copied at run time (never committed), the
# shared corpus images. New crashes land in fuzz/artifacts/<target>/; move each reproducer to
# fuzz/regressions/<target>/ so `cargo test` replays it.
set -euo pipefail
cd "$(dirname "$0")"
secs=${1:-30}
command -v cargo-fuzz >/dev/null || cargo install cargo-fuzz --locked
seeds=corpus-run
mkdir -p "$seeds"
for f in ../testdata/container/*.xz; do xz -dc "$f" > "$seeds/$(basename "${f%.xz}")"; done
corpus=../../shared/corpus
if [ -d "$corpus" ]; then
  for f in "$corpus"/vhd/*/*.bz2 "$corpus"/vhdx/*/*.bz2; do bzip2 -dc "$f" > "$seeds/$(basename "${f%.bz2}")"; done
fi
status=0
for target in $(cargo fuzz list); do
  mkdir -p "corpus/$target" "$seeds-$target"
  cp -n "$seeds"/* "$seeds-$target"/ 2>/dev/null || true
  echo "== $target for ${secs}s"
  if ! cargo fuzz run -O -s none "$target" "$seeds-$target" "corpus/$target" -- \
      -max_total_time="$secs" -len_control=0 -max_len=16777216 -rss_limit_mb=2048 -timeout=10; then
    status=1
  fi
done
exit $status
