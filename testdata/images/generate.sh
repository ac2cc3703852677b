#!/usr/bin/env bash
# Builds vhdlint's whole-image fixtures with third-party writers only: a small "gold" Windows 11
# 23H2 Enterprise disk (generalized, Gen2/GPT, never joined) and variants that each differ from
# it in one thing, for rule tests. README.md beside this script lists every image and the facts
# it holds; keep both, and the EXPECTED table below, in step.
#
# Gold disk (128 MiB, 512-byte sectors, GPT written by sgdisk, fixed GUIDs):
#   1 ESP   EF00  40 MiB  FAT32 (mkfs.fat -F 32 -s 1), files written with mtools:
#                         EFI/Microsoft/Boot/bootmgfw.efi, EFI/Boot/bootx64.efi (MZ stubs),
#                         EFI/Microsoft/Boot/BCD (hive built from bcd.reg)
#   2 MSR   0C01  16 MiB  no file system (zeros)
#   3 data  0700  70 MiB  NTFS (mkntfs -Q -T, label "Windows"), files written through ntfs-3g
#                         (FUSE): Windows/System32/config/{SYSTEM,SOFTWARE,SECURITY},
#                         Windows/System32/cmd.exe (a PE32+ header stub), Sysprep tag, Windows/Setup/State/State.ini,
#                         Users/Default/NTUSER.DAT, hosts with a Zone.Identifier stream.
# Hives start from hivex's empty hive (shared/corpus/hives/hivex-minimal.hive, copied to a temp
# dir) and are filled by `hivexregedit --merge` from the .reg files here (system.reg,
# software.reg, security.reg, ntuser.reg, bcd.reg). A variant = gold + overrides/VARIANT.HIVE.reg
# merged on top + the file-level changes in configure() below (extra files, a grown disk, or one
# of the deliberate byte patches: make_dirty and patch_disk, the only bytes no third-party tool
# wrote).
#
# Outputs (xz -9e): gold.raw.xz, gold.vhdx.xz (qemu-img vhdx dynamic), gold-fixed.vhd.xz
# (qemu-img vpc fixed, force_size: the Azure upload format), gold-dynamic.vhd.xz (qemu-img vpc
# dynamic, force_size) and VARIANT.vhdx.xz for each variant. too-large is an 80 GiB disk: its raw
# stays sparse in the temp dir and its VHDX holds only gold's blocks and the backup GPT.
#
# Needs (Debian): gdisk (sgdisk), fdisk (sfdisk), dosfstools (mkfs.fat, fsck.fat), mtools,
# ntfs-3g (mkntfs, ntfslabel, ntfs-3g, ntfsls, ntfscat) plus /dev/fuse and the right to mount
# FUSE file systems (root), libhivex-bin + libwin-hivex-perl (hivexregedit, hivexget, hivexsh),
# qemu-utils (qemu-img), xz-utils, shim-signed (/usr/lib/shim/shimx64.efi.signed: the Microsoft-signed
# EFI application used as bootmgfw.efi), python3 (glue only: JSON, the dirty-hive patch, the BCD
# device patch). Optional:
# faketime (libfaketime), which pins every timestamp the tools write to FIXTURE_TIME.
#
# Determinism: with libfaketime present, the raw disks are byte-identical from run to run
# (fixed GUIDs, volume ids and serials; mkntfs -T; hivex keeps the minimal hive's times).
# The .vhdx/.vhd containers still hold random GUIDs that qemu-img draws (VHDX file/data write
# GUIDs, the VHD footer UUID), so their bytes change on every run; their disk contents do not.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
cd "$here"
for tool in sgdisk sfdisk mkfs.fat fsck.fat mmd mcopy mkntfs ntfslabel ntfs-3g ntfsls ntfscat \
  hivexregedit hivexget hivexsh qemu-img xz python3 iconv chntpw ssh-keygen; do
  command -v "$tool" >/dev/null || { echo "$tool is required (see the top of $0)" >&2; exit 1; }
done
[ -e /dev/fuse ] || { echo "/dev/fuse is required (ntfs-3g)" >&2; exit 1; }
corpus=${VHDLINT_CORPUS:-$here/../../../shared/corpus}
minimal="$corpus/hives/hivex-minimal.hive"
[ -f "$minimal" ] || { echo "missing $minimal (set VHDLINT_CORPUS)" >&2; exit 1; }

work=$(mktemp -d)
cleanup() {
  if mountpoint -q "$work/mnt" 2>/dev/null; then umount "$work/mnt"; fi
  rm -rf "$work"
}
trap cleanup EXIT
mkdir "$work/mnt"

