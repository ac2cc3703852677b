#!/usr/bin/env bash
# Builds the "foreign input" fixtures: disk images in formats vhdlint does not read (qemu-img's
# qcow2, QED, VMDK, VDI, Parallels), optical/WIM images (genisoimage, xorriso, wimcapture) and a raw
# disk compressed or archived by the usual tools (gzip, xz, zstd, bzip2, zip, 7z, tar, OVA).
# Each is made by its own tool, so recognition is tested against output vhdlint did not write.
# Outputs are small and committed; qemu-img outputs are kept xz-compressed (decompressed by the
# testkit), the compressed/archived inputs as the tools wrote them.
# Needs: qemu-img, genisoimage, xorriso, wimcapture (wimtools), gzip, xz, zstd, bzip2, zip, 7z, tar.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
cd "$here"
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
export SOURCE_DATE_EPOCH=1764547200 TZ=UTC

# A 1 MiB "raw disk" (an MBR signature, a known text) is what the archives wrap.
python3 - "$work/disk.raw" <<'PY'
import sys
buf = bytearray(1 << 20)
buf[0:16] = b"vhdlint-foreign\x00"
buf[510:512] = b"\x55\xaa"
open(sys.argv[1], "wb").write(buf)
PY

# --- disk formats qemu-img writes (64 MiB virtual disks; tiny files) ----------------------------
for fmt in qcow2 qed vdi parallels; do
  qemu-img create -q -f "$fmt" "$work/disk.$fmt" 64M
done
qemu-img create -q -f qcow2 -o compat=0.10 "$work/disk-v2.qcow2" 64M
qemu-img create -q -f vmdk -o subformat=monolithicSparse "$work/disk.vmdk" 64M
qemu-img create -q -f vmdk -o subformat=streamOptimized "$work/disk-stream.vmdk" 64M
# A descriptor file pointing at a flat extent: the descriptor is what a user is given.
qemu-img create -q -f vmdk -o subformat=monolithicFlat "$work/disk-flat.vmdk" 1M
for f in disk.qcow2 disk-v2.qcow2 disk.qed disk.vdi disk.parallels disk.vmdk disk-stream.vmdk; do
  xz -9e -T1 -c "$work/$f" > "$f.xz"
done
cp "$work/disk-flat.vmdk" descriptor.vmdk   # text only; its -flat extent is not kept

# --- optical and WIM images ----------------------------------------------------------------------
mkdir -p "$work/tree"
echo "hello from an ISO" > "$work/tree/readme.txt"
genisoimage -quiet -V VHDLINT -o "$work/cd.iso" "$work/tree"
# xorriso writes the hybrid (MBR + ISO 9660) image USB installers use; genisoimage -udf adds UDF.
xorriso -report_about SORRY -as mkisofs -V VHDLINT -o "$work/hybrid.iso" "$work/tree" 2>/dev/null
genisoimage -quiet -udf -V VHDLINT -o "$work/udf.iso" "$work/tree"
for f in cd.iso hybrid.iso udf.iso; do xz -9e -T1 -c "$work/$f" > "$f.xz"; done
wimcapture "$work/tree" "$work/install.wim" --compress=LZX >/dev/null
wimcapture "$work/tree" "$work/install.esd" --solid >/dev/null
cp "$work/install.wim" "$work/install.esd" .

# --- the raw disk compressed and archived ----------------------------------------------------------
gzip -9 -n -c "$work/disk.raw" > disk.raw.gz
xz -9 -T1 -c "$work/disk.raw" > disk.raw.xz
zstd -q -19 -c "$work/disk.raw" > disk.raw.zst
bzip2 -9 -c "$work/disk.raw" > disk.raw.bz2
(cd "$work" && zip -q -X -9 disk.zip disk.raw && 7z a -bd -bso0 -mx=9 disk.7z disk.raw)
cp "$work/disk.zip" "$work/disk.7z" .
tar --mtime=@"$SOURCE_DATE_EPOCH" --owner=0 --group=0 --numeric-owner -C "$work" -cf "$work/disk.tar" disk.raw
cat > "$work/appliance.ovf" <<'OVF'
<?xml version="1.0" encoding="UTF-8"?>
<Envelope xmlns="http://schemas.dmtf.org/ovf/envelope/1"><References><File ovf:href="disk.vmdk" ovf:id="file1"/></References></Envelope>
OVF
cp "$work/disk-stream.vmdk" "$work/disk-ova.vmdk"
tar --mtime=@"$SOURCE_DATE_EPOCH" --owner=0 --group=0 --numeric-owner -C "$work" -cf "$work/appliance.ova" appliance.ovf disk-ova.vmdk
for f in disk.tar appliance.ova; do xz -9e -T1 -c "$work/$f" > "$f.xz"; done

{
  qemu-img --version | head -1
  genisoimage --version 2>&1 | head -1
  xorriso -version 2>/dev/null | head -1
  wimcapture --version | head -1
  gzip --version | head -1; xz --version | head -1; zstd --version; bzip2 --help 2>&1 | head -1
  zip -v | sed -n 2p; 7z | sed -n 2p; tar --version | head -1
  echo "generated $(date -u +%Y-%m-%d) by testdata/foreign/generate.sh"
} > GENERATED-WITH.txt
ls -l
