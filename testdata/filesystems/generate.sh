#!/bin/sh
# Regenerates the file-system fixtures of vhdlint-filesystems with third-party writers.
# Needs: dosfstools (mkfs.fat), mtools (mmd, mcopy), ntfs-3g (mkntfs, ntfs-3g FUSE mount),
# attr (setfattr), xz-utils, python3, and /dev/fuse (for the NTFS image). Run as a user allowed
# to mount FUSE file systems. Outputs land beside this script as *.img.xz.
#
# File contents are deterministic patterns the tests regenerate:
#   pattern TEXT N = TEXT repeated and cut to N bytes.
set -eu
cd "$(dirname "$0")"
tmp=$(mktemp -d)
cleanup() {
  if mountpoint -q "$tmp/mnt" 2>/dev/null; then umount "$tmp/mnt"; fi
  rm -rf "$tmp"
}
trap cleanup EXIT

pattern() { python3 -c 'import sys; t=sys.argv[1].encode(); n=int(sys.argv[2]); sys.stdout.buffer.write((t*(n//len(t)+1))[:n])' "$1" "$2"; }

# 1. An EFI system partition: FAT32 (mkfs.fat -F 32), 40 MiB, 512-byte sectors, label ESP.
img="$tmp/esp-fat32.img"
truncate -s 40M "$img"
mkfs.fat -F 32 -n ESP -i 1234ABCD "$img" >/dev/null
pattern "MZ vhdlint bootmgfw.efi fixture " 131072 > "$tmp/bootmgfw.efi"
pattern "MZ vhdlint bootx64.efi fixture " 65536 > "$tmp/bootx64.efi"
pattern "regf vhdlint BCD fixture " 32768 > "$tmp/BCD"
export MTOOLS_SKIP_CHECK=1
mmd -i "$img" ::/EFI ::/EFI/Microsoft ::/EFI/Microsoft/Boot ::/EFI/Boot
mcopy -i "$img" "$tmp/bootmgfw.efi" ::/EFI/Microsoft/Boot/bootmgfw.efi
mcopy -i "$img" "$tmp/BCD" ::/EFI/Microsoft/Boot/BCD
mcopy -i "$img" "$tmp/bootx64.efi" ::/EFI/Boot/bootx64.efi
xz -9e -T1 -c "$img" > esp-fat32.img.xz

# 2. An NTFS volume (mkntfs, 4 KiB clusters, 24 MiB) populated through ntfs-3g:
#    Windows/System32/config/SYSTEM (fragmented by interleaved writes), a file with an
#    alternate data stream, a sparse file, and an LZNT1-compressed file in a directory flagged
#    compressed (FILE_ATTRIBUTE_COMPRESSED 0x800 via system.ntfs_attrib_be).
img="$tmp/ntfs.img"
truncate -s 24M "$img"
mkntfs -F -Q -q -L fixture-ntfs -s 512 -c 4096 "$img" 2>/dev/null
mkdir "$tmp/mnt"
ntfs-3g -o streams_interface=windows "$img" "$tmp/mnt"
m="$tmp/mnt"
mkdir -p "$m/Windows/System32/config" "$m/Compressed" "$m/Users/Public"
# Interleave two growing files so SYSTEM gets several data runs.
: > "$m/Windows/System32/config/SYSTEM"
: > "$m/Windows/System32/config/SOFTWARE"
i=0
while [ $i -lt 8 ]; do
  pattern "SYSTEM hive fixture block $i " 65536 >> "$m/Windows/System32/config/SYSTEM"
  pattern "SOFTWARE hive fixture block $i " 65536 >> "$m/Windows/System32/config/SOFTWARE"
  i=$((i + 1))
done
printf 'Microsoft Windows [Version 10.0.26100.1]\r\n' > "$m/os_version.txt"
pattern "downloaded file " 3000 > "$m/Users/Public/download.bin"
printf '[ZoneTransfer]\r\nZoneId=3\r\n' > "$m/Users/Public/download.bin:Zone.Identifier"
# Sparse: 8 MiB with a marker at 4 MiB.
truncate -s 8M "$m/sparse.bin"
printf 'MARKER-AT-4MiB' | dd of="$m/sparse.bin" bs=1 seek=4194304 conv=notrunc 2>/dev/null
setfattr -n system.ntfs_attrib_be -v 0x00000800 "$m/Compressed"
pattern "compressible text line for LZNT1 " 262144 > "$m/Compressed/big.txt"
sync
umount "$m"
xz -9e -T1 -c "$img" > ntfs-3g.img.xz

ls -l ./*.xz
