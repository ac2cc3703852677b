#!/usr/bin/env bash
# Runs fuzz targets for SECONDS each (default 30) on this machine's stable toolchain
# (`cargo fuzz run -O -s none`: no sanitizer, release semantics; see ../../shared/docs/crates.md §9).
#
#   fuzz/run.sh [SECONDS] [TARGET...]     # no TARGET: every target `cargo fuzz list` shows
#
# Seeds are copied at run time, never committed: each target's fixtures from ../testdata and,
# when present, the matching files of ../../shared/corpus, decompressed into
# fuzz/corpus-run/seeds-<target>/. libFuzzer keeps what it learns in fuzz/corpus-run/<target>/
# (git-ignored, reused by the next run). A crash lands in fuzz/artifacts/<target>/: minimize it
# (`cargo fuzz tmin -O -s none <target> <file>`), move it to fuzz/regressions/<target>/ (then
# `cargo test --test fuzz_replay` replays it) and add a named regression test.
# Exits non-zero when any target crashed, leaked past the RSS limit or timed out.
set -euo pipefail
cd "$(dirname "$0")"
secs=${1:-30}
shift || true
command -v cargo-fuzz >/dev/null || cargo install cargo-fuzz --locked
if [ $# -gt 0 ]; then targets=("$@"); else mapfile -t targets < <(cargo fuzz list); fi
corpus=${VHDLINT_CORPUS:-../../shared/corpus} # where the tests find it too (testkit)
run=corpus-run

# Decompresses (by suffix) or copies file $1 into folder $2.
seed() {
  local f=$1 dir=$2 name
  name=$(echo "$f" | sed 's#^\(\.\./\)*##' | tr '/' '_')
  case "$f" in
    *.xz) xz -dc "$f" >"$dir/${name%.xz}" ;;
    *.bz2) bzip2 -dc "$f" >"$dir/${name%.bz2}" ;;
    *.gz) gzip -dc "$f" >"$dir/${name%.gz}" ;;
    *) cp "$f" "$dir/$name" ;;
  esac
}

# The fixtures (testdata globs, then shared-corpus folders) each target starts from.
seeds_of() {
  case "$1" in
    container | vhd | vhdx) echo "../testdata/container/*.xz ../testdata/sample/sample.vhd |vhd vhdx" ;;
    volumes) echo "../testdata/volumes/*.xz |gpt" ;;
    filesystems) echo "../testdata/filesystems/*.xz |ntfs" ;;
    registry_hive | registry_log) echo "../testdata/hives/*.xz |hives bcd" ;;
    bcd) echo "../testdata/hives/bcd-fixture.hive.xz |bcd" ;;
    answer_file) echo "../crates/artifacts/tests/seeds/* |" ;;
    sam) echo "../testdata/hives/fixture.hive.xz |hives/museum-win10 hives/museum-win11" ;;
    pipeline) echo "|" ;; # compact seeds below
    unattend) echo "../testdata/images/stale-unattend.xml |" ;;
    text | state_ini) echo "../testdata/images/stale-unattend.xml |" ;; # + State.ini below
    sid) echo "|" ;; # the domain-joined fixture's SID values below
    pe) echo "/usr/lib/shim/shimx64.efi.signed /usr/lib/shim/mmx64.efi /usr/lib/shim/fbx64.efi |" ;;
    authenticode) echo "../testdata/authenticode/*.p7 |" ;;
    panther) echo "../testdata/artifacts/*.log |" ;;
    task_xml) echo "../testdata/artifacts/*.xml |" ;;
    hiberfil) echo "../testdata/artifacts/hiberfil-header.bin |" ;;
    bcd_device) echo "|" ;; # element bytes extracted from the corpus stores below
    *) echo "|" ;;
  esac
}