FIXTURE_TIME="2024-01-01 00:00:00"
libfaketime=""
for f in /usr/lib/*/faketime/libfaketime.so.1 /usr/lib/faketime/libfaketime.so.1; do
  if [ -f "$f" ]; then libfaketime=$f; break; fi
done
[ -n "$libfaketime" ] || echo "note: libfaketime not found; timestamps will be today's" >&2
# ft CMD...: run CMD with the clock frozen at FIXTURE_TIME (UTC), when libfaketime is there.
ft() {
  if [ -n "$libfaketime" ]; then
    TZ=UTC LD_PRELOAD="$libfaketime" FAKETIME="$FIXTURE_TIME" "$@"
  else
    "$@"
  fi
}
export MTOOLS_SKIP_CHECK=1

# pattern TEXT N: TEXT repeated and cut to N bytes (the contents of every stub file).
pattern() { python3 -c 'import sys; t=sys.argv[1].encode(); n=int(sys.argv[2]); sys.stdout.buffer.write((t*(n//len(t)+1))[:n])' "$1" "$2"; }

# pe_stub TEXT SIZE [SUBSYSTEM] [MACHINE]: a program stub that other inspectors accept (libguestfs
# reads the architecture of cmd.exe from it): a minimal PE32+ header for x86-64 (or MACHINE),
# console subsystem (or SUBSYSTEM: 1 native, 10 EFI application), no sections, then TEXT repeated
# from offset 0x200 to SIZE bytes. Not a runnable program.
pe_stub() {
  python3 - "$1" "$2" "${3:-3}" "${4:-0x8664}" <<'PY'
import struct, sys
text, size = sys.argv[1].encode(), int(sys.argv[2])
subsystem, machine = int(sys.argv[3]), int(sys.argv[4], 0)
b = bytearray(size)
b[0:2] = b"MZ"
struct.pack_into("<I", b, 0x3C, 0x80)                               # e_lfanew
b[0x80:0x84] = b"PE\0\0"
struct.pack_into("<HHIIIHH", b, 0x84, machine, 0, 0, 0, 0, 0xF0, 0x22) # AMD64, 0 sections, opt. header 240 B
struct.pack_into("<H", b, 0x98, 0x20B)                              # optional header magic: PE32+
struct.pack_into("<H", b, 0x98 + 68, subsystem)                     # subsystem: 3 = Windows console
fill = (text * (size // len(text) + 1))[: size - 0x200]
b[0x200:] = fill
sys.stdout.buffer.write(bytes(b))
PY
}

MIB_SECTORS=2048 # 1 MiB in 512-byte sectors
LOADER_GUID='{6a6c1f1b-59d4-11ea-9438-9d1b7e0c1a30}'
DISK_GUID=76686c74-0000-4000-8000-000000000000
part_guid() { printf '76686c74-0000-4000-8000-%012d' "$1"; }
OS_SERIAL=76686c7400000003   # NTFS volume serial of the Windows volume
RE_SERIAL=76686c7400000004   # NTFS volume serial of the recovery volume
ESP_VOLID=76686C01           # FAT volume id of the ESP
MBR_SIGNATURE=0x76686c74     # gen1-mbr disk signature

VARIANTS=(not-generalized aad-joined pro-edition win10-1909 multi-session recovery-partition
  gen1-mbr stale-unattend cdrom-disabled domain-joined workgroup-empty-sid mdm-enrolled
  reserved-storage dirty-hive win10-22h2 win11-24h2 server-2022 aad-login-residue too-large
  bitlocker corrupt-gpt
  bcd-foreign-device missing-loader unsigned-bootmgr testsigning storvsc-disabled vmbus-absent
  netvsc-disabled arch-mismatch)
# Audit variants (vhdlint audit, issue 15): appended, each differs from gold in one audit area.
VARIANTS+=(audit-secrets audit-accounts audit-posture audit-lsa)
# LSA service secret and cached domain logons (VS0005, VS0006).
VARIANTS+=(audit-domain-cache)
# Issue 14 (clean state, refused software, reachability).
VARIANTS+=(pending-reboot hibernated sysprep-appx-failure sysprep-no-vm-mode
  fslogix avd-agent configmgr uwf rdp-disabled maintenance-tasks volume-dirty)
# Issue 13: drive letters through SYSTEM\MountedDevices (ls/cat 'E:\…').
VARIANTS+=(drive-letters)

# configure VARIANT: the file-level knobs; gold's values first, then the variant's one change.
# (Registry changes live in overrides/VARIANT.HIVE.reg and are picked up by make_hive.)
configure() {
  variant=$1
  layout=gpt                 # gpt (UEFI, Gen2) or mbr (BIOS, Gen1)
  recovery=no                # yes: a 4th GPT partition, Windows RE (2700), after the OS
  sysprep_tag=yes            # Windows/System32/Sysprep/Sysprep_succeeded.tag
  image_state=IMAGE_STATE_GENERALIZE_RESEAL_TO_OOBE  # written to State.ini
  unattend=no                # yes: Windows/Panther/unattend.xml = stale-unattend.xml
  dirty_system=no            # yes: SYSTEM's primary sequence bumped (dirty, no logs)
  aad_plugin=no              # yes: Packages/Plugins/...AADLoginForWindows/2.1.0.0/HandlerManifest.json
  grow_to=""                 # e.g. 80G: the finished disk grown (sparse) and its GPT backup moved
  patch=none                 # fve: OS boot sector OEM id -> -FVE-FS-; gpt: both GPT signatures zeroed
  sam=gold                   # SAM (make_sam): gold = museum-win10 SAM with the build user (1001) taken
                             # out of Administrators and disabled (chntpw); accounts = Administrator and
                             # Guest enabled (chntpw), the build user an enabled admin without password
  security_hive=reg          # reg: built from security.reg; museum: the real museum-win10 SECURITY
                             # (a DefaultPassword LSA secret, DPAPI_SYSTEM, NL$KM)
  audit_task=no              # yes: audit-task.xml (UTF-16LE, BOM) as Windows\System32\Tasks\BuildCleanup
  audit_files=no             # yes: audit-unattend.xml in Panther\Unattend + a leftover profile
                             # Users\builder with credential files (populate_audit_secrets)
  bcd_devices=this           # this: BCD device elements patched to this disk; foreign: the loader's left as in the corpus store
  kernel_files="winload.efi winload.exe ntoskrnl.exe hal.dll" # PE stubs in Windows/System32
  bootmgfw=shim              # shim: Debian's Microsoft-signed shimx64.efi.signed; unsigned: an unsigned EFI PE stub
  # Issue 14 knobs:
  panther=vm-mode            # panther/NAME.setup{act,err}.log -> Windows/System32/Sysprep/Panther; none: no log
  hiberfil=no                # yes: hiberfil.sys whose header page starts with "HIBR"
  tasks=no                   # yes: the defrag and chkdsk maintenance tasks (tasks/*.xml), enabled
  extra_dirs=()              # folders created on C: (each with a placeholder file)
  pending_xml=no             # yes: Windows/WinSxS/pending.xml
  case $variant in
    gold) ;;
    not-generalized) sysprep_tag=no; image_state=IMAGE_STATE_COMPLETE ;;
    recovery-partition) recovery=yes ;;
    gen1-mbr) layout=mbr ;;
    stale-unattend) unattend=yes ;;
    dirty-hive) dirty_system=yes ;;
    aad-login-residue) aad_plugin=yes ;; # + overrides/aad-login-residue.software.reg
    too-large) grow_to=80G ;;
    bitlocker) patch=fve ;;
    corrupt-gpt) patch=gpt ;;
    bcd-foreign-device) bcd_devices=foreign ;;
    missing-loader) kernel_files="winload.exe ntoskrnl.exe hal.dll" ;;
    unsigned-bootmgr) bootmgfw=unsigned ;;
    testsigning | storvsc-disabled | vmbus-absent | netvsc-disabled | arch-mismatch) ;; # registry only
    pending-reboot) pending_xml=yes ;; # + overrides/pending-reboot.{system,software}.reg
    volume-dirty) patch=ntfsdirty ;;
    hibernated) hiberfil=yes ;;
    sysprep-appx-failure) sysprep_tag=no; image_state=IMAGE_STATE_COMPLETE; panther=appx-failure ;;
    sysprep-no-vm-mode) panther=no-vm-mode ;;
    fslogix) extra_dirs=("Program Files/FSLogix/Apps") ;; # + overrides/fslogix.system.reg
    avd-agent) extra_dirs=("Program Files/Microsoft RDInfra") ;; # + overrides/avd-agent.*.reg
    configmgr) extra_dirs=("Windows/CCM") ;; # + overrides/configmgr.*.reg
    maintenance-tasks) tasks=yes ;;
    uwf | rdp-disabled | drive-letters) ;; # registry only
    aad-joined | pro-edition | win10-1909 | multi-session | cdrom-disabled | domain-joined | \
      workgroup-empty-sid | mdm-enrolled | reserved-storage | win10-22h2 | win11-24h2 | \
      server-2022) ;; # registry only
    audit-secrets) audit_files=yes ;; # + overrides/audit-secrets.software.reg
    audit-accounts) sam=accounts ;;
    audit-posture) audit_task=yes ;; # + overrides/audit-posture.{software,system,bcd}.reg
    audit-lsa) security_hive=museum ;;
    audit-domain-cache) ;; # registry only: overrides/audit-domain-cache.security.reg
    *) echo "unknown variant $variant" >&2; exit 1 ;;
  esac
}

# make_hive OUT BASE: copy of hivex-minimal.hive + BASE.reg + overrides/$variant.BASE.reg.
make_hive() {
  local out=$1 base=$2
  cp "$minimal" "$out"
  chmod u+w "$out"
  hivexregedit --merge "$out" "$base.reg"
  if [ -f "overrides/$variant.$base.reg" ]; then
    hivexregedit --merge "$out" "overrides/$variant.$base.reg"
  fi
}

# make_dirty HIVE: a crafted corruption. Bump the base block's primary sequence number (offset 4)
# so it no longer equals the secondary one (offset 8), then store the XOR-32 of the first 508
# bytes at offset 508 so the checksum stays valid: the hive is dirty, not corrupt.
make_dirty() {
  python3 - "$1" <<'PY'
import struct, sys
path = sys.argv[1]
b = bytearray(open(path, "rb").read())
assert b[:4] == b"regf"
primary, secondary = struct.unpack_from("<II", b, 4)
assert primary == secondary
struct.pack_into("<I", b, 4, primary + 1)
x = 0
for (w,) in struct.iter_unpack("<I", bytes(b[:508])):
    x ^= w
x = {0: 1, 0xFFFFFFFF: 0xFFFFFFFE}.get(x, x)
struct.pack_into("<I", b, 508, x)
open(path, "wb").write(b)
PY
}

# make_hives DIR: every hive of the image, for the current variant.
make_hives() {
  local d=$1
  mkdir -p "$d"
  make_hive "$d/SYSTEM" system
  make_hive "$d/SOFTWARE" software
  make_hive "$d/SECURITY" security
  make_hive "$d/NTUSER.DAT" ntuser
  make_hive "$d/BCD" bcd
  bcd_devices_reg "$d/devices.reg"
  hivexregedit --merge "$d/BCD" "$d/devices.reg"
  if [ "$dirty_system" = yes ]; then make_dirty "$d/SYSTEM"; fi
  make_sam "$d/SAM"
  if [ "$security_hive" = museum ]; then
    xz -dc "$corpus/hives/museum-win10/SECURITY.xz" > "$d/SECURITY"
    xz -dc "$corpus/hives/museum-win10/SECURITY.LOG1.xz" > "$d/SECURITY.LOG1"
  fi
}

# make_sam OUT: the SAM hive, written by chntpw on the real museum-win10 SAM (accounts in
# shared/corpus/MANIFEST.md: Administrator 500, Guest 501, DefaultAccount 503,
# WDAGUtilityAccount 504 disabled; AndrewRathbun 1001 enabled, an administrator, no NT hash
# stored: no password), per $sam.
# chntpw -l reads the result back (Admin? and Lock? columns).
make_sam() {
  local out=$1 listing
  xz -dc "$corpus/hives/museum-win10/SAM.xz" > "$out"
  case $sam in
    gold)
      # Out of Administrators (user edit menu), then disabled: ACB (F value, offset 0x38)
      # 0x0214 -> 0x0215 through chntpw's registry editor (its user menu cannot disable).
      printf '5\n220\nq\ny\n' | chntpw -u 0x3e9 "$out" >/dev/null 2>&1 || true
      printf 'cd SAM\\Domains\\Account\\Users\\000003E9\ned F\n\n:38 15\ns\nq\ny\n' \
        | chntpw -e "$out" >/dev/null 2>&1 || true
      ;;
    accounts)
      local rid
      for rid in 0x1f4 0x1f5; do printf '2\nq\ny\n' | chntpw -u "$rid" "$out" >/dev/null 2>&1 || true; done
      ;;
  esac
  listing=$(chntpw -l "$out" | grep '^| 0')
  case $sam in
    gold)
      grep -q '03e9 | AndrewRathbun  *|        | dis/lock' <<<"$listing" || { echo "make_sam: 1001 an admin or enabled" >&2; exit 1; }
      grep -q '01f4 | Administrator  *| ADMIN  | dis/lock' <<<"$listing" || { echo "make_sam: 500 not disabled" >&2; exit 1; } ;;
    accounts)
      grep -q '01f4 | Administrator  *| ADMIN  |          |' <<<"$listing" || { echo "make_sam: 500 not enabled" >&2; exit 1; }
      grep -q '01f5 | Guest  *|        |          |' <<<"$listing" || { echo "make_sam: 501 not enabled" >&2; exit 1; } ;;
  esac
}

# populate_audit_secrets ROOT HIVES: what a build leaves behind (audit-secrets): an answer file
# with passwords, and the build user's profile with an SSH key (ssh-keygen), AWS keys, Git
# credentials and a PowerShell history that handles a password. Every password is a planted
# test secret (tests/cli/audit.rs lists them).
populate_audit_secrets() {
  local m=$1 h=$2 u="$1/Users/builder"
  mkdir -p "$m/Windows/Panther/Unattend" "$u/.ssh" "$u/.aws" \
    "$u/AppData/Roaming/Microsoft/Windows/PowerShell/PSReadLine" "$u/Documents"
  cp audit-unattend.xml "$m/Windows/Panther/Unattend/unattend.xml"
  cp "$h/NTUSER.DAT" "$u/NTUSER.DAT"
  rm -f "$work/id_ed25519" "$work/id_ed25519.pub"
  ssh-keygen -q -t ed25519 -N '' -C builder@fixture -f "$work/id_ed25519"
  cp "$work/id_ed25519" "$u/.ssh/id_ed25519"
  cp "$work/id_ed25519.pub" "$u/.ssh/id_ed25519.pub"
  printf '[default]\r\naws_access_key_id = AKIAPLANTEDFIXTURE01\r\naws_secret_access_key = PlantedAwsSecretKey0123456789abcdefGHIJ\r\n' > "$u/.aws/credentials"
  printf 'https://builder:Planted-Git-Secret4@dev.azure.com\n' > "$u/.git-credentials"
  printf 'Get-ChildItem C:\\build\r\n$p = ConvertTo-SecureString \x27Planted-History-Secret2\x27 -AsPlainText -Force\r\nInstall-Module Az\r\n' \
    > "$u/AppData/Roaming/Microsoft/Windows/PowerShell/PSReadLine/ConsoleHost_history.txt"
  printf 'notes\r\n' > "$u/Documents/readme.txt"
  # A Windows XP-era sysprep.inf beside Sysprep: the administrator password as Setup Manager
  # stores it when told to encrypt it (a hash, EncryptedAdminPassword=Yes): VS0002.
  printf '[Unattended]\r\nOemSkipEula=Yes\r\n\r\n[GuiUnattended]\r\nAdminPassword="9f1c5ee0a3b74d2c8e6f1a2bPlanted05e6f9f1c5ee0a3b74d2c8e6f1a2b3c4d"\r\nEncryptedAdminPassword=Yes\r\nOEMSkipRegional=1\r\n' \
    > "$m/Windows/System32/Sysprep/sysprep.inf"
}

# bcd_devices_reg OUT: the device elements (11000001 device, 21000001 osdevice) of {bootmgr} and
# the loader, taken from the real store corpus/bcd/regipy/BCD (a Windows 10 ESP store: its
# {bootmgr} and its "Windows 10" loader {733b62e5-...}) and patched to this disk (the layout of
# windows-image-facts.md §14.1.1): GPT partition unique GUID at 0x20, disk GUID at 0x38; on MBR
# the partition's byte offset at 0x20, style 1 at 0x34, the disk signature at 0x38. With
# bcd_devices=foreign the loader's two elements keep the corpus store's disk and partition.
bcd_devices_reg() {
  local out=$1 src="$work/corpus-BCD"
  [ -f "$src" ] || xz -dc "$corpus/bcd/regipy/BCD.xz" > "$src"
  local real_loader='{733b62e5-f608-11eb-825c-c112f60133ab}' bootmgr='{9dea862c-5cdd-4e70-acc1-f32b344d4795}'
  local el
  : > "$work/devices.in"
  for el in "$bootmgr 11000001" "$real_loader 11000001" "$real_loader 21000001"; do
    set -- $el
    hivexregedit --export "$src" "\\Objects\\$1\\Elements\\$2" | sed -n 's/^"Element"=hex(3)://p' >> "$work/devices.in"
  done
  python3 - "$work/devices.in" "$out" "$layout" "$bcd_devices" "$DISK_GUID" "$(part_guid 1)" "$(part_guid 3)" \
    "$MBR_SIGNATURE" "$((MIB_SECTORS * 512))" "$LOADER_GUID" <<'PY'
import struct, sys, uuid
src, out, layout, mode, disk, esp, osp, sig, mbr_off, loader = sys.argv[1:]
rows = [bytes(int(x, 16) for x in line.strip().split(",")) for line in open(src) if line.strip()]
assert len(rows) == 3 and all(len(r) == 88 and r[16] == 6 and r[0x34] == 0 for r in rows), "corpus store changed"
def patch(b, part):
    b = bytearray(b)
    if layout == "mbr":
        b[0x20:0x30] = struct.pack("<Q", int(mbr_off)) + bytes(8)
        struct.pack_into("<I", b, 0x34, 1)
        b[0x38:0x48] = struct.pack("<I", int(sig, 0)) + bytes(12)
    else:
        b[0x20:0x30] = uuid.UUID(part).bytes_le
        b[0x38:0x48] = uuid.UUID(disk).bytes_le
    return bytes(b)
bm = patch(rows[0], esp)
ld, od = (rows[1], rows[2]) if mode == "foreign" else (patch(rows[1], osp), patch(rows[2], osp))
hx = lambda b: ",".join("%02x" % x for x in b)
with open(out, "w") as f:
    f.write("Windows Registry Editor Version 5.00\n\n")
    for obj, el, b in (("{9dea862c-5cdd-4e70-acc1-f32b344d4795}", "11000001", bm), (loader, "11000001", ld), (loader, "21000001", od)):
        f.write("[\\Objects\\%s\\Elements\\%s]\n\"Element\"=hex:%s\n\n" % (obj, el, hx(b)))
PY
}

# State.ini as Windows writes it: UTF-16LE with a BOM, CRLF line ends.
write_state_ini() {
  { printf '\xff\xfe'; printf '[State]\r\nImageState=%s\r\n' "$image_state" | iconv -f ASCII -t UTF-16LE; } > "$1"
}

# populate_windows ROOT HIVES: the Windows volume's files (ROOT is the ntfs-3g mount).
populate_windows() {
  local m=$1 h=$2
  mkdir -p "$m/Windows/System32/config" "$m/Windows/System32/Sysprep" \
    "$m/Windows/System32/drivers/etc" "$m/Windows/Setup/State" "$m/Users/Default"
  cp "$h/SYSTEM" "$h/SOFTWARE" "$h/SECURITY" "$m/Windows/System32/config/"
  cp "$h/NTUSER.DAT" "$m/Users/Default/NTUSER.DAT"
  cp "$h/SAM" "$m/Windows/System32/config/SAM"
  if [ -f "$h/SECURITY.LOG1" ]; then cp "$h/SECURITY.LOG1" "$m/Windows/System32/config/"; fi
  if [ "$audit_files" = yes ]; then populate_audit_secrets "$m" "$h"; fi
  if [ "$audit_task" = yes ]; then # Task Scheduler writes its task files as UTF-16LE with a BOM
    # The BuildAgent service's image (overrides/audit-posture.system.reg) is on the volume.
    mkdir -p "$m/agent/bin"
    pe_stub "vhdlint agent.exe " 4096 > "$m/agent/bin/agent.exe"
    mkdir -p "$m/Windows/System32/Tasks"
    { printf '\xff\xfe'; iconv -f UTF-8 -t UTF-16LE audit-task.xml; } > "$m/Windows/System32/Tasks/BuildCleanup"
  fi
  pe_stub "vhdlint cmd.exe " 4096 > "$m/Windows/System32/cmd.exe"
  local k
  for k in $kernel_files; do # the boot chain's loader, kernel and HAL (native subsystem 1; winload.efi: EFI application 10)
    case $k in
      winload.efi) pe_stub "vhdlint $k " 4096 10 > "$m/Windows/System32/$k" ;;
      *) pe_stub "vhdlint $k " 4096 1 > "$m/Windows/System32/$k" ;;
    esac
  done
  if [ "$sysprep_tag" = yes ]; then : > "$m/Windows/System32/Sysprep/Sysprep_succeeded.tag"; fi
  write_state_ini "$m/Windows/Setup/State/State.ini"
  printf '# vhdlint fixture hosts file\r\n127.0.0.1 localhost\r\n' > "$m/Windows/System32/drivers/etc/hosts"
  # streams_interface=windows: "file:stream" names an alternate data stream.
  printf '[ZoneTransfer]\r\nZoneId=3\r\n' > "$m/Windows/System32/drivers/etc/hosts:Zone.Identifier"
  if [ "$unattend" = yes ]; then
    mkdir -p "$m/Windows/Panther"
    cp stale-unattend.xml "$m/Windows/Panther/unattend.xml"
  fi
  if [ "$aad_plugin" = yes ]; then # what the AADLoginForWindows extension leaves on C:
    local plugin="$m/Packages/Plugins/Microsoft.Azure.ActiveDirectory.AADLoginForWindows/2.1.0.0"
    mkdir -p "$plugin"
    cp aad-login-handler-manifest.json "$plugin/HandlerManifest.json"
  fi
  populate_provision "$m"
  if [ "$layout" = mbr ]; then # BIOS boot files on the active partition
    mkdir -p "$m/Boot"
    pattern "vhdlint bootmgr " 4096 > "$m/bootmgr"
    cp "$h/BCD" "$m/Boot/BCD"
  fi
}

# populate_provision ROOT: the issue-14 files (Panther logs, hiberfil.sys, tasks, folders).
populate_provision() {
  local m=$1 d f
  if [ "$panther" != none ]; then
    mkdir -p "$m/Windows/System32/Sysprep/Panther"
    for f in setupact setuperr; do
      if [ -f "panther/$panther.$f.log" ]; then
        cp "panther/$panther.$f.log" "$m/Windows/System32/Sysprep/Panther/$f.log"
      fi
    done
  fi
  if [ "$hiberfil" = yes ]; then # "HIBR" then zeros: a Windows 8+ header page, nothing behind
    { printf 'HIBR'; head -c $((8192 - 4)) /dev/zero; } > "$m/hiberfil.sys"
  fi
  if [ "$tasks" = yes ]; then # Task Scheduler stores task XML as UTF-16LE with a BOM
    mkdir -p "$m/Windows/System32/Tasks/Microsoft/Windows/Defrag" \
      "$m/Windows/System32/Tasks/Microsoft/Windows/Chkdsk"
    { printf '\xff\xfe'; iconv -f UTF-8 -t UTF-16LE tasks/ScheduledDefrag.xml; } \
      > "$m/Windows/System32/Tasks/Microsoft/Windows/Defrag/ScheduledDefrag"
    { printf '\xff\xfe'; iconv -f UTF-8 -t UTF-16LE tasks/ProactiveScan.xml; } \
      > "$m/Windows/System32/Tasks/Microsoft/Windows/Chkdsk/ProactiveScan"
  fi
  for d in "${extra_dirs[@]}"; do
    mkdir -p "$m/$d"
    printf 'vhdlint placeholder\r\n' > "$m/$d/vhdlint.txt"
  done
  if [ "$pending_xml" = yes ]; then
    mkdir -p "$m/Windows/WinSxS"
    printf '<?xml version="1.0" encoding="utf-8"?>\r\n<PendingTransaction Version="3.1" Identifier="vhdlint">\r\n</PendingTransaction>\r\n' \
      > "$m/Windows/WinSxS/pending.xml"
  fi
}

# make_ntfs IMG SECTORS START LABEL SERIAL FILLER [ARGS]: an NTFS volume image, filled through
# ntfs-3g by FILLER MOUNTPOINT ARGS...
make_ntfs() {
  local img=$1 sectors=$2 start=$3 label=$4 serial=$5 filler=$6
  shift 6
  rm -f "$img" # a fresh, all-zero file: no residue of the previous variant in free space
  truncate -s $((sectors * 512)) "$img"
  mkntfs -F -Q -q -T -s 512 -c 4096 -p "$start" -H 255 -S 63 -L "$label" "$img" 2>/dev/null
  ntfslabel -q --new-serial="$serial" "$img" >/dev/null
  ft ntfs-3g -o streams_interface=windows "$img" "$work/mnt"
  "$filler" "$work/mnt" "$@"
  sync
  umount "$work/mnt"
}

populate_recovery() {
  mkdir -p "$1/Recovery/WindowsRE"
  pattern "MSWIM vhdlint winre.wim " 65536 > "$1/Recovery/WindowsRE/winre.wim"
}

# make_esp IMG START HIVES: FAT32 ESP image (40 MiB) with the UEFI boot files.
make_esp() {
  local img=$1 start=$2 h=$3
  rm -f "$img" # a fresh, all-zero file (see make_ntfs)
  truncate -s 40M "$img"
  ft mkfs.fat -F 32 -s 1 -S 512 -h "$start" -i "$ESP_VOLID" -n SYSTEM "$img" >/dev/null
  if [ "$bootmgfw" = shim ]; then # a real Microsoft-signed EFI application (Microsoft Corporation UEFI CA 2011)
    cp /usr/lib/shim/shimx64.efi.signed "$work/bootmgfw.efi"
  else
    pe_stub "vhdlint unsigned bootmgfw.efi " 8192 10 > "$work/bootmgfw.efi"
  fi
  pattern "MZ vhdlint bootx64.efi " 8192 > "$work/bootx64.efi"
  ft mmd -i "$img" ::/EFI ::/EFI/Microsoft ::/EFI/Microsoft/Boot ::/EFI/Boot
  ft mcopy -i "$img" "$work/bootmgfw.efi" ::/EFI/Microsoft/Boot/bootmgfw.efi
  ft mcopy -i "$img" "$h/BCD" ::/EFI/Microsoft/Boot/BCD
  ft mcopy -i "$img" "$work/bootx64.efi" ::/EFI/Boot/bootx64.efi
}

# place IMG PART START: copy a volume image into the disk at sector START.
place() { dd if="$2" of="$1" bs=512 seek="$3" conv=notrunc,sparse status=none; }

# build_disk OUT: the raw disk of the current variant.
build_disk() {
  local out=$1 h="$work/hives-$variant"
  rm -rf "$h"
  make_hives "$h"
  if [ "$layout" = mbr ]; then
    # One active NTFS partition (0x07) from 1 MiB to the end: Windows + bootmgr + Boot\BCD.
    local start=$MIB_SECTORS sectors=$(((128 - 1) * MIB_SECTORS))
    truncate -s 128M "$out"
    printf 'label: dos\nlabel-id: %s\nstart=%d, size=%d, type=7, bootable\n' \
      "$MBR_SIGNATURE" "$start" "$sectors" | sfdisk --quiet "$out"
    make_ntfs "$work/os.ntfs" "$sectors" "$start" Windows "$OS_SERIAL" populate_windows "$h"
    place "$out" "$work/os.ntfs" "$start"
    return
  fi
  # GPT: ESP 40 MiB @1 MiB, MSR 16 MiB @41 MiB, Windows 70 MiB @57 MiB; the recovery variant
  # appends a 16 MiB Windows RE partition @127 MiB on a 144 MiB disk (partitions 1-3 unchanged).
  local esp=$MIB_SECTORS msr=$((41 * MIB_SECTORS)) os=$((57 * MIB_SECTORS))
  local os_sectors=$((70 * MIB_SECTORS)) re=$((127 * MIB_SECTORS)) re_sectors=$((16 * MIB_SECTORS))
  local size=128M re_args=()
  if [ "$recovery" = yes ]; then
    size=144M
    re_args=(-n "4:$re:+16M" -t 4:2700 -c "4:Recovery" -u "4:$(part_guid 4)" -A 4:set:0 -A 4:set:63)
  fi
  truncate -s "$size" "$out"
  sgdisk -o -U "$DISK_GUID" \
    -n "1:$esp:+40M" -t 1:ef00 -c "1:EFI system partition" -u "1:$(part_guid 1)" \
    -n "2:$msr:+16M" -t 2:0c01 -c "2:Microsoft reserved partition" -u "2:$(part_guid 2)" \
    -n "3:$os:+70M" -t 3:0700 -c "3:Basic data partition" -u "3:$(part_guid 3)" \
    "${re_args[@]}" "$out" >/dev/null
  make_esp "$work/esp.fat" "$esp" "$h"
  place "$out" "$work/esp.fat" "$esp"
  make_ntfs "$work/os.ntfs" "$os_sectors" "$os" Windows "$OS_SERIAL" populate_windows "$h"
  place "$out" "$work/os.ntfs" "$os"
  if [ "$recovery" = yes ]; then
    make_ntfs "$work/re.ntfs" "$re_sectors" "$re" "Windows RE" "$RE_SERIAL" populate_recovery
    place "$out" "$work/re.ntfs" "$re"
  fi
  if [ -n "$grow_to" ]; then
    # Grow the finished disk (sparse: no data is written) and let sgdisk move the backup GPT
    # header and entries to the new end; partitions and contents stay as they are.
    truncate -s "$grow_to" "$out"
    sgdisk -e "$out" >/dev/null
  fi
  if [ "$patch" != none ]; then patch_disk "$out" "$patch" "$os"; fi
}

# patch_disk RAW KIND OS_LBA: the crafted corruptions (deliberate byte patches, like make_dirty),
# applied to a finished disk. cmp against the unpatched copy proves that the patch is the only
# change: exactly these bytes differ.
#   fve: bytes 3-10 of the Windows volume's boot sector (the OEM id "NTFS    ") := "-FVE-FS-",
#        the signature of a BitLocker-encrypted volume. The NTFS backup boot sector (the last
#        sector of partition 3) is left alone.
#   ntfsdirty: the low byte of the Windows volume's $Volume $VOLUME_INFORMATION flags |= 0x01
#        (VOLUME_IS_DIRTY), in $MFT's record 3 and in $MFTMirr's copy; ntfsinfo -f -m reads it back.
#   gpt: the 8-byte signature "EFI PART" of the primary GPT header (LBA 1) and of the backup
#        header (the primary's AlternateLBA, the last sector) := zeros. Header CRCs are not
#        recomputed, the entry arrays are left in place; only the protective MBR still reads.
patch_disk() {
  local raw=$1 kind=$2 os=$3
  cp --sparse=always "$raw" "$raw.unpatched"
  local want
  want=$(python3 - "$raw" "$kind" "$os" <<'PY2'
import struct, sys
path, kind, os_lba = sys.argv[1], sys.argv[2], int(sys.argv[3])
patches = []
with open(path, "r+b") as f:
    if kind == "fve":
        f.seek(os_lba * 512)
        assert f.read(11)[3:] == b"NTFS    "
        patches.append((os_lba * 512 + 3, b"-FVE-FS-"))
    elif kind == "gpt":
        f.seek(512)
        hdr = f.read(92)
        assert hdr[:8] == b"EFI PART"
        backup = struct.unpack_from("<Q", hdr, 32)[0]
        f.seek(backup * 512)
        assert f.read(8) == b"EFI PART"
        patches += [(512, bytes(8)), (backup * 512, bytes(8))]
    elif kind == "ntfsdirty":
        # $Volume (MFT record 3) $VOLUME_INFORMATION (0x70, resident): flags u16 at value
        # offset 10 |= VOLUME_IS_DIRTY (0x0001) (linux fs/ntfs/layout.h). No third-party tool
        # sets it (ntfsfix -d clears it). The byte must not be one the record's update
        # sequence array covers (the last two bytes of each 512-byte sector).
        base = os_lba * 512
        f.seek(base)
        bs = f.read(512)
        sector = struct.unpack_from("<H", bs, 0x0B)[0]
        cluster = sector * bs[0x0D]
        mft = struct.unpack_from("<Q", bs, 0x30)[0] * cluster
        n = struct.unpack_from("<b", bs, 0x40)[0]
        rec = 1 << -n if n < 0 else n * cluster
        at = base + mft + 3 * rec
        f.seek(at)
        r = f.read(rec)
        assert r[:4] == b"FILE", "record 3 is not a FILE record"
        off = struct.unpack_from("<H", r, 0x14)[0]
        while True:
            ty, ln = struct.unpack_from("<II", r, off)
            assert ty != 0xFFFFFFFF and ln > 0, "no $VOLUME_INFORMATION in $Volume"
            if ty == 0x70:
                break
            off += ln
        assert r[off + 8] == 0, "$VOLUME_INFORMATION is not resident"
        flags_at = off + struct.unpack_from("<H", r, off + 0x14)[0] + 10
        assert flags_at % 512 < 510, "flags under the update sequence array"
        flags = struct.unpack_from("<H", r, flags_at)[0]
        assert flags & 1 == 0, "already dirty"
        # The same byte in $MFTMirr's copy of record 3 (readers compare the two).
        mirror = base + struct.unpack_from("<Q", bs, 0x38)[0] * cluster + 3 * rec
        f.seek(mirror)
        assert f.read(rec) == r, "$MFTMirr record 3 differs from $MFT's"
        for a in sorted((at, mirror)):
            patches.append((a + flags_at, bytes([(flags | 1) & 0xFF])))
    else:
        sys.exit("unknown patch " + kind)
    for off, data in patches:
        f.seek(off)
        f.write(data)
for off, data in patches:
    for i in range(len(data)):
        print(off + i + 1)  # cmp -l counts bytes from 1
PY2
  )
  local got
  got=$(cmp -l "$raw.unpatched" "$raw" | awk '{print $1}' || true)
  rm -f "$raw.unpatched"
  [ "$got" = "$want" ] || { echo "patch $kind changed other bytes than intended" >&2; exit 1; }
}

# ---- verification with independent readers --------------------------------------------------
# facts RAW: one line of what sfdisk/sgdisk, fsck.fat, mtools, ntfscat and hivexget read back.
facts() {
  local raw=$1 d="$work/check"
  rm -rf "$d"
  mkdir -p "$d"
  sfdisk -J "$raw" > "$d/table.json"
  # "label parts os_start os_size esp_start esp_size": parts as short type codes.
  read -r label parts os_start os_size esp_start esp_size < <(python3 - "$d/table.json" <<'PY'
import json, sys
t = json.load(open(sys.argv[1]))["partitiontable"]
short = {"C12A7328-F81F-11D2-BA4B-00A0C93EC93B": "EF00", "E3C9E316-0B5C-4DB8-817D-F92DF00215AE": "0C01",
         "EBD0A0A2-B9E5-4433-87C0-68B6B72699C7": "0700", "DE94BBA4-06D1-4D40-A16A-BFD50179D6AC": "2700"}
codes, os_part, esp = [], ("-", "-"), ("-", "-")
for p in t["partitions"]:
    code = short.get(p["type"].upper(), p["type"]) + ("*" if p.get("bootable") else "")
    codes.append(code)
    if code.startswith(("0700", "7")) and os_part[0] == "-":
        os_part = (p["start"], p["size"])
    if code == "EF00":
        esp = (p["start"], p["size"])
print(t["label"], ",".join(codes), os_part[0], os_part[1], esp[0], esp[1])
PY
  )
  # The disk's size, and the GPT headers' signatures: "-" without a protective MBR, else
  # primary/backup, each ok ("EFI PART"), zero or bad. Intact GPTs must pass sgdisk -v.
  local size gpt oem
  size=$(stat -c %s "$raw")
  gpt=$(python3 - "$raw" <<'PY'
import os, struct, sys
with open(sys.argv[1], "rb") as f:
    mbr = f.read(512)
    if mbr[0x1C2] != 0xEE:
        print("-"); sys.exit()
    hdr = f.read(512)
    f.seek(os.path.getsize(sys.argv[1]) - 512)
    last = f.read(512)
state = lambda b: "ok" if b[:8] == b"EFI PART" else "zero" if b[:8] == bytes(8) else "bad"
print(state(hdr) + "/" + state(last))
PY
  )
  if [ "$gpt" = ok/ok ]; then
    sgdisk -v "$raw" | grep -q '^No problems found' || { echo "sgdisk -v found problems in $raw" >&2; exit 1; }
  fi
  # No Windows partition in the table (an unreadable GPT): nothing beyond the table reads.
  if [ "$os_start" = - ]; then
    printf '%s|%s|?|?|?|?|?|?|?|?|?|?|?|?|?|?|?|?|?:?|%s|%s|?|?|?|?|?\n' "$label" "$parts" "$size" "$gpt"
    return
  fi
  dd if="$raw" of="$d/os.ntfs" bs=512 skip="$os_start" count="$os_size" status=none
  # ntfs-3g's tools refuse a dirty volume (volume-dirty; ntfsinfo reads it with -f): note its flags for check_provision,
  # then clear the bit on this check copy only (ntfsfix -d, a third-party writer).
  ntfsinfo -f -m "$d/os.ntfs" 2>/dev/null | sed -n 's/^[[:space:]]*Volume Flags: //p' | awk '{print $1}' > "$d/volume-flags" || true
  if grep -q '^0x0001$' "$d/volume-flags"; then ntfsfix -d "$d/os.ntfs" >/dev/null; fi
  oem=$(head -c 11 "$d/os.ntfs" | tail -c 8 | tr -d ' ') # boot sector OEM id, spaces dropped
  local boot_bcd
  if [ "$esp_start" != - ]; then
    dd if="$raw" of="$d/esp.fat" bs=512 skip="$esp_start" count="$esp_size" status=none
    fsck.fat -n "$d/esp.fat" >/dev/null || { echo "fsck.fat failed on $raw" >&2; exit 1; }
    mcopy -n -i "$d/esp.fat" ::/EFI/Microsoft/Boot/BCD "$d/BCD"
    mdir -i "$d/esp.fat" ::/EFI/Boot >/dev/null
    boot_bcd="ESP:EFI/Microsoft/Boot/BCD"
  else
    ntfscat "$d/os.ntfs" /Boot/BCD > "$d/BCD"
    ntfscat "$d/os.ntfs" /bootmgr | head -c 7 | grep -q '^vhdlint' || { echo "no bootmgr" >&2; exit 1; }
    boot_bcd="C:Boot/BCD"
  fi
  local cv='\Microsoft\Windows NT\CurrentVersion' loader ldesc
  loader=$(hivexget "$d/BCD" "\\Objects\\$LOADER_GUID\\Elements\\12000002" Element)
  ldesc=$(hivexget "$d/BCD" "\\Objects\\$LOADER_GUID\\Elements\\12000004" Element)
  # A Windows volume that ntfs-3g cannot mount (not NTFS, e.g. BitLocker): its facts are "?".
  if ! ntfsls "$d/os.ntfs" >/dev/null 2>&1; then
    printf '%s|%s|%s|%s|?|?|?|?|?|?|?|?|?|?|?|?|?|?|?:-|%s|%s|%s|%s|?|?|?\n' "$label" "$parts" \
      "$boot_bcd" "$loader" "$size" "$gpt" "$oem" "$ldesc"
    return
  fi
  local f
  for f in SYSTEM SOFTWARE SECURITY; do ntfscat "$d/os.ntfs" "/Windows/System32/config/$f" > "$d/$f"; done
  ntfscat "$d/os.ntfs" /Users/Default/NTUSER.DAT > "$d/NTUSER.DAT"
  local edition product build display image tag state ptype cdrom aad sid enroll reserves unat dirty zone re
  edition=$(hivexget "$d/SOFTWARE" "$cv" EditionID)
  product=$(hivexget "$d/SOFTWARE" "$cv" ProductName)
  build=$(hivexget "$d/SOFTWARE" "$cv" CurrentBuildNumber).$(hivexget "$d/SOFTWARE" "$cv" UBR)
  display=$(hivexget "$d/SOFTWARE" "$cv" DisplayVersion 2>/dev/null || echo -)
  image=$(hivexget "$d/SOFTWARE" '\Microsoft\Windows\CurrentVersion\Setup\State' ImageState)
  state=$(ntfscat "$d/os.ntfs" /Windows/Setup/State/State.ini | iconv -f UTF-16 -t ASCII | tr -d '\r' | sed -n 's/^ImageState=//p')
  [ "$state" = "$image" ] || { echo "State.ini ($state) and registry ($image) disagree" >&2; exit 1; }
  tag=$(ntfscat "$d/os.ntfs" /Windows/System32/Sysprep/Sysprep_succeeded.tag >/dev/null 2>&1 && echo tag || echo no-tag)
  ptype=$(hivexget "$d/SYSTEM" '\ControlSet001\Control\ProductOptions' ProductType)
  cdrom=$(hivexget "$d/SYSTEM" '\ControlSet001\Services\cdrom' Start)
  aad=$(printf 'cd \\ControlSet001\\Control\\CloudDomainJoin\\JoinInfo\nls\n' | hivexsh "$d/SYSTEM" 2>/dev/null | tr '\n' ' ' | sed 's/ $//' || true)
  aad=${aad:--}
  sid=$(hivexsh "$d/SECURITY" <<<$'cd \\Policy\\PolPrDmS\nlsval' 2>/dev/null | sed -n 's/^"@"=//p' || true)
  sid=${sid:--}
  sid=${sid// /}
  enroll=$(printf 'cd \\Microsoft\\Enrollments\nls\n' | hivexsh "$d/SOFTWARE" | tr '\n' ' ' | sed 's/ $//' || true)
  enroll=${enroll:--}
  reserves=$(hivexget "$d/SOFTWARE" '\Microsoft\Windows\CurrentVersion\ReserveManager' ShippedWithReserves)
  unat=$(ntfscat "$d/os.ntfs" /Windows/Panther/unattend.xml 2>/dev/null | sed -n 's:.*<ComputerName>\(.*\)</ComputerName>.*:\1:p' || true)
  unat=${unat:--}
  dirty=$(python3 -c 'import struct,sys; b=open(sys.argv[1],"rb").read(4096); p,s=struct.unpack_from("<II",b,4); x=0
for (w,) in struct.iter_unpack("<I",b[:508]): x^=w
x={0:1,0xFFFFFFFF:0xFFFFFFFE}.get(x,x); c=struct.unpack_from("<I",b,508)[0]
print("clean" if p==s and x==c else "dirty(%d/%d,%s)"%(p,s,"sum-ok" if x==c else "sum-bad"))' "$d/SYSTEM")
  zone=$(ntfscat -a 0x80 -n Zone.Identifier "$d/os.ntfs" /Windows/System32/drivers/etc/hosts | tr -d '\r' | sed -n 's/^ZoneId=//p')
  re=-
  if [[ $parts == *2700* ]]; then
    local re_start
    re_start=$(python3 -c 'import json,sys; print([p["start"] for p in json.load(open(sys.argv[1]))["partitiontable"]["partitions"] if p["type"].upper().startswith("DE94BBA4")][0])' "$d/table.json")
    dd if="$raw" of="$d/re.ntfs" bs=512 skip="$re_start" count=$((16 * MIB_SECTORS)) status=none
    re=$(ntfscat "$d/re.ntfs" /Recovery/WindowsRE/winre.wim | head -c 5)
  fi
  local itype cdj plugin
  itype=$(hivexget "$d/SOFTWARE" "$cv" InstallationType)
  cdj=$(hivexget "$d/SOFTWARE" '\Microsoft\Windows\CurrentVersion\CDJ' AzureVmComputeMetadataEndpoint 2>/dev/null || echo -)
  local pdir=/Packages/Plugins/Microsoft.Azure.ActiveDirectory.AADLoginForWindows
  plugin=$(ntfsls -p "$pdir" "$d/os.ntfs" 2>/dev/null | grep -vx '\.\.\?' | tr '\n' ' ' | sed 's/ $//' || true)
  plugin=${plugin:--}
  if [ "$plugin" != - ]; then # each version folder holds a HandlerManifest.json that parses
    local ver
    for ver in $plugin; do
      ntfscat "$d/os.ntfs" "$pdir/$ver/HandlerManifest.json" | python3 -m json.tool >/dev/null \
        || { echo "bad HandlerManifest.json in $ver" >&2; exit 1; }
    done
  fi
  printf '%s|%s|%s|%s|%s|%s|%s|%s|%s|%s|%s|%s|%s|%s|%s|%s|%s|%s|%s|%s|%s|%s|%s|%s|%s|%s\n' "$label" \
    "$parts" "$boot_bcd" "$loader" "$edition" "$product" "$build" "$display" "$image" "$tag" "$ptype" \
    "$cdrom" "$aad" "$sid" "$enroll" "$reserves" "$unat" "$dirty" "$zone:$re" "$size" "$gpt" "$oem" \
    "$ldesc" "$itype" "$cdj" "$plugin"
}

# What each image must read back as (the ground truth of README.md). Columns: variant, table,
# partition types (* = active), where the BCD is, loader ApplicationPath, EditionID, ProductName,
# CurrentBuildNumber.UBR, DisplayVersion, ImageState (registry = State.ini), Sysprep tag,
# ProductType, cdrom Start, CloudDomainJoin\JoinInfo subkeys, PolPrDmS default value,
# Enrollments subkeys, ShippedWithReserves, Panther unattend ComputerName, SYSTEM base block,
# hosts:Zone.Identifier ZoneId : winre.wim magic, then disk size in bytes, GPT header signatures
# (primary/backup: ok, zero, bad; "-" = MBR disk), Windows volume OEM id (spaces dropped), BCD
# loader Description, InstallationType, CDJ AzureVmComputeMetadataEndpoint, AADLoginForWindows
# plugin version folders. "?" = not readable: no Windows partition in the table (corrupt-gpt)
# or a Windows volume that ntfs-3g refuses (bitlocker).
read -r -d '' EXPECTED <<'EOF' || true
gold|gpt|EF00,0C01,0700|ESP:EFI/Microsoft/Boot/BCD|\Windows\system32\winload.efi|Enterprise|Windows 10 Enterprise|22631.4460|23H2|IMAGE_STATE_GENERALIZE_RESEAL_TO_OOBE|tag|WinNT|1|-|-|-|0|-|clean|3:-|134217728|ok/ok|NTFS|Windows 11|Client|-|-
not-generalized|gpt|EF00,0C01,0700|ESP:EFI/Microsoft/Boot/BCD|\Windows\system32\winload.efi|Enterprise|Windows 10 Enterprise|22631.4460|23H2|IMAGE_STATE_COMPLETE|no-tag|WinNT|1|-|-|-|0|-|clean|3:-|134217728|ok/ok|NTFS|Windows 11|Client|-|-
aad-joined|gpt|EF00,0C01,0700|ESP:EFI/Microsoft/Boot/BCD|\Windows\system32\winload.efi|Enterprise|Windows 10 Enterprise|22631.4460|23H2|IMAGE_STATE_GENERALIZE_RESEAL_TO_OOBE|tag|WinNT|1|0123456789ABCDEF0123456789ABCDEF01234567|-|-|0|-|clean|3:-|134217728|ok/ok|NTFS|Windows 11|Client|-|-
pro-edition|gpt|EF00,0C01,0700|ESP:EFI/Microsoft/Boot/BCD|\Windows\system32\winload.efi|Professional|Windows 10 Pro|22631.4460|23H2|IMAGE_STATE_GENERALIZE_RESEAL_TO_OOBE|tag|WinNT|1|-|-|-|0|-|clean|3:-|134217728|ok/ok|NTFS|Windows 11|Client|-|-
win10-1909|gpt|EF00,0C01,0700|ESP:EFI/Microsoft/Boot/BCD|\Windows\system32\winload.efi|Enterprise|Windows 10 Enterprise|18363.1912|-|IMAGE_STATE_GENERALIZE_RESEAL_TO_OOBE|tag|WinNT|1|-|-|-|0|-|clean|3:-|134217728|ok/ok|NTFS|Windows 11|Client|-|-
multi-session|gpt|EF00,0C01,0700|ESP:EFI/Microsoft/Boot/BCD|\Windows\system32\winload.efi|ServerRdsh|Windows 10 Enterprise multi-session|22631.4460|23H2|IMAGE_STATE_GENERALIZE_RESEAL_TO_OOBE|tag|ServerNT|1|-|-|-|0|-|clean|3:-|134217728|ok/ok|NTFS|Windows 11|Client|-|-
recovery-partition|gpt|EF00,0C01,0700,2700|ESP:EFI/Microsoft/Boot/BCD|\Windows\system32\winload.efi|Enterprise|Windows 10 Enterprise|22631.4460|23H2|IMAGE_STATE_GENERALIZE_RESEAL_TO_OOBE|tag|WinNT|1|-|-|-|0|-|clean|3:MSWIM|150994944|ok/ok|NTFS|Windows 11|Client|-|-
gen1-mbr|dos|7*|C:Boot/BCD|\Windows\system32\winload.exe|Enterprise|Windows 10 Enterprise|22631.4460|23H2|IMAGE_STATE_GENERALIZE_RESEAL_TO_OOBE|tag|WinNT|1|-|-|-|0|-|clean|3:-|134217728|-|NTFS|Windows 11|Client|-|-
stale-unattend|gpt|EF00,0C01,0700|ESP:EFI/Microsoft/Boot/BCD|\Windows\system32\winload.efi|Enterprise|Windows 10 Enterprise|22631.4460|23H2|IMAGE_STATE_GENERALIZE_RESEAL_TO_OOBE|tag|WinNT|1|-|-|-|0|FIXED-NAME|clean|3:-|134217728|ok/ok|NTFS|Windows 11|Client|-|-
cdrom-disabled|gpt|EF00,0C01,0700|ESP:EFI/Microsoft/Boot/BCD|\Windows\system32\winload.efi|Enterprise|Windows 10 Enterprise|22631.4460|23H2|IMAGE_STATE_GENERALIZE_RESEAL_TO_OOBE|tag|WinNT|4|-|-|-|0|-|clean|3:-|134217728|ok/ok|NTFS|Windows 11|Client|-|-
domain-joined|gpt|EF00,0C01,0700|ESP:EFI/Microsoft/Boot/BCD|\Windows\system32\winload.efi|Enterprise|Windows 10 Enterprise|22631.4460|23H2|IMAGE_STATE_GENERALIZE_RESEAL_TO_OOBE|tag|WinNT|1|-|hex(0):01,04,00,00,00,00,00,05,15,00,00,00,c7,35,3a,42,8e,6b,74,84,55,a1,ae,c6|-|0|-|clean|3:-|134217728|ok/ok|NTFS|Windows 11|Client|-|-
workgroup-empty-sid|gpt|EF00,0C01,0700|ESP:EFI/Microsoft/Boot/BCD|\Windows\system32\winload.efi|Enterprise|Windows 10 Enterprise|22631.4460|23H2|IMAGE_STATE_GENERALIZE_RESEAL_TO_OOBE|tag|WinNT|1|-|hex(0):|-|0|-|clean|3:-|134217728|ok/ok|NTFS|Windows 11|Client|-|-
mdm-enrolled|gpt|EF00,0C01,0700|ESP:EFI/Microsoft/Boot/BCD|\Windows\system32\winload.efi|Enterprise|Windows 10 Enterprise|22631.4460|23H2|IMAGE_STATE_GENERALIZE_RESEAL_TO_OOBE|tag|WinNT|1|-|-|{8C9D1A1E-0000-4000-8000-000000000001}|0|-|clean|3:-|134217728|ok/ok|NTFS|Windows 11|Client|-|-
reserved-storage|gpt|EF00,0C01,0700|ESP:EFI/Microsoft/Boot/BCD|\Windows\system32\winload.efi|Enterprise|Windows 10 Enterprise|22631.4460|23H2|IMAGE_STATE_GENERALIZE_RESEAL_TO_OOBE|tag|WinNT|1|-|-|-|1|-|clean|3:-|134217728|ok/ok|NTFS|Windows 11|Client|-|-
dirty-hive|gpt|EF00,0C01,0700|ESP:EFI/Microsoft/Boot/BCD|\Windows\system32\winload.efi|Enterprise|Windows 10 Enterprise|22631.4460|23H2|IMAGE_STATE_GENERALIZE_RESEAL_TO_OOBE|tag|WinNT|1|-|-|-|0|-|dirty(258/257,sum-ok)|3:-|134217728|ok/ok|NTFS|Windows 11|Client|-|-
win10-22h2|gpt|EF00,0C01,0700|ESP:EFI/Microsoft/Boot/BCD|\Windows\system32\winload.efi|Enterprise|Windows 10 Enterprise|19045.5131|22H2|IMAGE_STATE_GENERALIZE_RESEAL_TO_OOBE|tag|WinNT|1|-|-|-|0|-|clean|3:-|134217728|ok/ok|NTFS|Windows 10|Client|-|-
win11-24h2|gpt|EF00,0C01,0700|ESP:EFI/Microsoft/Boot/BCD|\Windows\system32\winload.efi|Enterprise|Windows 10 Enterprise|26100.2605|24H2|IMAGE_STATE_GENERALIZE_RESEAL_TO_OOBE|tag|WinNT|1|-|-|-|0|-|clean|3:-|134217728|ok/ok|NTFS|Windows 11|Client|-|-
server-2022|gpt|EF00,0C01,0700|ESP:EFI/Microsoft/Boot/BCD|\Windows\system32\winload.efi|ServerDatacenter|Windows Server 2022 Datacenter|20348.2849|21H2|IMAGE_STATE_GENERALIZE_RESEAL_TO_OOBE|tag|ServerNT|1|-|-|-|0|-|clean|3:-|134217728|ok/ok|NTFS|Windows Server|Server|-|-
aad-login-residue|gpt|EF00,0C01,0700|ESP:EFI/Microsoft/Boot/BCD|\Windows\system32\winload.efi|Enterprise|Windows 10 Enterprise|22631.4460|23H2|IMAGE_STATE_GENERALIZE_RESEAL_TO_OOBE|tag|WinNT|1|-|-|-|0|-|clean|3:-|134217728|ok/ok|NTFS|Windows 11|Client|http://169.254.169.254/metadata/identity/info|2.1.0.0
too-large|gpt|EF00,0C01,0700|ESP:EFI/Microsoft/Boot/BCD|\Windows\system32\winload.efi|Enterprise|Windows 10 Enterprise|22631.4460|23H2|IMAGE_STATE_GENERALIZE_RESEAL_TO_OOBE|tag|WinNT|1|-|-|-|0|-|clean|3:-|85899345920|ok/ok|NTFS|Windows 11|Client|-|-
bitlocker|gpt|EF00,0C01,0700|ESP:EFI/Microsoft/Boot/BCD|\Windows\system32\winload.efi|?|?|?|?|?|?|?|?|?|?|?|?|?|?|?:-|134217728|ok/ok|-FVE-FS-|Windows 11|?|?|?
bcd-foreign-device|gpt|EF00,0C01,0700|ESP:EFI/Microsoft/Boot/BCD|\Windows\system32\winload.efi|Enterprise|Windows 10 Enterprise|22631.4460|23H2|IMAGE_STATE_GENERALIZE_RESEAL_TO_OOBE|tag|WinNT|1|-|-|-|0|-|clean|3:-|134217728|ok/ok|NTFS|Windows 11|Client|-|-
missing-loader|gpt|EF00,0C01,0700|ESP:EFI/Microsoft/Boot/BCD|\Windows\system32\winload.efi|Enterprise|Windows 10 Enterprise|22631.4460|23H2|IMAGE_STATE_GENERALIZE_RESEAL_TO_OOBE|tag|WinNT|1|-|-|-|0|-|clean|3:-|134217728|ok/ok|NTFS|Windows 11|Client|-|-
unsigned-bootmgr|gpt|EF00,0C01,0700|ESP:EFI/Microsoft/Boot/BCD|\Windows\system32\winload.efi|Enterprise|Windows 10 Enterprise|22631.4460|23H2|IMAGE_STATE_GENERALIZE_RESEAL_TO_OOBE|tag|WinNT|1|-|-|-|0|-|clean|3:-|134217728|ok/ok|NTFS|Windows 11|Client|-|-
testsigning|gpt|EF00,0C01,0700|ESP:EFI/Microsoft/Boot/BCD|\Windows\system32\winload.efi|Enterprise|Windows 10 Enterprise|22631.4460|23H2|IMAGE_STATE_GENERALIZE_RESEAL_TO_OOBE|tag|WinNT|1|-|-|-|0|-|clean|3:-|134217728|ok/ok|NTFS|Windows 11|Client|-|-
storvsc-disabled|gpt|EF00,0C01,0700|ESP:EFI/Microsoft/Boot/BCD|\Windows\system32\winload.efi|Enterprise|Windows 10 Enterprise|22631.4460|23H2|IMAGE_STATE_GENERALIZE_RESEAL_TO_OOBE|tag|WinNT|1|-|-|-|0|-|clean|3:-|134217728|ok/ok|NTFS|Windows 11|Client|-|-
vmbus-absent|gpt|EF00,0C01,0700|ESP:EFI/Microsoft/Boot/BCD|\Windows\system32\winload.efi|Enterprise|Windows 10 Enterprise|22631.4460|23H2|IMAGE_STATE_GENERALIZE_RESEAL_TO_OOBE|tag|WinNT|1|-|-|-|0|-|clean|3:-|134217728|ok/ok|NTFS|Windows 11|Client|-|-
netvsc-disabled|gpt|EF00,0C01,0700|ESP:EFI/Microsoft/Boot/BCD|\Windows\system32\winload.efi|Enterprise|Windows 10 Enterprise|22631.4460|23H2|IMAGE_STATE_GENERALIZE_RESEAL_TO_OOBE|tag|WinNT|1|-|-|-|0|-|clean|3:-|134217728|ok/ok|NTFS|Windows 11|Client|-|-
arch-mismatch|gpt|EF00,0C01,0700|ESP:EFI/Microsoft/Boot/BCD|\Windows\system32\winload.efi|Enterprise|Windows 10 Enterprise|22631.4460|23H2|IMAGE_STATE_GENERALIZE_RESEAL_TO_OOBE|tag|WinNT|1|-|-|-|0|-|clean|3:-|134217728|ok/ok|NTFS|Windows 11|Client|-|-
corrupt-gpt|dos|ee|?|?|?|?|?|?|?|?|?|?|?|?|?|?|?|?|?:?|134217728|zero/zero|?|?|?|?|?
audit-secrets|gpt|EF00,0C01,0700|ESP:EFI/Microsoft/Boot/BCD|\Windows\system32\winload.efi|Enterprise|Windows 10 Enterprise|22631.4460|23H2|IMAGE_STATE_GENERALIZE_RESEAL_TO_OOBE|tag|WinNT|1|-|-|-|0|-|clean|3:-|134217728|ok/ok|NTFS|Windows 11|Client|-|-
audit-accounts|gpt|EF00,0C01,0700|ESP:EFI/Microsoft/Boot/BCD|\Windows\system32\winload.efi|Enterprise|Windows 10 Enterprise|22631.4460|23H2|IMAGE_STATE_GENERALIZE_RESEAL_TO_OOBE|tag|WinNT|1|-|-|-|0|-|clean|3:-|134217728|ok/ok|NTFS|Windows 11|Client|-|-
audit-posture|gpt|EF00,0C01,0700|ESP:EFI/Microsoft/Boot/BCD|\Windows\system32\winload.efi|Enterprise|Windows 10 Enterprise|22631.4460|23H2|IMAGE_STATE_GENERALIZE_RESEAL_TO_OOBE|tag|WinNT|1|-|-|-|0|-|clean|3:-|134217728|ok/ok|NTFS|Windows 11|Client|-|-
audit-lsa|gpt|EF00,0C01,0700|ESP:EFI/Microsoft/Boot/BCD|\Windows\system32\winload.efi|Enterprise|Windows 10 Enterprise|22631.4460|23H2|IMAGE_STATE_GENERALIZE_RESEAL_TO_OOBE|tag|WinNT|1|-|hex(0):|-|0|-|clean|3:-|134217728|ok/ok|NTFS|Windows 11|Client|-|-
audit-domain-cache|gpt|EF00,0C01,0700|ESP:EFI/Microsoft/Boot/BCD|\Windows\system32\winload.efi|Enterprise|Windows 10 Enterprise|22631.4460|23H2|IMAGE_STATE_GENERALIZE_RESEAL_TO_OOBE|tag|WinNT|1|-|hex(0):01,04,00,00,00,00,00,05,15,00,00,00,c7,35,3a,42,8e,6b,74,84,55,a1,ae,c6|-|0|-|clean|3:-|134217728|ok/ok|NTFS|Windows 11|Client|-|-
pending-reboot|gpt|EF00,0C01,0700|ESP:EFI/Microsoft/Boot/BCD|\Windows\system32\winload.efi|Enterprise|Windows 10 Enterprise|22631.4460|23H2|IMAGE_STATE_GENERALIZE_RESEAL_TO_OOBE|tag|WinNT|1|-|-|-|0|-|clean|3:-|134217728|ok/ok|NTFS|Windows 11|Client|-|-
volume-dirty|gpt|EF00,0C01,0700|ESP:EFI/Microsoft/Boot/BCD|\Windows\system32\winload.efi|Enterprise|Windows 10 Enterprise|22631.4460|23H2|IMAGE_STATE_GENERALIZE_RESEAL_TO_OOBE|tag|WinNT|1|-|-|-|0|-|clean|3:-|134217728|ok/ok|NTFS|Windows 11|Client|-|-
drive-letters|gpt|EF00,0C01,0700|ESP:EFI/Microsoft/Boot/BCD|\Windows\system32\winload.efi|Enterprise|Windows 10 Enterprise|22631.4460|23H2|IMAGE_STATE_GENERALIZE_RESEAL_TO_OOBE|tag|WinNT|1|-|-|-|0|-|clean|3:-|134217728|ok/ok|NTFS|Windows 11|Client|-|-
hibernated|gpt|EF00,0C01,0700|ESP:EFI/Microsoft/Boot/BCD|\Windows\system32\winload.efi|Enterprise|Windows 10 Enterprise|22631.4460|23H2|IMAGE_STATE_GENERALIZE_RESEAL_TO_OOBE|tag|WinNT|1|-|-|-|0|-|clean|3:-|134217728|ok/ok|NTFS|Windows 11|Client|-|-
sysprep-appx-failure|gpt|EF00,0C01,0700|ESP:EFI/Microsoft/Boot/BCD|\Windows\system32\winload.efi|Enterprise|Windows 10 Enterprise|22631.4460|23H2|IMAGE_STATE_COMPLETE|no-tag|WinNT|1|-|-|-|0|-|clean|3:-|134217728|ok/ok|NTFS|Windows 11|Client|-|-
sysprep-no-vm-mode|gpt|EF00,0C01,0700|ESP:EFI/Microsoft/Boot/BCD|\Windows\system32\winload.efi|Enterprise|Windows 10 Enterprise|22631.4460|23H2|IMAGE_STATE_GENERALIZE_RESEAL_TO_OOBE|tag|WinNT|1|-|-|-|0|-|clean|3:-|134217728|ok/ok|NTFS|Windows 11|Client|-|-
fslogix|gpt|EF00,0C01,0700|ESP:EFI/Microsoft/Boot/BCD|\Windows\system32\winload.efi|Enterprise|Windows 10 Enterprise|22631.4460|23H2|IMAGE_STATE_GENERALIZE_RESEAL_TO_OOBE|tag|WinNT|1|-|-|-|0|-|clean|3:-|134217728|ok/ok|NTFS|Windows 11|Client|-|-
avd-agent|gpt|EF00,0C01,0700|ESP:EFI/Microsoft/Boot/BCD|\Windows\system32\winload.efi|Enterprise|Windows 10 Enterprise|22631.4460|23H2|IMAGE_STATE_GENERALIZE_RESEAL_TO_OOBE|tag|WinNT|1|-|-|-|0|-|clean|3:-|134217728|ok/ok|NTFS|Windows 11|Client|-|-
configmgr|gpt|EF00,0C01,0700|ESP:EFI/Microsoft/Boot/BCD|\Windows\system32\winload.efi|Enterprise|Windows 10 Enterprise|22631.4460|23H2|IMAGE_STATE_GENERALIZE_RESEAL_TO_OOBE|tag|WinNT|1|-|-|-|0|-|clean|3:-|134217728|ok/ok|NTFS|Windows 11|Client|-|-
uwf|gpt|EF00,0C01,0700|ESP:EFI/Microsoft/Boot/BCD|\Windows\system32\winload.efi|Enterprise|Windows 10 Enterprise|22631.4460|23H2|IMAGE_STATE_GENERALIZE_RESEAL_TO_OOBE|tag|WinNT|1|-|-|-|0|-|clean|3:-|134217728|ok/ok|NTFS|Windows 11|Client|-|-
rdp-disabled|gpt|EF00,0C01,0700|ESP:EFI/Microsoft/Boot/BCD|\Windows\system32\winload.efi|Enterprise|Windows 10 Enterprise|22631.4460|23H2|IMAGE_STATE_GENERALIZE_RESEAL_TO_OOBE|tag|WinNT|1|-|-|-|0|-|clean|3:-|134217728|ok/ok|NTFS|Windows 11|Client|-|-
maintenance-tasks|gpt|EF00,0C01,0700|ESP:EFI/Microsoft/Boot/BCD|\Windows\system32\winload.efi|Enterprise|Windows 10 Enterprise|22631.4460|23H2|IMAGE_STATE_GENERALIZE_RESEAL_TO_OOBE|tag|WinNT|1|-|-|-|0|-|clean|3:-|134217728|ok/ok|NTFS|Windows 11|Client|-|-
EOF

check() {
  local name=$1 raw=$2 got want
  got="$name|$(facts "$raw")"
  want=$(grep "^$name|" <<<"$EXPECTED")
  if [ "$got" != "$want" ]; then
    printf 'MISMATCH for %s\n got: %s\nwant: %s\n' "$name" "$got" "$want" >&2
    exit 1
  fi
  echo "ok  $got"
}

# check_provision NAME RAW: the issue-14 files and flags read back with ntfs-3g's tools and
# hivexget (a separate check: the EXPECTED columns stay as they are). One line:
# volume flags, hiberfil.sys signature, Panther log options, task files, extra folders.
check_provision() {
  local name=$1 raw=$2 d="$work/check" flags hib opts tsk dirs want
  # No readable Windows volume (corrupt-gpt, bitlocker): nothing to read back.
  [ -f "$d/os.ntfs" ] && ntfsls "$d/os.ntfs" >/dev/null 2>&1 || return 0
  flags=$(cat "$d/volume-flags")
  hib=$(ntfscat "$d/os.ntfs" /hiberfil.sys 2>/dev/null | head -c 4 || true)
  hib=${hib:--}
  opts=$(ntfscat "$d/os.ntfs" /Windows/System32/Sysprep/Panther/setupact.log 2>/dev/null \
    | sed -n "s/.*command line option '\([A-Z]*\)'.*/\1/p; s/.*\(Sysprep_succeeded.tag\)\r\{0,1\}\$/tag/p; s/.*\(not provisioned for all users\).*/appx-error/p" \
    | tr '\n' ',' | sed 's/,$//' || true)
  opts=${opts:--}
  tsk=$(ntfsls "$d/os.ntfs" -p /Windows/System32/Tasks/Microsoft/Windows/Defrag 2>/dev/null | tr '\n' ' ' | sed 's/ $//' || true)
  tsk=${tsk:--}
  dirs=$(for p in "/Program Files/FSLogix" "/Program Files/Microsoft RDInfra" /Windows/CCM; do
    ntfsls -p "$p" "$d/os.ntfs" >/dev/null 2>&1 && printf '%s;' "$p"; done || true)
  dirs=${dirs:--}
  printf 'ok  provision %s|%s|%s|%s|%s|%s\n' "$name" "$flags" "$hib" "$opts" "$tsk" "$dirs"
  case $name in
    volume-dirty) want=0x0001 ;;
    *) want=0x0000 ;;
  esac
  [ "$flags" = "$want" ] || { echo "$name: volume flags $flags, want $want" >&2; exit 1; }
  [ "$name" != hibernated ] || [ "$hib" = HIBR ] || { echo "$name: no HIBR header" >&2; exit 1; }
}

