#!/usr/bin/env bash
# Benchmark (not a timed test): `check` of images read in place over HTTP range requests from a
# loopback server that delays every answer by DELAY_MS (default 20 ms: a region away).
# Prints per image: requests, bytes transferred, sequential round trips, wall time, and the time
# to download the whole object at 1 Gbit/s. Goals: <= 2 MiB, <= 16 round trips per check, a check
# of a 64 GiB image in <= 0.5 s at 20 ms per request.
#   benches/remote.sh [DELAY_MS]
set -euo pipefail
cd "$(dirname "$0")/.."
DELAY_MS=${1:-20}
cargo build --release --quiet --bin vhdlint -p vhdlint
cargo build --release --quiet -p vhdlint-testkit --bin vhdlint-range-server
BIN=target/release/vhdlint
WORK=target/bench-remote
rm -rf "$WORK" && mkdir -p "$WORK/srv"
# The fixture matrix, decompressed beside the server's folder.
for xz in testdata/images/*.xz; do
  xz -dc "$xz" > "$WORK/srv/$(basename "${xz%.xz}")"
done
# 64 GiB images made by qemu-img from the gold disk: a dynamic VHDX and a fixed VHD (sparse).
cp "$WORK/srv/gold.raw" "$WORK/big.raw" && truncate -s 64G "$WORK/big.raw"
qemu-img convert -f raw -O vhdx -o subformat=dynamic "$WORK/big.raw" "$WORK/srv/gold-64g.vhdx"
qemu-img convert -f raw -O vpc -o subformat=fixed,force_size=on "$WORK/big.raw" "$WORK/srv/gold-64g-fixed.vhd"
rm -f "$WORK/big.raw"

target/release/vhdlint-range-server "$DELAY_MS" "$WORK/srv" > "$WORK/url" &
SERVER=$!
trap 'kill $SERVER 2>/dev/null || true' EXIT
for _ in $(seq 50); do [ -s "$WORK/url" ] && break; sleep 0.1; done
URL=$(cat "$WORK/url")

printf '%-26s %9s %9s %6s %6s %9s %12s\n' image size requests bytes rtts wall_ms download_1G
for f in "$WORK"/srv/*; do
  name=$(basename "$f")
  size=$(stat -c %s "$f")
  start=$(date +%s%N)
  "$BIN" check "$URL/$name?sv=bench&sig=SECRET" --format json --stats --as-of 2026-12-01 > "$WORK/out.json" || true
  end=$(date +%s%N)
  python3 - "$WORK/out.json" "$name" "$size" "$(( (end - start) / 1000000 ))" <<'PY'
import json, sys
doc = json.load(open(sys.argv[1])); r = doc["stats"]["remote"]
size = int(sys.argv[3])
assert "SECRET" not in open(sys.argv[1]).read()
print(f"{sys.argv[2]:<26} {size/2**20:8.0f}M {r['requests']:9} {r['bytes']/2**20:5.2f}M {r['roundTrips']:6} {int(sys.argv[4]):9} {size*8/1e9:11.2f}s")
PY
done
