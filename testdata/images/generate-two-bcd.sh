#!/usr/bin/env bash
# Builds two-bcd-mbr.vhdx.xz with third-party writers only: an MBR disk holding TWO BCD stores,
# so a test can prove that `inspect`, `reg HKLM\BCD` and `check` read the same one.
#
#   1  type 0xEF        8 MiB  FAT16 (mkfs.fat), written with mtools: EFI/Microsoft/Boot/
#                              bootmgfw.efi (stub) and EFI/Microsoft/Boot/BCD (bcd.reg: the
#                              UEFI store, default loader \Windows\system32\winload.efi)
#   2  type 0x07 active 39 MiB NTFS (mkntfs), written through ntfs-3g (FUSE): the gold hives in
#                              Windows/System32/config, bootmgr (stub) and Boot/BCD (bcd.reg +
#                              overrides/gen1-mbr.bcd.reg: the BIOS store, loader winload.exe)
#
# An MBR disk boots through BIOS from its active partition, so the store that counts is
# partition 2's Boot\BCD (crates/gather/src/layout.rs); before issue 10 `inspect` took "any
# ESP" and showed partition 1's while `check` judged partition 2's.
#
# Needs (Debian): fdisk (sfdisk), dosfstools (mkfs.fat), mtools, ntfs-3g (mkntfs, ntfslabel,
# ntfs-3g, ntfscat) plus /dev/fuse and root, libhivex-bin + libwin-hivex-perl (hivexregedit,
# hivexget), qemu-utils, xz-utils. Optional: faketime. The corpus's hivex-minimal.hive is the
# starting hive, as in generate.sh (VHDLINT_CORPUS to override).
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
cd "$here"
for tool in sfdisk mkfs.fat mmd mcopy mdir mkntfs ntfslabel ntfs-3g ntfscat hivexregedit hivexget \
  qemu-img xz iconv; do
  command -v "$tool" >/dev/null || { echo "$tool is required (see the top of $0)" >&2; exit 1; }
done
corpus=${VHDLINT_CORPUS:-$here/../../../shared/corpus}
minimal="$corpus/hives/hivex-minimal.hive"
[ -f "$minimal" ] || { echo "missing $minimal (set VHDLINT_CORPUS)" >&2; exit 1; }

work=$(mktemp -d)
cleanup() {
  if mountpoint -q "$work/mnt" 2>/dev/null; then umount "$work/mnt"; fi
  rm -rf "$work"
}
trap cleanup EXIT
mkdir "$work/mnt" "$work/h"

