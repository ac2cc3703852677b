#!/usr/bin/env bash
# Builds the README's sample image: the Windows 11 24H2 Enterprise fixture of testdata/images
# (built there by third-party writers) as a fixed VHD — what Azure uploads take — written by
# qemu-img. Needs qemu-img and xz.
set -euo pipefail
cd "$(dirname "$0")"
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
xz -dc ../images/win11-24h2.vhdx.xz > "$tmp/win11-24h2.vhdx"
qemu-img convert -f vhdx -O vpc -o subformat=fixed,force_size=on "$tmp/win11-24h2.vhdx" "$tmp/sample.vhd"
qemu-img compare -f vhdx -F vpc "$tmp/win11-24h2.vhdx" "$tmp/sample.vhd"
xz -9e -T1 -c "$tmp/sample.vhd" > sample.vhd.xz
ls -l sample.vhd.xz
