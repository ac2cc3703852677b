#!/usr/bin/env bash
# Builds the registry fixture hive with a third-party writer (hivex's hivexregedit), so our
# reader is tested against bytes it did not write. Starts from hivex's own empty hive
# (../shared/corpus/hives/hivex-minimal.hive) and merges a .reg file holding every value type.
# Needs: python3, xz, hivexregedit (Debian: libwin-hivex-perl), hivexget (libhivex-bin).
# Outputs (committed, so `cargo test` needs none of these tools): fixture.hive.xz and
# bcd-fixture.hive.xz.
# The expected contents are restated in crates/registry/tests/fixture.rs; keep both in step.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
cd "$here"
for tool in hivexregedit hivexget python3 xz; do
  command -v "$tool" >/dev/null || { echo "$tool is required" >&2; exit 1; }
done
corpus=${VHDLINT_CORPUS:-$here/../../../shared/corpus}
minimal="$corpus/hives/hivex-minimal.hive"
[ -f "$minimal" ] || { echo "missing $minimal" >&2; exit 1; }
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

python3 - "$work/fixture.reg" <<'PY'
import sys, struct

def hexs(b):
    return ",".join("%02x" % x for x in b)

def u16(s):
    return s.encode("utf-16-le")

lines = ["Windows Registry Editor Version 5.00", ""]
made = set()
def key(path, values=()):
    # hivexregedit creates a key only below an existing parent: emit the parents first.
    parts = path.split("\\")
    for n in range(1, len(parts)):
        parent = "\\".join(parts[:n])
        if parent not in made:
            made.add(parent)
            lines.extend(["[\\%s]" % parent, ""])
    made.add(path)
    lines.append("[\\%s]" % path)
    lines.extend(values)
    lines.append("")

# A SYSTEM-like skeleton whose current control set is 10 (ControlSet010, not ControlSet0010).
key("Select", ['"Current"=dword:0000000a', '"Default"=dword:0000000a',
               '"LastKnownGood"=dword:00000001', '"Failed"=dword:00000000'])
key("ControlSet010\\Control\\ComputerName\\ComputerName", ['"ComputerName"="VHDLINT-FIXTURE"'])
key("ControlSet001\\Control")

big = bytes((i * 7 + 3) & 0xFF for i in range(40000))
key("Types", [
    '@="default value"',
    '"sz"="hello, world"',
    '"empty_sz"=""',
    '"expand"=hex(2):' + hexs(u16("%SystemRoot%\\system32\0")),
    '"multi"=hex(7):' + hexs(u16("one\0two\0three\0\0")),
    '"dword"=dword:12345678',
    '"dword_be"=hex(5):12,34,56,78',
    '"qword"=hex(b):' + hexs(struct.pack("<Q", 0x0123456789ABCDEF)),
    '"binary"=hex:de,ad,be,ef',
    '"none"=hex(0):01,02,03',
    '"link"=hex(6):' + hexs(u16("\\Registry\\Machine\\Target")),
    '"custom"=hex(100):0a,0b',
    '"big"=hex:' + hexs(big),
    # hivexregedit encodes "quoted" data byte by byte, so non-ASCII text goes in as hex(1).
    '"Ünïcödé välüe"=hex(1):' + hexs(u16("naïve ☃\0")),
    '"Ωμέγα"=dword:00000007',
])
key("Types\\Ünïcödé key", ['"inner"="x"'])
key("Types\\Ωμέγα key", ['"inner"="y"'])
for i in range(600):
    key("Many\\Key%03d" % i, ['"n"=dword:%08x' % i])
open(sys.argv[1], "w", encoding="utf-8").write("\n".join(lines) + "\n")
PY

# A small BCD store (a Gen1-style loader with testsigning on and nointegritychecks off).
cat > "$work/bcd.reg" <<'REG'
Windows Registry Editor Version 5.00

[\Description]
"KeyName"="BCD00000000"

[\Objects]

[\Objects\{9dea862c-5cdd-4e70-acc1-f32b344d4795}]

[\Objects\{9dea862c-5cdd-4e70-acc1-f32b344d4795}\Description]
"Type"=dword:10100002

[\Objects\{9dea862c-5cdd-4e70-acc1-f32b344d4795}\Elements]

[\Objects\{9dea862c-5cdd-4e70-acc1-f32b344d4795}\Elements\12000004]
"Element"="Windows Boot Manager"

[\Objects\{9dea862c-5cdd-4e70-acc1-f32b344d4795}\Elements\23000003]
"Element"="{11111111-2222-3333-4444-555555555555}"

[\Objects\{11111111-2222-3333-4444-555555555555}]

[\Objects\{11111111-2222-3333-4444-555555555555}\Description]
"Type"=dword:10200003

[\Objects\{11111111-2222-3333-4444-555555555555}\Elements]

[\Objects\{11111111-2222-3333-4444-555555555555}\Elements\12000002]
"Element"="\\Windows\\system32\\winload.exe"

[\Objects\{11111111-2222-3333-4444-555555555555}\Elements\12000004]
"Element"="Windows Server"

[\Objects\{11111111-2222-3333-4444-555555555555}\Elements\16000048]
"Element"=hex:00

[\Objects\{11111111-2222-3333-4444-555555555555}\Elements\16000049]
"Element"=hex:01
REG
cp "$minimal" "$work/bcd.hive"
chmod u+w "$work/bcd.hive"
hivexregedit --merge "$work/bcd.hive" "$work/bcd.reg"
xz -9e -c "$work/bcd.hive" > bcd-fixture.hive.xz

cp "$minimal" "$work/fixture.hive"
chmod u+w "$work/fixture.hive"
hivexregedit --merge "$work/fixture.hive" "$work/fixture.reg"
# Sanity check with hivex's own reader.
[ "$(hivexget "$work/fixture.hive" '\ControlSet010\Control\ComputerName\ComputerName' ComputerName)" = VHDLINT-FIXTURE ]
xz -9e -c "$work/fixture.hive" > fixture.hive.xz
ls -l fixture.hive.xz bcd-fixture.hive.xz
