#!/bin/sh
# Regenerates the NTFS fixtures of vhdlint-filesystems whose $MFT has an $ATTRIBUTE_LIST and its
# $DATA in two extents (issue 6 "Test volume"). Needs: ntfs-3g (mkntfs, ntfs-3g FUSE, ntfsinfo,
# ntfscat), xz-utils, python3, coreutils, and /dev/fuse; run as a user allowed to mount FUSE.
#
# Recipe, per volume (SIZE MiB, FREED MiB of the MFT zone, EXTRA records):
#   1. mkntfs (4 KiB clusters, 1 KiB records); mount with ntfs-3g; write \early\LOW.TXT.
#   2. Fill the volume with 256 KiB files; delete the last FREED MiB of them (they lie in the MFT
#      zone, so that zone's tail is free while the data zone is full).
#   3. Fill that freed tail with 4 KiB files and delete every other one: free space is now
#      one-cluster holes, so every 16-record growth of $MFT lands in several holes (new runs).
#   4. Create empty files in batches of 200 until `ntfsinfo -i 0` shows $ATTRIBUTE_LIST and $DATA
#      in two extents, then EXTRA more.
#   5. Free data-zone space by truncating fillers (their records stay used), then create the known
#      files last, so their records lie past the first $DATA extent of $MFT:
#      \Windows\System32\config\SOFTWARE (pattern, non-resident, fragmented) and
#      \Windows\System32\late.txt (resident), plus \Compressed\ (FILE_ATTRIBUTE_COMPRESSED) with an
#      LZNT1-compressed text file and a less compressible one.
#   6. Record in NAME.txt what ntfsinfo and ntfscat say (record numbers, $MFT extents, length,
#      CRC-32 and sha256 of every known file as ntfscat returns it); the tests compare against both.
#
# File contents are deterministic: pattern TEXT N = TEXT repeated and cut to N bytes;
# prng SEED N = N bytes of python's random.Random(SEED).randbytes (version-stable since 3.9).
set -eu
cd "$(dirname "$0")"
tmp=$(mktemp -d)
cleanup() {
  if mountpoint -q "$tmp/mnt" 2>/dev/null; then umount "$tmp/mnt"; fi
  rm -rf "$tmp"
}
trap cleanup EXIT
mkdir "$tmp/mnt"
m="$tmp/mnt"

pattern() { python3 -c 'import sys; t=sys.argv[1].encode(); n=int(sys.argv[2]); sys.stdout.buffer.write((t*(n//len(t)+1))[:n])' "$1" "$2"; }
# Half-compressible bytes: random words from a small vocabulary.
words() { python3 -c 'import random,sys; r=random.Random(int(sys.argv[1])); w=[b"alpha",b"beta",b"gamma",b"delta",b"\r\n",b" ",b"0123",b"ntfs"]; o=b"".join(r.choice(w)+bytes([r.randrange(256)]) for _ in range(int(sys.argv[2]))); sys.stdout.buffer.write(o)' "$1" "$2"; }

two_extents() {
  # $MFT (inode 0) has an $ATTRIBUTE_LIST and at least two $DATA attribute records.
  info=$(ntfsinfo -f -i 0 "$1")
  echo "$info" | grep -q 'Dumping attribute \$ATTRIBUTE_LIST' &&
    [ "$(echo "$info" | grep -c 'Dumping attribute \$DATA')" -ge 2 ]
}

make_volume() {
  name=$1 size=$2 freed=$3 extra=$4
  img="$tmp/$name.img"
  truncate -s "${size}M" "$img"
  mkntfs -F -Q -q -L "$name" -s 512 -c 4096 "$img" 2>/dev/null
  ntfs-3g "$img" "$m"
  mkdir -p "$m/early" "$m/fill" "$m/holes" "$m/many"
  printf 'LOW file written first\r\n' > "$m/early/LOW.TXT"
  n=0
  while dd if=/dev/zero of="$m/fill/f$n" bs=256k count=1 2>/dev/null; do n=$((n + 1)); done
  rm -f "$m/fill/f$n"
  k=1
  while [ $k -le $((freed * 4)) ]; do rm -f "$m/fill/f$((n - k))"; k=$((k + 1)); done
  s=0
  while head -c 4096 /dev/zero > "$m/holes/h$s" 2>/dev/null; do s=$((s + 1)); done
  rm -f "$m/holes/h$s"
  i=0
  while [ $i -lt $s ]; do rm -f "$m/holes/h$i"; i=$((i + 2)); done
  e=0
  while :; do
    b=0
    while [ $b -lt 200 ]; do : > "$m/many/e$e"; e=$((e + 1)); b=$((b + 1)); done
    umount "$m"
    if two_extents "$img"; then break; fi
    [ $e -lt 20000 ] || { echo "no attribute list after $e files" >&2; exit 1; }
    ntfs-3g "$img" "$m"
  done
  ntfs-3g "$img" "$m"
  x=0
  while [ $x -lt "$extra" ]; do : > "$m/many/x$x"; x=$((x + 1)); done
  # Room for the known files without freeing any MFT record.
  f=0
  while [ $f -lt 12 ]; do : > "$m/fill/f$f"; f=$((f + 1)); done
  mkdir -p "$m/Windows/System32/config" "$m/Compressed"
  : > "$m/Windows/System32/config/SOFTWARE"
  : > "$m/Windows/System32/config/SYSTEM"
  i=0
  while [ $i -lt 6 ]; do
    pattern "SOFTWARE hive of $name block $i " 65536 >> "$m/Windows/System32/config/SOFTWARE"
    pattern "SYSTEM hive of $name block $i " 32768 >> "$m/Windows/System32/config/SYSTEM"
    i=$((i + 1))
  done
  printf 'late file of %s\r\n' "$name" > "$m/Windows/System32/late.txt"
  setfattr -n system.ntfs_attrib_be -v 0x00000800 "$m/Compressed"
  pattern "compressible line of $name for LZNT1 " 200000 > "$m/Compressed/text.txt"
  words 7 40000 > "$m/Compressed/words.bin"
  sync
  umount "$m"
  {
    echo "# $name: ${size} MiB, ${freed} MiB of MFT zone freed, $e + $extra empty files"
    echo "# ntfsinfo -i 0 (\$MFT attributes and the record each lives in):"
    ntfsinfo -f -v -i 0 "$img" | grep -E 'Dumping attribute|Lowest VCN|Highest VCN|Data size' | sed 's/^\s*/# /'
    for p in /early/LOW.TXT /Windows/System32/config/SOFTWARE /Windows/System32/config/SYSTEM \
      /Windows/System32/late.txt /Compressed/text.txt /Compressed/words.bin; do
      rec=$(ntfsinfo -f -F "$p" "$img" | sed -n 's/^Dumping Inode \([0-9]*\).*/\1/p')
      sum=$(ntfscat -f "$img" "$p" | sha256sum | cut -d' ' -f1)
      len=$(ntfscat -f "$img" "$p" | wc -c)
      crc=$(ntfscat -f "$img" "$p" | python3 -c 'import sys, zlib; print("%08x" % zlib.crc32(sys.stdin.buffer.read()))')
      echo "file $p record $rec len $len crc32 $crc sha256 $sum"
    done
  } > "$name.txt"
  xz -9e -T1 -c "$img" > "$name.img.xz"
}

# Two volumes: different sizes, freed zones and extra rounds.
make_volume mftext-a 64 16 100
make_volume mftext-b 96 24 700
ls -l ./*.xz ./*.txt