# Largest input per target (libFuzzer cuts longer seeds): whole-disk seeds need room, but every
# byte costs time per execution, so each target keeps what its structures need.
max_len_of() {
  case "$1" in
    pipeline) echo $((1 << 20)) ;;
    filesystems) echo $((8 << 20)) ;;
    container | vhd | vhdx) echo $((8 << 20)) ;;
    volumes) echo $((1 << 20)) ;;
    registry_hive | registry_log | bcd | sam) echo $((2 << 20)) ;;
    unattend | text | state_ini | answer_file) echo $((64 << 10)) ;;
    sid) echo 4096 ;;
    pe) echo $((2 << 20)) ;;
    authenticode | task_xml | hiberfil | bcd_device) echo $((64 << 10)) ;;
    panther) echo $((1 << 20)) ;;
    *) echo $((16 << 20)) ;;
  esac
}

# libFuzzer keeps its whole corpus in memory: with disk images of several MiB per input the corpus
# alone grows past 2 GiB in a 10-minute run (seen on `filesystems`: an "out-of-memory" whose input
# peaks at 54 MiB when run alone, and 47 MiB for all 377 corpus inputs in one process — no leak).
# So the RSS limit is generous; one allocation above 1 GiB is still a finding (-malloc_limit_mb),
# and tests/hostile bounds every input's peak with a counting allocator.
# The bound of issue 12: any input finishes in about a second and a few tens of MiB. One input's
# allocation above 64 MiB (MAX_VALUE_DATA, the largest single buffer a reader may take) is a
# finding; -timeout is the 1 s CPU bound with slack for a machine shared by several jobs.
# The RSS limit stays above libFuzzer's own baseline (its in-memory corpus of multi-MiB disk
# images, see above): whole-process RSS, so per input the malloc limit is the sharp one.
# Whole-disk targets (8 MiB inputs, NTFS/VHDX caches by bytes) get 256 MiB per allocation.
malloc_limit_of() {
  case "$1" in
    container | vhd | vhdx | filesystems | pipeline | volumes) echo "${VHDLINT_FUZZ_MALLOC_MB:-256}" ;;
    *) echo "${VHDLINT_FUZZ_MALLOC_MB:-64}" ;;
  esac
}
timeout=${VHDLINT_FUZZ_TIMEOUT:-3}
rss_limit=${VHDLINT_FUZZ_RSS_MB:-2048}
status=0
summary=()
for target in "${targets[@]}"; do
  seeds="$run/seeds-$target"
  rm -rf "$seeds"
  mkdir -p "$seeds" "$run/$target"
  spec=$(seeds_of "$target")
  for f in ${spec%%|*}; do [ -f "$f" ] && seed "$f" "$seeds"; done
  if [ -d "$corpus" ]; then
    for sub in ${spec#*|}; do
      [ -d "$corpus/$sub" ] || continue
      while IFS= read -r f; do seed "$f" "$seeds"; done < <(find "$corpus/$sub" -type f ! -name '*.md')
    done
  fi
  case "$target" in
    text | state_ini) # State.ini as Windows writes it (UTF-16LE, BOM, CRLF), as generate.sh does
      { printf '\xff\xfe'; printf '[State]\r\nImageState=IMAGE_STATE_GENERALIZE_RESEAL_TO_OOBE\r\n' |
        iconv -f ASCII -t UTF-16LE; } >"$seeds/State.ini" ;;
    sid) # PolPrDmS and PolPrDmN of testdata/images/overrides/domain-joined.security.reg
      awk '/^@=hex\(0\):/{sub(/^@=hex\(0\):/, ""); gsub(/[,\r]/, ""); print}' \
        ../testdata/images/overrides/domain-joined.security.reg |
        { n=0; while read -r hex; do n=$((n + 1)); echo "$hex" | xxd -r -p >"$seeds/security-$n.bin"; done; } ;;
  esac
  if [ "$target" = registry_log ] && [ -d "$corpus" ]; then
    # Each corpus hive joined with each of its logs in the layout the target splits (a real
    # dirty hive plus a real log that replays), not only the files one by one.
    python3 log_seeds.py "$corpus" "$seeds" "$(max_len_of "$target")" ||
      echo "!! could not join hive+log seeds; fuzzing registry_log from single files"
  fi
  if [ "$target" = registry_hive ] || [ "$target" = bcd ] || [ "$target" = registry_log ]; then
    # Issue 12's registry worst cases (shared subkey list, repeated values, reused big-data
    # segments, one-byte dirty pages, shared BCD elements), written by tests/hostile/worst_reg.rs.
    (cd .. && VHDLINT_WORST_SEEDS="$PWD/fuzz/$seeds" \
      CARGO_TARGET_DIR="${VHDLINT_TEST_TARGET_DIR:-${CARGO_TARGET_DIR:-$PWD/target}}" cargo test --release --quiet --test hostile -- \
      --exact worst_reg::write_worst_case_seeds >/dev/null) ||
      echo "!! could not write the registry worst-case seeds"
  fi
  if [ "$target" = filesystems ]; then
    # Issue 12's file-system worst cases ($MFT extents aliasing one cluster, the LZNT1 file of
    # 4 GiB from one cluster, a FAT directory chained to itself), written by tests/hostile/worst_fs.rs.
    (cd .. && VHDLINT_WORST_SEEDS="$PWD/fuzz/$seeds" \
      CARGO_TARGET_DIR="${VHDLINT_TEST_TARGET_DIR:-${CARGO_TARGET_DIR:-$PWD/target}}" cargo test --release --quiet --test hostile -- \
      --exact worst_fs::write_worst_fs_seeds >/dev/null) ||
      echo "!! could not write the file-system worst-case seeds"
  fi
  if [ "$target" = container ] || [ "$target" = vhdx ] || [ "$target" = volumes ]; then
    # Issue 12's container worst cases in fuzz-input sizes (a VHDX log restarting at every
    # sector, a log of 128 entries, GPTs of 1,024 overlapping and 2,048 used entries), written by
    # tests/hostile/worst_container.rs.
    (cd .. && VHDLINT_WORST_SEEDS="$PWD/fuzz/$seeds" \
      CARGO_TARGET_DIR="${VHDLINT_TEST_TARGET_DIR:-${CARGO_TARGET_DIR:-$PWD/target}}" cargo test --release --quiet --test hostile -- \
      --exact worst_container::write_worst_container_seeds >/dev/null) ||
      echo "!! could not write the container worst-case seeds"
  fi
  if [ "$target" = bcd_device ] && [ -d "$corpus/bcd" ]; then
    ./bcd-device-seeds.sh "$corpus" "$seeds" >/dev/null ||
      echo "!! could not extract BCD device elements (python3-hivex?); fuzzing bcd_device from scratch"
  fi
  if [ "$target" = pipeline ]; then
    # The whole-image fixtures are 56–128 MiB, far too big for libFuzzer; a test writes a
    # ~400 KiB dynamic VHD holding only the blocks `check` reads of testdata/images/gold.raw
    # (same facts), built from the fixtures at run time.
    # VHDLINT_TEST_TARGET_DIR: where the workspace's release tests are built (default: its own).
    (cd .. && VHDLINT_FUZZ_SEEDS="$PWD/fuzz/$seeds" \
      CARGO_TARGET_DIR="${VHDLINT_TEST_TARGET_DIR:-${CARGO_TARGET_DIR:-$PWD/target}}" cargo test --release --quiet --test hostile -- \
      --exact sweep::compact_seed_gives_the_fixtures_facts >/dev/null) ||
      echo "!! could not write the compact pipeline seed; fuzzing pipeline from scratch"
  fi
  echo "== $target for ${secs}s ($(ls "$seeds" | wc -l) seeds)"
  log="$run/$target.log"
  if cargo fuzz run -O -s none "$target" "$run/$target" "$seeds" -- \
      -max_total_time="$secs" -len_control=0 -max_len="$(max_len_of "$target")" \
      -rss_limit_mb="$rss_limit" -malloc_limit_mb="$(malloc_limit_of "$target")" -timeout="$timeout" \
      -print_final_stats=1 >"$log" 2>&1; then
    result=ok
  else
    result="FAILED (see fuzz/$log; reproducer in fuzz/artifacts/$target/)"
    status=1
    tail -40 "$log"
  fi
  runs=$(grep -o 'stat::number_of_executed_units: *[0-9]*' "$log" | grep -o '[0-9]*$' || echo '?')
  summary+=("$target: $runs executions in ${secs}s: $result")
done
printf '%s\n' "== summary" "${summary[@]}"
exit $status
