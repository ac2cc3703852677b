#!/usr/bin/env bash
# benches/peers.sh: vhdlint against the tools users would pick instead (issue 5, "Speed"), in the
# same run, on the same images. Writes benches/peers-results.md.
#
# Sets everything up itself (as root, on Debian): hyperfine, time, hivex tools, gdisk, ntfs-3g,
# qemu-utils and libguestfs-tools from apt; dissect.target (pinned) in a venv under
# target/peers-venv; vhdlint with `cargo build --release`. Images are built at run time under
# target/peers/ (never committed):
#   gold.vhdx          testdata/images/gold.vhdx.xz decompressed (128 MiB virtual)
#   big64.vhdx         gold.raw grown (sparse) to 64 GiB, backup GPT moved (sgdisk -e), converted
#   big64-fixed.vhd    by qemu-img to dynamic VHDX and to fixed VHD (a 64 GiB sparse file)
#   bloat.vhdx         gold, with a real Windows SYSTEM hive (shared/corpus dissect.regf) and a
#                      SOFTWARE hive inflated to 100+ MB (hivexregedit --merge of a generated .reg:
#                      20k subkeys x 5 x 1 KiB REG_BINARY under \VhdlintBenchBloat), on a 320 MiB
#                      NTFS volume (gold's, grown with ntfsresize). Every image's cmd.exe is the
#                      fixtures' minimal PE32+ header, which virt-inspector's architecture probe
#                      needs.
# Measured (hyperfine, medians): vhdlint check --stats --format json (bytes read from .stats.bytes),
# qemu-img info, dissect.target (target-query -f osinfo, and the Python API Target.open().version),
# virt-inspector (LIBGUESTFS_BACKEND=direct, force_tcg), hivexget on the extracted hives for the
# values vhdlint reads, vhdlint hash --virtual against vhdlint hash of the raw file (what b3sum
# computes), `check` of 32 images with RAYON_NUM_THREADS=1 vs default, peak RSS (/usr/bin/time -v),
# and `cargo bench --bench hash_virtual`.
#
# Knobs (environment): PEERS_RUNS (fast tools, default 10), PEERS_SLOW_RUNS (dissect.target and
# virt-inspector, default 3), PEERS_REBUILD=1 (rebuild the images), PEERS_SKIP_CARGO_BENCH=1,
# PEERS_NO_INSTALL=1 (use what is there; a missing peer is reported as unavailable),
# VHDLINT_CORPUS (default ../shared/corpus).
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
cd "$root"

RUNS=${PEERS_RUNS:-10}
SLOW_RUNS=${PEERS_SLOW_RUNS:-3}
DISSECT_VERSION=3.25.1
corpus=${VHDLINT_CORPUS:-$root/../shared/corpus}
work=$root/target/peers
venv=$root/target/peers-venv
results=$root/benches/peers-results.md
vhdlint=$root/target/release/vhdlint
export LIBGUESTFS_BACKEND=direct LIBGUESTFS_BACKEND_SETTINGS=force_tcg
export MTOOLS_SKIP_CHECK=1

mkdir -p "$work" "$work/hf" "$work/log"
rows=$work/rows.tsv # tool, image, hyperfine json or "unavailable: ...", bytes, note
: > "$rows"
cleanup() {
  if mountpoint -q "$work/mnt" 2>/dev/null; then umount "$work/mnt"; fi
}
trap cleanup EXIT
log() { printf '[peers %s] %s\n' "$(date +%H:%M:%S)" "$*" >&2; }
load_start=$(cut -d' ' -f1-3 /proc/loadavg)

# ---- setup ------------------------------------------------------------------------------------
apt_updated=no
apt_update() {
  if [ "$apt_updated" = no ]; then
    log "apt-get update"
    apt-get update -qq
    apt_updated=yes
  fi
}
# need TOOL PACKAGE: install PACKAGE when TOOL is missing.
need() {
  command -v "$1" >/dev/null 2>&1 && return 0
  [ "${PEERS_NO_INSTALL:-}" = 1 ] && { echo "$1 is missing (PEERS_NO_INSTALL=1)" >&2; exit 1; }
  apt_update
  log "apt-get install $2"
  DEBIAN_FRONTEND=noninteractive apt-get install -y -q "$2" >"$work/log/apt-$2.log" 2>&1 \
    || { tail -20 "$work/log/apt-$2.log" >&2; exit 1; }
}
need hyperfine hyperfine
need /usr/bin/time time
need hivexget libhivex-bin
need hivexregedit libwin-hivex-perl
need sgdisk gdisk
need ntfs-3g ntfs-3g
need ntfsresize ntfs-3g
need qemu-img qemu-utils
need xz xz-utils
need python3 python3
[ -e /dev/fuse ] || { echo "/dev/fuse is required (ntfs-3g)" >&2; exit 1; }

