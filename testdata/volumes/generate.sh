#!/bin/sh
# Regenerates the partition-table fixtures of vhdlint-volumes with third-party writers.
# Needs: gdisk (sgdisk), fdisk (fdisk, sfdisk), xz-utils.  Run from anywhere; outputs land beside this
# script as *.img.xz (small: the images are all zeros apart from the tables).
set -eu
cd "$(dirname "$0")"
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

# 1. A Windows-like GPT disk (64 MiB, 512-byte sectors): ESP, MSR, basic data, recovery.
img="$tmp/gpt-windows.img"
truncate -s 64M "$img"
sgdisk -o -U 11111111-2222-3333-4444-555555555555 \
  -n 1:2048:+16M -t 1:ef00 -c 1:"EFI system partition" -u 1:A0000001-0000-0000-0000-000000000001 \
  -n 2:0:+16M -t 2:0c01 -c 2:"Microsoft reserved partition" -u 2:A0000002-0000-0000-0000-000000000002 \
  -n 3:0:+24M -t 3:0700 -c 3:"Basic data partition" -u 3:A0000003-0000-0000-0000-000000000003 \
  -n 4:0:0 -t 4:2700 -c 4:"Recovery" -u 4:A0000004-0000-0000-0000-000000000004 \
  -A 4:set:0 -A 4:set:63 \
  "$img" >/dev/null
xz -9e -T1 -c "$img" > gpt-windows.img.xz

# 2. A GPT disk with 4096-byte logical sectors, 32 MiB: ESP + basic data. sfdisk 2.38 has no
#    --sector-size, but fdisk -b 4096 writes GPT with 4 KiB LBAs into a plain file.
img="$tmp/gpt-4k.img"
truncate -s 32M "$img"
printf '%s\n' g n 1 256 +8M t C12A7328-F81F-11D2-BA4B-00A0C93EC93B \
  n 2 '' '' t 2 EBD0A0A2-B9E5-4433-87C0-68B6B72699C7 \
  x i 66666666-7777-8888-9999-AAAAAAAAAAAA \
  u 1 B0000001-0000-0000-0000-000000000001 u 2 B0000002-0000-0000-0000-000000000002 \
  n 1 EFI n 2 Windows r w | fdisk -b 4096 "$img" >/dev/null
xz -9e -T1 -c "$img" > gpt-4k.img.xz

# 3. An MBR disk (64 MiB): active NTFS primary, recovery (0x27), and an extended partition with
#    two logical partitions.
img="$tmp/mbr-extended.img"
truncate -s 64M "$img"
sfdisk --quiet "$img" <<'SFDISK'
label: dos
label-id: 0x12345678
start=2048, size=32768, type=7, bootable
start=34816, size=8192, type=27
start=43008, size=86016, type=f
start=45056, size=16384, type=7
start=63488, size=20480, type=c
SFDISK
xz -9e -T1 -c "$img" > mbr-extended.img.xz

ls -l ./*.xz
