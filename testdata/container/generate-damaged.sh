#!/usr/bin/env bash
# Damaged and blank images for the container findings (issue 13 item 4), made from the committed
# fixture images with third-party tools (xz, head, truncate, dd, sgdisk). The one byte patch is
# deliberate and documented below. Outputs are small xz files committed beside this script;
# `cargo test` needs none of these tools. Needs: xz, coreutils, gdisk (sgdisk).
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
cd "$here"
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
xz -dc ../images/gold-fixed.vhd.xz > "$work/gold-fixed.vhd"   # 128 MiB + 512-byte footer
xz -dc ../images/gold.vhdx.xz > "$work/gold.vhdx"
size=$(stat -c %s "$work/gold-fixed.vhd")

# 1. Footer checksum broken: a deliberate byte patch. The footer is the last 512 bytes; its
#    checksum is the big-endian u32 at footer offset 64. Its last byte (offset 67) is inverted
#    with dd, so the checksum no longer matches the footer bytes (Azure rejects such a VHD).
cp "$work/gold-fixed.vhd" "$work/damaged-badsum.vhd"
at=$((size - 512 + 67))
old=$(od -An -tu1 -j "$at" -N1 "$work/gold-fixed.vhd" | tr -d ' ')
printf "$(printf '\\%03o' $((255 - old)))" | dd of="$work/damaged-badsum.vhd" bs=1 seek="$at" conv=notrunc status=none

# 2. A copy cut to its first 10 MiB (an interrupted download): partitions, backup GPT and the
#    footer are gone.
head -c $((10 << 20)) "$work/gold-fixed.vhd" > "$work/damaged-first10m.vhd"

# 3. A fixed VHD that lost only its 512-byte footer (read as raw).
head -c $((size - 512)) "$work/gold-fixed.vhd" > "$work/damaged-nofooter.vhd"

# 4. A dynamic VHDX cut to 20 MiB: BAT entries point past the end of the file.
cp "$work/gold.vhdx" "$work/damaged-cut.vhdx"
truncate -s 20M "$work/damaged-cut.vhdx"

# 5. A blank disk (all zeros, no partition table).
truncate -s 64M "$work/blank.raw"

# 6. A GPT disk with one basic-data partition that was never formatted.
truncate -s 64M "$work/unformatted.raw"
sgdisk -o -n 1:2048:0 -t 1:0700 "$work/unformatted.raw" >/dev/null

for f in damaged-badsum.vhd damaged-first10m.vhd damaged-nofooter.vhd damaged-cut.vhdx blank.raw unformatted.raw; do
  xz -9e -T1 -c "$work/$f" > "$here/$f.xz"
done
echo "damaged fixtures written to $here"
