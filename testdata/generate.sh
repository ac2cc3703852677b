#!/usr/bin/env bash
# Builds vhdlint's committed fixtures with third-party writers (qemu-img), so our readers are
# tested against output they did not write. Run from anywhere; needs python3, qemu-img, xz.
# Outputs are small and committed; `cargo test` on a fresh clone needs none of these tools.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
cd "$here"
command -v qemu-img >/dev/null || { echo "qemu-img is required (Debian: qemu-utils)" >&2; exit 1; }
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

# --- container/: one 8 MiB disk with known bytes, in every container format ----------------
# Content crosses 1 MiB and 2 MiB block boundaries, leaves whole blocks empty, and ends with a
# non-zero last sector, so block mapping, zero blocks and the disk's end are all exercised.
python3 - "$work/pattern.raw" <<'PY'
import sys, struct
size = 8 << 20
buf = bytearray(size)
# Sector 0: a recognisable boot-sector-like header and the 0x55AA signature.
buf[0:16] = b"vhdlint-fixture\x00"
buf[510:512] = b"\x55\xaa"
# 64 KiB of LCG bytes straddling the 1 MiB boundary.
x = 12345
for i in range((1 << 20) - 32768, (1 << 20) + 32768):
    x = (x * 1103515245 + 12345) & 0x7fffffff
    buf[i] = (x >> 16) & 0xff
# A counting pattern straddling the 2 MiB boundary (one 4 KiB page each side).
for i in range((2 << 20) - 4096, (2 << 20) + 4096, 4):
    buf[i:i+4] = struct.pack("<I", i)
# A text block in the middle of the 5th MiB; MiB 6 stays empty.
msg = b"The quick brown fox jumps over the lazy dog. " * 100
buf[(4 << 20) + 12345:(4 << 20) + 12345 + len(msg)] = msg
# Last sector non-zero.
buf[size - 512:size] = bytes([0xA5]) * 512
open(sys.argv[1], "wb").write(buf)
PY
raw="$work/pattern.raw"
qemu-img convert -f raw -O vpc -o subformat=fixed,force_size=on "$raw" "$work/pattern-fixed.vhd"
qemu-img convert -f raw -O vpc -o subformat=dynamic,force_size=on "$raw" "$work/pattern-dynamic.vhd"
qemu-img convert -f raw -O vhdx -o subformat=dynamic,block_size=1M "$raw" "$work/pattern-dynamic.vhdx"
qemu-img convert -f raw -O vhdx -o subformat=fixed "$raw" "$work/pattern-fixed.vhdx"
for f in pattern.raw pattern-fixed.vhd pattern-dynamic.vhd pattern-dynamic.vhdx pattern-fixed.vhdx; do
  xz -9e -T1 -c "$work/$f" > "container/$f.xz"
done

# --- sample/: the image the README's first command reads (kept uncompressed, it is small) ------
mkdir -p sample
cp "$work/pattern-dynamic.vhd" sample/sample.vhd

qemu-img --version | head -1 > GENERATED-WITH.txt
echo "generated $(date -u +%Y-%m-%d) by testdata/generate.sh" >> GENERATED-WITH.txt
ls -l container sample