# emit NAME RAW FORMATS...: convert with qemu-img, compare back, compress.
emit() {
  local name=$1 raw=$2
  shift 2
  local fmt out
  for fmt in "$@"; do
    case $fmt in
      raw) out="$name.raw" ;;
      vhdx)
        out="$name.vhdx"
        ft qemu-img convert -f raw -O vhdx -o subformat=dynamic "$raw" "$work/$out"
        qemu-img check -q -f vhdx "$work/$out"
        ;;
      vhd-fixed)
        out="$name-fixed.vhd"
        ft qemu-img convert -f raw -O vpc -o subformat=fixed,force_size=on "$raw" "$work/$out"
        [ $(($(stat -c %s "$work/$out") - $(stat -c %s "$raw"))) -eq 512 ] || { echo "$out: not raw + 512-byte footer" >&2; exit 1; }
        ;;
      vhd-dynamic)
        out="$name-dynamic.vhd"
        ft qemu-img convert -f raw -O vpc -o subformat=dynamic,force_size=on "$raw" "$work/$out"
        # footer copy at 0 and at the end, disk type 3 (dynamic), current size = the raw's size
        python3 - "$work/$out" "$(stat -c %s "$raw")" <<'PY'
import struct, sys
b = open(sys.argv[1], "rb").read()
for foot in (b[:512], b[-512:]):
    assert foot[:8] == b"conectix", "no VHD footer"
    assert struct.unpack_from(">I", foot, 60)[0] == 3, "not a dynamic VHD"
    assert struct.unpack_from(">Q", foot, 48)[0] == int(sys.argv[2]), "current size differs"
