#!/usr/bin/env bash
# Builds the Authenticode test inputs with third-party signers (sbsign from sbsigntool,
# osslsigncode) and openssl-made certificates, from Debian's unsigned shim (shim-unsigned /
# shim-signed install /usr/lib/shim/shimx64.efi). Only the PKCS#7 blobs (a few KB) are committed:
#   selfsigned-sbsign.p7     sbsign, one self-signed certificate ("vhdlint test signer")
#   chain-osslsigncode.p7    osslsigncode, leaf issued by a self-made CA, CA embedded (-ac)
#   forged-uefi-ca.p7        osslsigncode, a self-made CA that copies the subject name of
#                            "Microsoft Corporation UEFI CA 2011" (different key): must NOT count
# Run from anywhere; writes next to this script. Needs openssl, sbsign, osslsigncode, python3.
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
src=/usr/lib/shim/shimx64.efi
tmp="$(mktemp -d)"; trap 'rm -rf "$tmp"' EXIT
cd "$tmp"
days=36500
export SOURCE_DATE_EPOCH=1767225600
openssl req -x509 -newkey rsa:2048 -nodes -keyout self.key -out self.crt -days $days \
  -subj "/CN=vhdlint test signer/O=vhdlint tests" 2>/dev/null
sbsign --key self.key --cert self.crt --output self.efi "$src" 2>/dev/null

mkca() { # name subject
  openssl req -x509 -newkey rsa:2048 -nodes -keyout "$1.key" -out "$1.crt" -days $days -subj "$2" \
    -addext "basicConstraints=critical,CA:TRUE" -addext "subjectKeyIdentifier=hash" 2>/dev/null
}
mkleaf() { # ca leafname subject
  openssl req -newkey rsa:2048 -nodes -keyout "$2.key" -out "$2.csr" -subj "$3" 2>/dev/null
  printf 'subjectKeyIdentifier=hash\nauthorityKeyIdentifier=keyid\nextendedKeyUsage=codeSigning\n' > ext.cnf
  openssl x509 -req -in "$2.csr" -CA "$1.crt" -CAkey "$1.key" -CAcreateserial -out "$2.crt" -days $days -extfile ext.cnf 2>/dev/null
}
mkca ca "/CN=vhdlint test CA/O=vhdlint tests"
mkleaf ca leaf "/CN=vhdlint test leaf/O=vhdlint tests"
osslsigncode sign -certs leaf.crt -key leaf.key -ac ca.crt -h sha256 -in "$src" -out chain.efi >/dev/null
mkca forged "/C=US/ST=Washington/L=Redmond/O=Microsoft Corporation/CN=Microsoft Corporation UEFI CA 2011"
mkleaf forged fleaf "/CN=Not Microsoft/O=vhdlint tests"
osslsigncode sign -certs fleaf.crt -key fleaf.key -h sha256 -in "$src" -out forged.efi >/dev/null

extract() { # pe out: the first WIN_CERTIFICATE's bCertificate
  /usr/bin/env python3 - "$1" "$2" <<'PY'
import struct, sys
d = open(sys.argv[1], 'rb').read()
pe = struct.unpack_from('<I', d, 0x3c)[0]
opt = pe + 24
dirs = opt + (112 if struct.unpack_from('<H', d, opt)[0] == 0x20b else 96)
va, size = struct.unpack_from('<II', d, dirs + 32)
length = struct.unpack_from('<I', d, va)[0]
open(sys.argv[2], 'wb').write(d[va + 8:va + length])
PY
}
extract self.efi "$here/selfsigned-sbsign.p7"
extract chain.efi "$here/chain-osslsigncode.p7"
extract forged.efi "$here/forged-uefi-ca.p7"
ls -l "$here"/*.p7