libfaketime=""
for f in /usr/lib/*/faketime/libfaketime.so.1 /usr/lib/faketime/libfaketime.so.1; do
  if [ -f "$f" ]; then libfaketime=$f; break; fi
done
ft() {
  if [ -n "$libfaketime" ]; then
    TZ=UTC LD_PRELOAD="$libfaketime" FAKETIME="2024-01-01 00:00:00" "$@"
  else
    "$@"
  fi
}
export MTOOLS_SKIP_CHECK=1
pattern() { python3 -c 'import sys; t=sys.argv[1].encode(); n=int(sys.argv[2]); sys.stdout.buffer.write((t*(n//len(t)+1))[:n])' "$1" "$2"; }

# hive OUT REG...: hivex's minimal hive with the .reg files merged in order.
hive() {
  local out=$1
  shift
  cp "$minimal" "$out"
  chmod u+w "$out"
  for reg in "$@"; do hivexregedit --merge "$out" "$reg"; done
}
hive "$work/h/SYSTEM" system.reg
hive "$work/h/SOFTWARE" software.reg
hive "$work/h/SECURITY" security.reg
hive "$work/h/BCD-uefi" bcd.reg
hive "$work/h/BCD-bios" bcd.reg overrides/gen1-mbr.bcd.reg

MIB=2048 # sectors
esp_start=$MIB esp_sectors=$((8 * MIB))
os_start=$((9 * MIB)) os_sectors=$((39 * MIB))
raw="$work/two-bcd-mbr.raw"
truncate -s 48M "$raw"
printf 'label: dos\nlabel-id: 0x76686c75\nstart=%d, size=%d, type=ef\nstart=%d, size=%d, type=7, bootable\n' \
  "$esp_start" "$esp_sectors" "$os_start" "$os_sectors" | sfdisk --quiet "$raw"

# Partition 1: the ESP (FAT16).
truncate -s 8M "$work/esp.fat"
ft mkfs.fat -F 16 -s 1 -S 512 -h "$esp_start" -i 76686C02 -n SYSTEM "$work/esp.fat" >/dev/null
pattern "MZ vhdlint bootmgfw.efi " 8192 > "$work/bootmgfw.efi"
ft mmd -i "$work/esp.fat" ::/EFI ::/EFI/Microsoft ::/EFI/Microsoft/Boot
ft mcopy -i "$work/esp.fat" "$work/bootmgfw.efi" ::/EFI/Microsoft/Boot/bootmgfw.efi
ft mcopy -i "$work/esp.fat" "$work/h/BCD-uefi" ::/EFI/Microsoft/Boot/BCD
dd if="$work/esp.fat" of="$raw" bs=512 seek="$esp_start" conv=notrunc,sparse status=none

# Partition 2: the active Windows volume (NTFS) with the BIOS boot files.
truncate -s $((os_sectors * 512)) "$work/os.ntfs"
mkntfs -F -Q -q -T -s 512 -c 4096 -p "$os_start" -H 255 -S 63 -L Windows "$work/os.ntfs" 2>/dev/null
ntfslabel -q --new-serial=76686c7400000005 "$work/os.ntfs" >/dev/null
ft ntfs-3g "$work/os.ntfs" "$work/mnt"
m="$work/mnt"
mkdir -p "$m/Windows/System32/config" "$m/Windows/Setup/State" "$m/Boot"
cp "$work/h/SYSTEM" "$work/h/SOFTWARE" "$work/h/SECURITY" "$m/Windows/System32/config/"
{ printf '\xff\xfe'; printf '[State]\r\nImageState=IMAGE_STATE_GENERALIZE_RESEAL_TO_OOBE\r\n' | iconv -f ASCII -t UTF-16LE; } \
  > "$m/Windows/Setup/State/State.ini"
pattern "vhdlint bootmgr " 4096 > "$m/bootmgr"
cp "$work/h/BCD-bios" "$m/Boot/BCD"
sync
umount "$m"
dd if="$work/os.ntfs" of="$raw" bs=512 seek="$os_start" conv=notrunc,sparse status=none

# Read back with the independent tools: each store's default loader where it was put.
sfdisk -d "$raw" | grep -q 'type=ef' || { echo "no 0xEF partition" >&2; exit 1; }
mcopy -n -i "$raw@@$((esp_start * 512))" ::/EFI/Microsoft/Boot/BCD "$work/esp-bcd"
dd if="$raw" of="$work/os.check" bs=512 skip="$os_start" count="$os_sectors" status=none
ntfscat "$work/os.check" /Boot/BCD > "$work/bios-bcd"
loader='\Objects\{6a6c1f1b-59d4-11ea-9438-9d1b7e0c1a30}\Elements\12000002'
uefi=$(hivexget "$work/esp-bcd" "$loader" Element)
bios=$(hivexget "$work/bios-bcd" "$loader" Element)
[ "$uefi" = '\Windows\system32\winload.efi' ] || { echo "ESP store: $uefi" >&2; exit 1; }
[ "$bios" = '\Windows\system32\winload.exe' ] || { echo "active store: $bios" >&2; exit 1; }
echo "ok  partition 1 (0xEF) EFI/Microsoft/Boot/BCD -> $uefi; partition 2 (0x07, active) Boot/BCD -> $bios"

ft qemu-img convert -f raw -O vhdx -o subformat=dynamic "$raw" "$work/two-bcd-mbr.vhdx"
qemu-img compare -q -f raw -F vhdx "$raw" "$work/two-bcd-mbr.vhdx"
xz -9e -T1 -c "$work/two-bcd-mbr.vhdx" > two-bcd-mbr.vhdx.xz
ls -l two-bcd-mbr.vhdx.xz