assert b[512:520] == b"cxsparse", "no dynamic disk header"
PY
        ;;
    esac
    if [ "$fmt" != raw ]; then
      local qfmt=vpc
      if [ "$fmt" = vhdx ]; then qfmt=vhdx; fi
      [ "$(qemu-img info -f "$qfmt" --output=json "$work/$out" | python3 -c 'import json,sys; print(json.load(sys.stdin)["virtual-size"])')" \
        = "$(stat -c %s "$raw")" ] || { echo "$out: virtual size differs from the raw disk" >&2; exit 1; }
      qemu-img compare -q -f raw -F "$qfmt" "$raw" "$work/$out"
    fi
    if [ "$fmt" = raw ]; then
      xz -9e -T1 -c "$raw" > "$out.xz"
    else
      xz -9e -T1 -c "$work/$out" > "$out.xz"
      rm -f "$work/$out"
    fi
  done
}

# FIXTURES="v1 v2": build only these variants (gold is checked but not re-emitted, so the
# committed gold images and the other variants stay as they are).
only=${FIXTURES:-}
configure gold
build_disk "$work/gold.raw"
sgdisk -p "$work/gold.raw" | sed 's/^/    /'
check gold "$work/gold.raw"
check_provision gold "$work/gold.raw"
if [ -z "$only" ]; then emit gold "$work/gold.raw" raw vhdx vhd-fixed vhd-dynamic; fi
for v in "${VARIANTS[@]}"; do
  if [ -n "$only" ] && ! [[ " $only " == *" $v "* ]]; then continue; fi
  configure "$v"
  build_disk "$work/$v.raw"
  check "$v" "$work/$v.raw"
  check_provision "$v" "$work/$v.raw"
  emit "$v" "$work/$v.raw" vhdx
  rm -f "$work/$v.raw"
done
{
  qemu-img --version | head -1
  if command -v dpkg-query >/dev/null; then
    dpkg-query -W -f='${Package} ${Version}\n' gdisk fdisk dosfstools mtools ntfs-3g libhivex-bin \
      libwin-hivex-perl qemu-utils xz-utils faketime 2>/dev/null || true
  fi
  if [ -n "$libfaketime" ]; then echo "timestamps: frozen at $FIXTURE_TIME UTC (libfaketime)"; else echo "timestamps: wall clock (no libfaketime)"; fi
  echo "generated $(date -u +%Y-%m-%d) by testdata/images/generate.sh"
} > GENERATED-WITH.txt
ls -l ./*.xz
