"""Walks a hive with hivex (Debian's python3-hivex) and prints one JSON line per key, in
pre-order, subkeys in hivex's order: the independent side of tests/hivex_differential.rs.

    /usr/bin/python3 hivex_walk.py HIVE

Each line: {"path": "A\\B", "subkeys": [names], "values": [[name, type, hex, decoded]]}, where
decoded is hivex's own decoding (value_string for REG_SZ/REG_EXPAND_SZ, value_multiple_strings
for REG_MULTI_SZ, value_dword/value_qword) or null when hivex refuses to decode the data.
"""
import json
import sys

import hivex


def decoded(h, v, t):
    try:
        if t in (1, 2):
            return h.value_string(v)
        if t == 7:
            return h.value_multiple_strings(v)
        # The binding returns these as signed integers; the registry stores them unsigned.
        if t in (4, 5):
            return h.value_dword(v) & 0xFFFFFFFF
        if t == 11:
            return h.value_qword(v) & 0xFFFFFFFFFFFFFFFF
    except Exception:  # hivex refuses (e.g. a REG_DWORD with 0 bytes): no decoding
        return None
    return None


def main():
    h = hivex.Hivex(sys.argv[1])
    out = sys.stdout
    stack = [(h.root(), "")]
    while stack:
        node, path = stack.pop()
        children = h.node_children(node)
        names = [h.node_name(c) for c in children]
        values = []
        for v in h.node_values(node):
            try:
                t, data = h.value_value(v)
            except RuntimeError:
                # hivex fails to fetch the data of some zero-length values (a nil data offset,
                # yarp's System_Delta `ExistingPageFiles`) although it knows their length is 0.
                t, length = h.value_type(v)
                if length != 0:
                    raise
                data = b""
            values.append([h.value_key(v), t, data.hex(), decoded(h, v, t)])
        out.write(json.dumps({"path": path, "subkeys": names, "values": values}) + "\n")
        for c, n in reversed(list(zip(children, names))):
            stack.append((c, n if not path else path + "\\" + n))


if __name__ == "__main__":
    main()