# libguestfs-tools. Plain `apt-get install -y libguestfs-tools` first. On these machines
# qemu-utils comes from <codename>-backports, and the qemu-system-x86 that libguestfs pulls from
# the release breaks against it; then qemu-system-* (and seabios) are taken from backports too,
# through a private sources list under target/ (nothing in /etc/apt changes). supermin needs a
# kernel in /boot: the cloud kernel is the smallest that has virtio built in.
vi_unavailable=""
install_libguestfs() {
  command -v virt-inspector >/dev/null 2>&1 && ls /boot/vmlinuz-* >/dev/null 2>&1 && return 0
  if [ "${PEERS_NO_INSTALL:-}" = 1 ]; then vi_unavailable="unavailable: not installed (PEERS_NO_INSTALL=1)"; return 0; fi
  apt_update
  local alog=$work/log/apt-libguestfs.log apt_opts=() extra=()
  if ! command -v virt-inspector >/dev/null 2>&1; then
    log "apt-get install libguestfs-tools (large)"
    if ! DEBIAN_FRONTEND=noninteractive apt-get install -y -q libguestfs-tools >"$alog" 2>&1; then
      local codename
      codename=$(. /etc/os-release && echo "${VERSION_CODENAME:-}")
      log "plain install failed ($(grep -m1 -E 'Breaks|Depends|^E:' "$alog" | sed 's/^ *//')); retrying with qemu-system from $codename-backports"
      local d=$root/target/peers-apt
      mkdir -p "$d/lists/partial" "$d/archives/partial"
      {
        echo "deb http://deb.debian.org/debian $codename main"
        echo "deb http://deb.debian.org/debian $codename-updates main"
        echo "deb http://deb.debian.org/debian-security $codename-security main"
        echo "deb http://deb.debian.org/debian $codename-backports main"
      } > "$d/sources.list"
      apt_opts=(-o "Dir::Etc::sourcelist=$d/sources.list" -o Dir::Etc::sourceparts=- \
        -o "Dir::State::lists=$d/lists" -o "Dir::Cache::archives=$d/archives")
      apt-get "${apt_opts[@]}" update -qq >>"$alog" 2>&1 || true
      extra=(--no-install-recommends libguestfs-tools "qemu-system-x86/$codename-backports"
        "qemu-system-common/$codename-backports" "qemu-system-data/$codename-backports"
        "seabios/$codename-backports")
    fi
  fi
  if ! ls /boot/vmlinuz-* >/dev/null 2>&1; then extra+=(linux-image-cloud-amd64); fi
  if [ ${#extra[@]} -gt 0 ]; then
    log "apt-get install ${extra[*]}"
    if ! DEBIAN_FRONTEND=noninteractive apt-get "${apt_opts[@]}" install -y -q "${extra[@]}" >>"$alog" 2>&1; then
      vi_unavailable="unavailable: apt-get install failed: $(grep -m1 -E '^E:|Breaks|Depends' "$alog" | sed 's/^ *//')"
    fi
  fi
  command -v virt-inspector >/dev/null 2>&1 || vi_unavailable=${vi_unavailable:-"unavailable: virt-inspector not installed"}
}
install_libguestfs

# dissect.target in a venv, pinned.
if ! "$venv/bin/python" -c "import importlib.metadata as m, sys; sys.exit(m.version('dissect.target') != '$DISSECT_VERSION')" 2>/dev/null; then
  log "venv $venv: pip install dissect.target==$DISSECT_VERSION"
  python3 -m venv "$venv"
  "$venv/bin/pip" install -q "dissect.target==$DISSECT_VERSION" >"$work/log/pip.log" 2>&1 \
    || { tail -20 "$work/log/pip.log" >&2; exit 1; }
fi
cat > "$work/dissect_version.py" <<'PY'
# The dissect.target Python API: open the target, read the OS and its version.
import sys
from dissect.target import Target
t = Target.open(sys.argv[1])
print(t.os, t.version)
PY

log "cargo build --release -p vhdlint"
cargo build --release -p vhdlint 2>&1 | tail -3 >&2

# ---- images -----------------------------------------------------------------------------------
# stale OUT SRC...: true when OUT must be (re)built: missing, older than a source, or PEERS_REBUILD.
stale() {
  local out=$1 src
  shift
  [ "${PEERS_REBUILD:-}" = 1 ] && return 0
  [ -e "$out" ] || return 0
  for src in "$@"; do [ "$src" -nt "$out" ] && return 0; done
  return 1
}
gold_xz=testdata/images/gold.vhdx.xz
raw_xz=testdata/images/gold.raw.xz
system_gz=$corpus/hives/dissect.regf/SYSTEM.gz
[ -f "$system_gz" ] || { echo "missing $system_gz (set VHDLINT_CORPUS)" >&2; exit 1; }

if stale "$work/gold.vhdx" "$gold_xz"; then
  log "image: gold.vhdx"
  xz -dc "$gold_xz" > "$work/gold.vhdx.tmp" && mv "$work/gold.vhdx.tmp" "$work/gold.vhdx"
fi
if stale "$work/gold.raw" "$raw_xz"; then
  log "image: gold.raw"
  xz -dc "$raw_xz" > "$work/gold.raw.tmp" && mv "$work/gold.raw.tmp" "$work/gold.raw"
fi

# (b) 64 GiB: gold's raw disk grown sparse, backup GPT moved to the new end.
if stale "$work/big64.vhdx" "$work/gold.raw" || stale "$work/big64-fixed.vhd" "$work/gold.raw"; then
  log "image: big64.vhdx, big64-fixed.vhd"
  rm -f "$work/big64.raw" "$work/big64.vhdx" "$work/big64-fixed.vhd"
  cp --sparse=always "$work/gold.raw" "$work/big64.raw"
  truncate -s 64G "$work/big64.raw"
  sgdisk -e "$work/big64.raw" >/dev/null
  sgdisk -v "$work/big64.raw" | grep -q '^No problems found' || { echo "sgdisk -v: big64.raw" >&2; exit 1; }
  qemu-img convert -f raw -O vhdx -o subformat=dynamic "$work/big64.raw" "$work/big64.vhdx"
  qemu-img convert -f raw -O vpc -o subformat=fixed,force_size=on "$work/big64.raw" "$work/big64-fixed.vhd"
  rm -f "$work/big64.raw"
fi

# (c) bloat: the minimal recipe of testdata/images/generate.sh (GPT by sgdisk, NTFS filled through
# ntfs-3g), starting from gold's disk: partitions 1-2 as they are, partition 3 (Windows) grown to
# 320 MiB at the same start with the same GUID, its NTFS grown with ntfsresize, then the hives
# replaced. Built at run time: the real SYSTEM hive comes from the corpus and is never committed.
bloat_entries=20000 bloat_value=1024 # 20k subkeys x 5 values x 1 KiB = 100 MiB of data
if stale "$work/bloat.vhdx" "$work/gold.raw" "$work/gold.vhdx" "$system_gz"; then
  log "image: bloat.vhdx (SOFTWARE inflated by hivexregedit: about 90 s)"
  b=$work/bloat
  rm -rf "$b" "$work/bloat.vhdx" "$work/bloat.raw"
  mkdir -p "$b" "$work/mnt"
  "$vhdlint" cat "$work/gold.vhdx" 'C:\Windows\System32\config\SOFTWARE' > "$b/SOFTWARE"
  python3 - "$bloat_entries" "$bloat_value" > "$b/bloat.reg" <<'PY'
import sys
n, size = int(sys.argv[1]), int(sys.argv[2])
w = sys.stdout.write
w("Windows Registry Editor Version 5.00\n\n[\\VhdlintBenchBloat]\n\n")
for i in range(n):
    if i % 200 == 0:  # 200 subkeys per group key: within hivex's per-key limits
        w("[\\VhdlintBenchBloat\\G%03d]\n\n" % (i // 200))
    w("[\\VhdlintBenchBloat\\G%03d\\K%05d]\n" % (i // 200, i))
    for j in range(5):
        data = bytes(((i * 31 + j * 7 + k) & 0xFF) for k in range(size))
        w('"V%d"=hex:%s\n' % (j, data.hex(",")))
    w("\n")
PY
  hivexregedit --merge "$b/SOFTWARE" "$b/bloat.reg"
  rm -f "$b/bloat.reg"
  software_size=$(stat -c %s "$b/SOFTWARE")
  [ "$software_size" -ge 100000000 ] || { echo "inflated SOFTWARE is only $software_size bytes" >&2; exit 1; }
  gzip -dc "$system_gz" > "$b/SYSTEM"
  raw=$work/bloat.raw
  cp --sparse=always "$work/gold.raw" "$raw"
  info3=$(sgdisk -i 3 "$raw")
  start=$(sed -n 's/^First sector: \([0-9]*\).*/\1/p' <<<"$info3")
  guid=$(sed -n 's/^Partition unique GUID: //p' <<<"$info3")
  last=$(sed -n 's/^Last sector: \([0-9]*\).*/\1/p' <<<"$info3")
  os_mib=320
  truncate -s $(((start / 2048 + os_mib + 1) * 1048576)) "$raw"
  sgdisk -e "$raw" >/dev/null
  sgdisk -d 3 -n "3:$start:+${os_mib}M" -t 3:0700 -c "3:Basic data partition" -u "3:$guid" "$raw" >/dev/null
  sgdisk -v "$raw" | grep -q '^No problems found' || { echo "sgdisk -v: bloat.raw" >&2; exit 1; }
  dd if="$raw" of="$b/os.ntfs" bs=512 skip="$start" count=$((last - start + 1)) status=none
  truncate -s "${os_mib}M" "$b/os.ntfs"
  ntfsresize -f -f -s "${os_mib}M" "$b/os.ntfs" >"$work/log/ntfsresize.log" 2>&1
  ntfs-3g -o streams_interface=windows "$b/os.ntfs" "$work/mnt"
  cp "$b/SYSTEM" "$b/SOFTWARE" "$work/mnt/Windows/System32/config/"
  sync
  umount "$work/mnt"
  dd if="$b/os.ntfs" of="$raw" bs=512 seek="$start" conv=notrunc,sparse status=none
  qemu-img convert -f raw -O vhdx -o subformat=dynamic "$raw" "$work/bloat.vhdx"
  qemu-img compare -q -f raw -F vhdx "$raw" "$work/bloat.vhdx"
  rm -rf "$b"
fi

# Three batches of 32 for the scaling measurement: gold.vhdx under 32 names (hard links); a
# fixture matrix (every image of testdata/images and the sample, sparse-decompressed, big64.vhdx,
# big64-fixed.vhd and bloat.vhdx, filled up to 32 with second names of the first ones); and
# bloat.vhdx (real SYSTEM hive) under 32 names.
rm -rf "$work/many" "$work/many-bloat"
mkdir -p "$work/many" "$work/many-bloat" "$work/fixtures"
many=() many_bloat=() mixed=()
for i in $(seq -w 1 32); do
  ln "$work/gold.vhdx" "$work/many/gold-$i.vhdx"
  many+=("$work/many/gold-$i.vhdx")
  ln "$work/bloat.vhdx" "$work/many-bloat/bloat-$i.vhdx"
  many_bloat+=("$work/many-bloat/bloat-$i.vhdx")
done
# The first 28 fixtures (the matrix has grown past 32) and the four images below make 32.
for xz_file in testdata/images/*.xz; do
  [ "${#mixed[@]}" -ge 28 ] && break
  out=$work/fixtures/$(basename "${xz_file%.xz}")
  if stale "$out" "$xz_file"; then xz -dc "$xz_file" | cp --sparse=always /dev/stdin "$out"; fi
  mixed+=("$out")
done
if stale "$work/fixtures/sample.vhd" testdata/sample/sample.vhd.xz; then
  xz -dc testdata/sample/sample.vhd.xz | cp --sparse=always /dev/stdin "$work/fixtures/sample.vhd"
fi
mixed+=("$work/fixtures/sample.vhd" "$work/big64.vhdx" "$work/big64-fixed.vhd" "$work/bloat.vhdx")
# Filled up to 32 with second names (hard links) of the first ones.
for i in $(seq 0 31); do
  [ "${#mixed[@]}" -ge 32 ] && break
  ln -f "${mixed[$i]}" "$work/fixtures/again-$(basename "${mixed[$i]}")"
  mixed+=("$work/fixtures/again-$(basename "${mixed[$i]}")")
done
[ "${#mixed[@]}" -eq 32 ] || { echo "expected 32 images for the mixed batch, got ${#mixed[@]}" >&2; exit 1; }

# Hives as vhdlint reads them, extracted for hivexget (extraction is not timed).
for img in gold bloat; do
  mkdir -p "$work/hives-$img"
  for h in SOFTWARE SYSTEM; do
    "$vhdlint" cat "$work/$img.vhdx" "C:\\Windows\\System32\\config\\$h" > "$work/hives-$img/$h"
  done
done
# The values vhdlint's check reads from SOFTWARE and SYSTEM, one hivexget process each.
cat > "$work/hivex-values.sh" <<'SH'
#!/usr/bin/env bash
# hivex-values.sh SOFTWARE SYSTEM: hivexget every value vhdlint's check reads (missing ones too).
sw=$1 sys=$2 cv='\Microsoft\Windows NT\CurrentVersion'
for v in EditionID CompositionEditionID ProductName CurrentBuildNumber UBR DisplayVersion InstallationType; do
  hivexget "$sw" "$cv" "$v" || true
done
hivexget "$sw" '\Microsoft\Windows\CurrentVersion\Setup\State' ImageState || true
hivexget "$sw" '\Microsoft\Windows\CurrentVersion\ReserveManager' ShippedWithReserves || true
hivexget "$sys" '\Select' Current || true
hivexget "$sys" '\ControlSet001\Control\ComputerName\ComputerName' ComputerName || true
hivexget "$sys" '\ControlSet001\Control\ProductOptions' ProductType || true
hivexget "$sys" '\ControlSet001\Services\cdrom' Start || true
hivexget "$sys" '\Setup' SetupType || true
SH
chmod +x "$work/hivex-values.sh"
HIVEX_VALUES=14

# ---- measuring --------------------------------------------------------------------------------
# measure ID TOOL IMAGE RUNS NOTE -- CMD...: one sanity run (timeout 10 min; its exit code and
# error are recorded), then hyperfine (-N: no shell) with RUNS runs. A command that cannot run at
# all is recorded as "unavailable: <reason>" instead.
measure() {
  local id=$1 tool=$2 image=$3 runs=$4 note=$5
  shift 6
  local err=$work/log/$id.err rc=0 warmup=1
  log "measure $id: $*"
  timeout 600 "$@" >"$work/log/$id.out" 2>"$err" || rc=$?
  local flags=()
  if [ "$rc" -eq 124 ]; then
    printf '%s\t%s\tunavailable: timed out after 600 s\t\t%s\n' "$tool" "$image" "$note" >> "$rows"
    return 0
  elif [ "$rc" -ne 0 ]; then
    local why
    why=$(grep -v '^\s*$' "$err" | grep -m1 -iE 'error|fail' || grep -v '^\s*$' "$err" | tail -1 || true)
    if [ "$rc" -eq 127 ] || [ "$rc" -eq 126 ] || grep -qiE 'launch failed|guestfs_launch|supermin' "$err"; then
      printf '%s\t%s\tunavailable: exit %s: %s\t\t%s\n' "$tool" "$image" "$rc" "$why" "$note" >> "$rows"
      return 0
    fi
    flags=(-i)
    note="${note:+$note; }exits $rc: ${why//$'\t'/ }"
  fi
  if [ "$runs" -le 3 ]; then warmup=0; fi # slow peers: the sanity run was the warm-up
  hyperfine -N "${flags[@]}" --style none --warmup "$warmup" --runs "$runs" \
    --export-json "$work/hf/$id.json" -- "$(printf '%q ' "$@")" >"$work/log/$id.hf" 2>&1 \
    || { printf '%s\t%s\tunavailable: hyperfine failed: %s\t\t%s\n' "$tool" "$image" \
      "$(tail -1 "$work/log/$id.hf")" "$note" >> "$rows"; return 0; }
  printf '%s\t%s\t%s\t%s\t%s\n' "$tool" "$image" "$work/hf/$id.json" "${bytes:-}" "$note" >> "$rows"
}

images=(gold.vhdx big64.vhdx big64-fixed.vhd bloat.vhdx)
declare -A qfmt=([gold.vhdx]=vhdx [big64.vhdx]=vhdx [big64-fixed.vhd]=vpc [bloat.vhdx]=vhdx)
declare -A vbytes=()
for img in "${images[@]}"; do
  p=$work/$img
  # bytes vhdlint read, from its own counters
  set +e
  "$vhdlint" check --stats --format json "$p" > "$work/log/check-$img.json"
  check_rc=$?
  set -e
  [ "$check_rc" -le 1 ] || { echo "vhdlint check $img exited $check_rc" >&2; exit 1; }
  vbytes[$img]=$(python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["stats"]["bytes"])' "$work/log/check-$img.json")
  bytes=${vbytes[$img]} measure "vhdlint-$img" "vhdlint check" "$img" "$RUNS" "" -- \
    "$vhdlint" check --stats --format json "$p"
  measure "qemu-img-$img" "qemu-img info" "$img" "$RUNS" "container only" -- \
    qemu-img info -f "${qfmt[$img]}" "$p"
  measure "dissect-query-$img" "dissect.target (target-query -f osinfo)" "$img" "$SLOW_RUNS" "" -- \
    "$venv/bin/target-query" -f osinfo "$p"
  measure "dissect-api-$img" "dissect.target (Target.open().version)" "$img" "$SLOW_RUNS" "" -- \
    "$venv/bin/python" "$work/dissect_version.py" "$p"
  if [ -n "$vi_unavailable" ]; then
    printf '%s\t%s\t%s\t\t\n' "virt-inspector" "$img" "$vi_unavailable" >> "$rows"
  else
    measure "virt-inspector-$img" "virt-inspector" "$img" "$SLOW_RUNS" "TCG" -- \
      virt-inspector --format="${qfmt[$img]}" -a "$p"
    # The appliance itself would not start: the same holds for every image.
    if tail -1 "$rows" | cut -f3 | grep -q '^unavailable'; then vi_unavailable=$(tail -1 "$rows" | cut -f3); fi
  fi
done
for img in gold bloat; do
  measure "hivex-$img" "hivexget ($HIVEX_VALUES values)" "$img.vhdx" "$RUNS" \
    "extracted hives, $((${HIVEX_VALUES})) processes; SOFTWARE $(stat -c %s "$work/hives-$img/SOFTWARE") B" -- \
    "$work/hivex-values.sh" "$work/hives-$img/SOFTWARE" "$work/hives-$img/SYSTEM"
done

# hash: BLAKE3 of the virtual disk vs BLAKE3 of the raw file (what b3sum prints).
hashrows=$work/hash.tsv
: > "$hashrows"
if [ ! -e "$work/bloat.raw" ]; then qemu-img convert -f vhdx -O raw "$work/bloat.vhdx" "$work/bloat.raw"; fi
for img in gold bloat; do
  [ "$("$vhdlint" hash --virtual "$work/$img.vhdx" | cut -d' ' -f1)" = "$("$vhdlint" hash "$work/$img.raw" | cut -d' ' -f1)" ] \
    || { echo "hash --virtual $img.vhdx differs from hash $img.raw" >&2; exit 1; }
  rows_before=$rows
  rows=$hashrows
  measure "hash-raw-$img" "vhdlint hash (b3sum equivalent)" "$img.raw" "$RUNS" "" -- "$vhdlint" hash "$work/$img.raw"
  measure "hash-virtual-$img" "vhdlint hash --virtual" "$img.vhdx" "$RUNS" "" -- "$vhdlint" hash --virtual "$work/$img.vhdx"
  rows=$rows_before
done

# check of 32 images: one thread vs the default pool.
scalerows=$work/scale.tsv
: > "$scalerows"
rows_before=$rows
rows=$scalerows
# A batch takes ~15-40 ms, and on a shared VM the second core's speed drifts between runs (seen:
# the same two commands measured 1.53x and then 1.83x). So the one-thread and default runs are
# interleaved in rounds (PEERS_SCALE_ROUNDS, default 10, of RUNS each), and the report takes the
# median over every run of all rounds.
scale_rounds=${PEERS_SCALE_ROUNDS:-10}
for batch in gold mixed bloat; do
  case $batch in
    gold) imgs=("${many[@]}") label="gold.vhdx x32" ;;
    mixed) imgs=("${mixed[@]}") label="fixture matrix (32)" ;;
    bloat) imgs=("${many_bloat[@]}") label="bloat.vhdx x32" ;;
  esac
  for round in $(seq 1 "$scale_rounds"); do
    measure "scale-1-$batch-$round" "check, RAYON_NUM_THREADS=1" "$label" "$RUNS" "" -- \
      env RAYON_NUM_THREADS=1 "$vhdlint" check --format json "${imgs[@]}"
    measure "scale-n-$batch-$round" "check, default threads" "$label" "$RUNS" "" -- \
      "$vhdlint" check --format json "${imgs[@]}"
  done
done
rows=$rows_before

# peak RSS of one check.
rssrows=$work/rss.tsv
: > "$rssrows"
for img in big64.vhdx big64-fixed.vhd bloat.vhdx; do
  /usr/bin/time -v "$vhdlint" check --format json "$work/$img" >/dev/null 2>"$work/log/rss-$img.txt" || true
  printf '%s\t%s\n' "$img" "$(sed -n 's/.*Maximum resident set size (kbytes): //p' "$work/log/rss-$img.txt")" >> "$rssrows"
done

# the micro-benchmark for hash --virtual throughput (allocated data, 256 MiB)
bench_out=$work/log/cargo-bench-hash_virtual.txt
if [ "${PEERS_SKIP_CARGO_BENCH:-}" = 1 ]; then
  echo "skipped (PEERS_SKIP_CARGO_BENCH=1)" > "$bench_out"
else
  log "cargo bench --bench hash_virtual"
  cargo bench --bench hash_virtual > "$bench_out" 2>"$work/log/cargo-bench.err" \
    || echo "cargo bench failed: $(tail -3 "$work/log/cargo-bench.err")" >> "$bench_out"
fi

# ---- report -----------------------------------------------------------------------------------
load_end=$(cut -d' ' -f1-3 /proc/loadavg)
ver() { "$@" 2>/dev/null | head -1 || echo "?"; }
{
  echo "machine	$(nproc) cores, $(awk '/MemTotal/ {printf "%.0f GiB", $2/1048576}' /proc/meminfo), $(sed -n 's/^model name\s*: //p' /proc/cpuinfo | head -1)"
  echo "kernel	$(uname -r)"
  echo "date	$(date -u '+%Y-%m-%d %H:%M UTC')"
  echo "load average	$load_start at start, $load_end at end"
  echo "vhdlint	$("$vhdlint" --version) (git $(git rev-parse --short HEAD)$(git diff --quiet HEAD -- crates src Cargo.toml Cargo.lock || echo ', uncommitted changes'))"
  echo "rustc	$(ver rustc --version)"
  echo "dissect.target	$("$venv/bin/python" -c 'import importlib.metadata as m; print(m.version("dissect.target"))') (Python $("$venv/bin/python" -c 'import platform; print(platform.python_version())'))"
  echo "virt-inspector	$(ver virt-inspector --version), qemu-system-x86_64 $(ver qemu-system-x86_64 --version | sed 's/^QEMU emulator version //'), LIBGUESTFS_BACKEND=direct, force_tcg"
  echo "qemu-img	$(ver qemu-img --version | sed 's/^qemu-img version //')"
  echo "hivex	$(dpkg-query -W -f='libhivex-bin ${Version}' libhivex-bin 2>/dev/null || echo '?')"
  echo "hyperfine	$(ver hyperfine --version)"
} > "$work/machine.tsv"
{
  for img in "${images[@]}"; do
    printf '%s\t%s\t%s\n' "$img" "$(stat -c %s "$work/$img")" "$(du -B1 "$work/$img" | cut -f1)"
  done
  printf 'SOFTWARE (bloat)\t%s\t\n' "$(stat -c %s "$work/hives-bloat/SOFTWARE")"
  printf 'SYSTEM (bloat)\t%s\t\n' "$(stat -c %s "$work/hives-bloat/SYSTEM")"
} > "$work/images.tsv"

python3 - "$work" "$results" "$RUNS" "$SLOW_RUNS" <<'PY'
import json, os, re, sys
work, out, runs, slow = sys.argv[1], sys.argv[2], sys.argv[3], sys.argv[4]

def tsv(name):
    p = os.path.join(work, name)
    return [l.rstrip("\n").split("\t") for l in open(p) if l.strip()] if os.path.exists(p) else []

def median(ref):
    if not ref or ref.startswith("unavailable"):
        return None
    return json.load(open(ref))["results"][0]["median"]

def fmt_t(s):
    if s is None:
        return "—"
    return "%.1f ms" % (s * 1e3) if s < 1 else "%.2f s" % s

def fmt_b(b):
    return "%s (%.2f MiB)" % (format(int(b), ","), int(b) / 1048576) if b else "—"

rows = tsv("rows.tsv")
base = {r[1]: median(r[2]) for r in rows if r[0] == "vhdlint check"}
L = []
w = L.append
w("# vhdlint against its peers")
w("")
w("Produced by `benches/peers.sh` (issue 5, \"Speed\"): every tool in the same run, on the same")
w("images. Re-run: `bash benches/peers.sh` (as root; it installs the peers and builds the images).")
w("Medians from hyperfine: %s runs for vhdlint, qemu-img and hivex, %s for dissect.target and" % (runs, slow))
w("virt-inspector. Ratio = the peer's median ÷ vhdlint check's median on the same image (so 100×")
w("means vhdlint is 100 times faster). Bytes read: vhdlint's own count (`check --stats`,")
w("`.stats.bytes`); not measured for the peers. A note \"exits N: …\" means the tool failed on that")
w("image; its median is then the time to that error.")
w("")
m = dict((k, v) for k, v in tsv("machine.tsv"))
if m:
    la = m.get("load average", "")
    w("> Load average during the run: %s (1, 5, 15 min). On a busy machine the medians are noisy;" % la)
    w("> take the numbers from a quiet one.")
    w("")
w("## Images")
w("")
w("| image | size | allocated |")
w("| --- | ---: | ---: |")
for r in tsv("images.tsv"):
    w("| %s | %s | %s |" % (r[0], fmt_b(r[1]), fmt_b(r[2]) if len(r) > 2 and r[2] else "—"))
w("")
w("gold.vhdx: `testdata/images/gold.vhdx.xz`. big64: gold.raw grown sparse to 64 GiB (`truncate`,")
w("`sgdisk -e`), converted by qemu-img to dynamic VHDX and fixed VHD (force_size). bloat: gold with")
w("a real Windows SYSTEM hive (shared corpus, dissect.regf) and SOFTWARE inflated to 100+ MB with")
w("`hivexregedit --merge` (20,000 subkeys × 5 × 1 KiB REG_BINARY under an unrelated key), on a")
w("320 MiB NTFS volume. The fixtures' cmd.exe is a minimal PE32+ header, enough for")
w("virt-inspector's architecture probe.")
w("")
w("## Times")
w("")
def reports(ref):
    """What the tool said about the OS in its sanity run (log/<id>.out), to show that every
    tool read the same thing: product name, version, architecture where it reports them."""
    out = os.path.join(work, "log", os.path.basename(ref)[: -len(".json")] + ".out")
    try:
        text = open(out, encoding="utf-8", errors="replace").read()
    except OSError:
        return ""
    name = os.path.basename(out)
    try:
        if name.startswith("vhdlint-"):
            win = json.loads(text)["facts"]["windows"]
            val = lambda k: (win.get(k) or {}).get("value") if isinstance(win.get(k), dict) else win.get(k)
            return "%s %s" % (val("osName") or "?", val("version") or "?")
        if name.startswith("dissect-api-"):
            return text.strip().splitlines()[-1] if text.strip() else ""
        if name.startswith("virt-inspector-"):
            if "<operatingsystem>" not in text:
                return ""
            tag = lambda t: (re.search("<%s>([^<]*)</%s>" % (t, t), text) or [None, "?"])[1]
            return "%s %s.%s %s" % (tag("product_name"), tag("major_version"), tag("minor_version"), tag("arch"))
        if name.startswith("qemu-img-"):
            m = re.search(r"virtual size: ([^\n]*)", text)
            return "virtual size %s" % m.group(1) if m else ""
    except (ValueError, KeyError, IndexError, TypeError):
        return ""
    return ""

w("| tool | image | median | ratio vs vhdlint check | bytes read | reports | note |")
w("| --- | --- | ---: | ---: | ---: | --- | --- |")
for r in rows:
    r += [""] * (5 - len(r))
    tool, img, ref, b, note = r[:5]
    if ref.startswith("unavailable"):
        w("| %s | %s | %s | — | — | — | %s |" % (tool, img, ref, note))
        continue
    t = median(ref)
    bt = base.get(img)
    ratio = "%.0f×" % (t / bt) if bt and t and t / bt >= 10 else ("%.2f×" % (t / bt) if bt and t else "—")
    if tool.startswith("hivexget"):
        note = (note + "; " if note else "") + "%.1f ms per value" % (t * 1e3 / 14)
    said = reports(ref).replace("|", "\\|")
    w("| %s | %s | %s | %s | %s | %s | %s |" % (tool, img, fmt_t(t), ratio, fmt_b(b), said or "—", note.replace("|", "\\|")))
w("")
w("## Hash: BLAKE3 of the virtual disk vs of the raw file")
w("")
w("`vhdlint hash IMAGE.raw` is what b3sum computes (BLAKE3 of the file, memory-mapped, multithreaded).")
w("Throughput ratio = raw median ÷ virtual median (target ≥ 80 %).")
w("")
w("| command | image | median | throughput vs raw |")
w("| --- | --- | ---: | ---: |")
hr = tsv("hash.tsv")
hm = {}
for r in hr:
    hm[(r[0], r[1])] = median(r[2])
for r in hr:
    t = median(r[2])
    stem = r[1].split(".")[0]
    raw = hm.get(("vhdlint hash (b3sum equivalent)", stem + ".raw"))
    rel = "%.0f %%" % (100 * raw / t) if t and raw else "—"
    w("| %s | %s | %s | %s |" % (r[0], r[1], fmt_t(t) if t else r[2], rel))
w("")
w("For a 64 GiB image the throughput on allocated data is what matters: `cargo bench --bench")
w("hash_virtual` (256 MiB of non-zero data, raw vs VHD vs VHDX, same run):")
w("")
w("```")
bench = open(os.path.join(work, "log", "cargo-bench-hash_virtual.txt")).read().strip()
w(bench if bench else "(no output)")
w("```")
w("")
w("## Scaling and memory")
w("")
def times(ref):
    if not ref or ref.startswith("unavailable"):
        return []
    return json.load(open(ref))["results"][0]["times"]

pooled = {}
for r in tsv("scale.tsv"):
    pooled.setdefault((r[0], r[1]), []).extend(times(r[2]))
sc = {k: sorted(v)[len(v) // 2] if v else None for k, v in pooled.items()}
batches = []
for r in tsv("scale.tsv"):
    if r[1] not in batches:
        batches.append(r[1])
scales = {}
w("Medians over %d interleaved rounds of %s runs each (one thread, then the default pool)." % (
    max(len(v) for v in pooled.values()) // int(runs) if pooled else 0, runs))
w("")
w("| `check --format json` of | one thread | default threads | scaling ratio |")
w("| --- | ---: | ---: | ---: |")
for b in batches:
    one = sc.get(("check, RAYON_NUM_THREADS=1", b))
    many = sc.get(("check, default threads", b))
    scales[b] = one / many if one and many else None
    w("| %s | %s | %s | %s |" % (b, fmt_t(one), fmt_t(many), "%.2f×" % scales[b] if scales[b] else "—"))
w("")
w("The three batches: gold.vhdx under 32 names (about 0.7 ms of work per image, so the fixed cost")
w("of a process — start, thread pool, exit — weighs most); a fixture matrix (every image of")
w("testdata/images and the sample, big64.vhdx, big64-fixed.vhd and bloat.vhdx, filled up to 32 with")
w("second names of the first ones; some fail, as a CI matrix would); bloat.vhdx under 32 names (a")
w("real SYSTEM hive, 150 MB SOFTWARE).")
w("")
w("| measure | value |")
w("| --- | ---: |")
rss = tsv("rss.tsv")
for r in rss:
    w("| peak RSS, check of %s (`/usr/bin/time -v`) | %s |" % (r[0], "%.1f MiB" % (int(r[1]) / 1024) if len(r) > 1 and r[1] else "—"))
w("")
w("## Targets")
w("")
def rt(tool, img):
    for r in rows:
        if r[0] == tool and r[1] == img:
            return median(r[2]), r[2]
    return None, "not measured"
w("| target | measured | met |")
w("| --- | --- | --- |")
for img in ("big64.vhdx", "big64-fixed.vhd"):
    bt = base.get(img)
    for tool in ("dissect.target (target-query -f osinfo)", "dissect.target (Target.open().version)"):
        t, ref = rt(tool, img)
        w("| check of %s ≥ 100× faster than %s | %s | %s |" % (img, tool, "%.0f×" % (t / bt) if t and bt else ref, "yes" if t and bt and t / bt >= 100 else "no"))
    t, ref = rt("qemu-img info", img)
    w("| check of %s faster than qemu-img info | %s vs %s | %s |" % (img, fmt_t(bt), fmt_t(t) if t else ref, "yes" if t and bt and bt < t else "no"))
bmax = max((int(r[3]) for r in rows if r[0] == "vhdlint check" and r[3]), default=None)
w("| ≤ 2 MiB read per check (any image, bloat included) | %s | %s |" % (fmt_b(bmax), "yes" if bmax is not None and bmax <= 2 * 1048576 else "no"))
for b, sv in scales.items():
    w("| check of 32 images (%s) scales ≥ 1.7× on %s cores | %s | %s |" % (b, os.cpu_count(), "%.2f×" % sv if sv else "—", "yes" if sv and sv >= 1.7 else "no"))
r64 = [r for r in rss if r[0] == "big64.vhdx" and len(r) > 1 and r[1]]
if r64:
    mib = int(r64[0][1]) / 1024
    w("| peak RSS < 64 MiB (check of big64.vhdx) | %.1f MiB | %s |" % (mib, "yes" if mib < 64 else "no"))
for stem in ("gold", "bloat"):
    raw = hm.get(("vhdlint hash (b3sum equivalent)", stem + ".raw"))
    virt = hm.get(("vhdlint hash --virtual", stem + ".vhdx"))
    if raw and virt:
        w("| hash --virtual ≥ 80 %% of BLAKE3 of the raw file (%s) | %.0f %% | %s |" % (stem, 100 * raw / virt, "yes" if raw / virt >= 0.8 else "no"))
w("")
w("## Machine")
w("")
w("| | |")
w("| --- | --- |")
for k, v in tsv("machine.tsv"):
    w("| %s | %s |" % (k, v.replace("|", "\\|")))
open(out, "w").write("\n".join(L) + "\n")
PY
log "wrote $results"
