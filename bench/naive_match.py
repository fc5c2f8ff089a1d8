#!/usr/bin/env python3
"""Baseline for `errkb match` in `make bench`: the naive scan, as a whole command.

  naive_match.py DB FILE

Loads every record regex from an errkb database, compiles each with Python's
`re` (case-insensitive) and runs every one on every line of FILE, the way a
lookup without a prefilter works (the reference deadends.dev system scans its
regexes this way). Prints the matching ids as JSON, best (longest match) first.
"""

import json
import re
import sqlite3
import sys


def main():
    if len(sys.argv) != 3:
        sys.exit("usage: naive_match.py DB FILE")
    db = sqlite3.connect(f"file:{sys.argv[1]}?mode=ro", uri=True)
    compiled = []
    for rid, pattern in db.execute("SELECT id, regex FROM records"):
        try:
            compiled.append((rid, re.compile(pattern, re.IGNORECASE)))
        except re.error:
            pass  # RE2 syntax Python does not know: that record cannot match here
    with open(sys.argv[2], encoding="utf-8", errors="replace") as f:
        lines = f.read().splitlines()
    best = {}
    for number, line in enumerate(lines, 1):
        for rid, regex in compiled:
            m = regex.search(line)
            if m and len(m.group(0)) > best.get(rid, (-1, 0))[0]:
                best[rid] = (len(m.group(0)), number)
    results = [{"id": rid, "line": line, "covered": n} for rid, (n, line) in best.items()]
    results.sort(key=lambda r: (-r["covered"], r["id"]))
    print(json.dumps({"results": results[:10]}))


if __name__ == "__main__":
    main()
