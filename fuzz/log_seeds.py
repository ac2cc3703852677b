"""Writes registry_log seeds: each corpus hive joined with one of its transaction logs in the
input layout `vhdlint_registry::fuzzing::exercise_log_replay` splits (first byte = cut, then
hive + log, split at len(rest) * cut // 255). The hive is padded with zeros (beyond its hive
bins, which nothing reads) so the split lands exactly between hive and log, and the seed starts
as a real dirty hive with a real log that replays.

    python3 fuzz/log_seeds.py CORPUS_DIR OUT_DIR MAX_LEN
"""
import bz2
import gzip
import lzma
import os
import re
import sys


def read(path):
    opener = {".xz": lzma.open, ".gz": gzip.open, ".bz2": bz2.open}.get(
        os.path.splitext(path)[1], open
    )
    with opener(path, "rb") as f:
        return f.read()


def strip(name):
    return re.sub(r"\.(xz|gz|bz2)$", "", name)


def join(hive, log):
    """cut byte + padded hive + log, so that the target's split gives back (hive, log)."""
    h, l = len(hive), len(log)
    for cut in range(max(1, -(-255 * h // (h + l))), 255):
        padded = max(h, -(-l * cut // (255 - cut)))
        for p in range(padded, padded + 256):
            if (p + l) * cut // 255 == p:
                return bytes([cut]) + hive + bytes(p - h) + log
    return None


def main():
    corpus, out, max_len = sys.argv[1], sys.argv[2], int(sys.argv[3])
    written = 0
    for top in ("hives", "bcd"):
        for dirpath, _, files in os.walk(os.path.join(corpus, top)):
            for log_name in sorted(files):
                m = re.match(r"(.+)\.(log[12]?)$", strip(log_name), re.IGNORECASE)
                if not m:
                    continue
                base = [f for f in files if strip(f).lower() == m.group(1).lower()]
                if not base:
                    continue
                hive, log = read(os.path.join(dirpath, base[0])), read(os.path.join(dirpath, log_name))
                seed = join(hive, log) if len(hive) + len(log) + 256 < max_len else None
                if seed is None or len(seed) > max_len:
                    continue
                rel = os.path.relpath(os.path.join(dirpath, strip(log_name)), corpus)
                with open(os.path.join(out, "joined_" + rel.replace("/", "_")), "wb") as f:
                    f.write(seed)
                written += 1
    print(f"{written} hive+log seeds")


if __name__ == "__main__":
    main()
