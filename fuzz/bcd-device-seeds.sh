#!/usr/bin/env bash
# Extracts every device element (types 11000001, 21000001, 31000003) of the corpus BCD stores
# with hivex (Debian python3-hivex, a third-party reader) into OUTDIR/<store>-<object>-<type>.bin:
# the bcd_device fuzz seeds, made at run time by fuzz/run.sh (corpus bytes are never committed).
#   fuzz/bcd-device-seeds.sh CORPUS OUTDIR
set -euo pipefail
corpus="$1"
here="$2"
tmp="$(mktemp -d)"; trap 'rm -rf "$tmp"' EXIT
xz -dc "$corpus/bcd/regipy/BCD.xz" >"$tmp/regipy"
xz -dc "$corpus/bcd/museum-win7/BCD.xz" >"$tmp/win7"
/usr/bin/python3 - "$tmp" "$here" <<'PY'
import hivex, sys, os
tmp, out = sys.argv[1], sys.argv[2]
for store in ("regipy", "win7"):
    h = hivex.Hivex(os.path.join(tmp, store))
    objs = h.node_get_child(h.root(), "Objects")
    for o in h.node_children(objs):
        els = h.node_get_child(o, "Elements")
        if not els:
            continue
        for e in h.node_children(els):
            name = h.node_name(e).lower()
            if name not in ("11000001", "21000001", "31000003"):
                continue
            for v in h.node_values(e):
                _, data = h.value_value(v)
                obj = h.node_name(o).strip("{}")[:8]
                open(os.path.join(out, f"{store}-{obj}-{name}.bin"), "wb").write(data)
PY
ls "$here"/*.bin | wc -l
