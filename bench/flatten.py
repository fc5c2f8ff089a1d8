#!/usr/bin/env python3
"""Flatten record files into one JSON array for `sqlite-utils insert`.

    bench/flatten.py OUT.json PATH...

Reads every .json record under PATH (errkb records, or deadends ErrorCanon
files, told apart by their nested `error` object) and writes one flat row per
record: scalar fields as they are, dead ends / workarounds / tags / aliases /
translations as newline-joined text, so that `sqlite-utils enable-fts` can
index the same text errkb indexes. No validation: this is the baseline's input,
prepared outside the timed part of the benchmark.
"""

import json
import sys
from pathlib import Path

TEXT_COLUMNS = ["signature", "root_cause", "dead_ends", "workarounds", "tags", "aliases", "translations"]


def items_text(items):
    lines = []
    for item in items or []:
        if isinstance(item, dict):
            lines.append(" — ".join(str(item[k]) for k in ("action", "why_fails", "how", "condition", "tradeoff",
                                                            "common_misconception") if item.get(k)))
        elif item:
            lines.append(str(item))
    return "\n".join(lines)


def from_canon(c):
    err, verdict, meta = c.get("error") or {}, c.get("verdict") or {}, c.get("metadata") or {}
    env = c.get("environment") or {}
    tags = [f"{k}:{v}" for k, v in sorted((env.get("additional") or {}).items()) if isinstance(v, (str, int, float))]
    return {
        "id": c.get("id"),
        "signature": err.get("signature"),
        "regex": err.get("regex"),
        "domain": err.get("domain"),
        "category": err.get("category"),
        "root_cause": verdict.get("summary"),
        "resolvable": verdict.get("resolvable"),
        "fix_success_rate": verdict.get("fix_success_rate"),
        "confidence": verdict.get("confidence"),
        "verification_tier": meta.get("review_status"),
        "first_seen": err.get("first_seen"),
        "last_confirmed": err.get("last_confirmed"),
        "last_updated": verdict.get("last_updated"),
        "evidence_count": meta.get("evidence_count"),
        "locale": "en",
        "dead_ends": items_text(c.get("dead_ends")),
        "workarounds": items_text(c.get("workarounds")),
        "tags": "\n".join(tags),
        "aliases": "",
        "translations": "",
    }


def from_record(r):
    translations = []
    for key in sorted(r):
        for base in ("signature_", "root_cause_", "dead_ends_", "workarounds_"):
            if key.startswith(base):
                value = r[key]
                translations.append(items_text(value) if isinstance(value, list) else str(value))
    return {
        "id": r.get("id"),
        "signature": r.get("signature"),
        "regex": r.get("regex"),
        "domain": r.get("domain"),
        "category": r.get("category"),
        "root_cause": r.get("root_cause"),
        "resolvable": r.get("resolvable"),
        "fix_success_rate": r.get("fix_success_rate"),
        "confidence": r.get("confidence"),
        "verification_tier": r.get("verification_tier"),
        "first_seen": r.get("first_seen"),
        "last_confirmed": r.get("last_confirmed"),
        "last_updated": r.get("last_updated"),
        "evidence_count": r.get("evidence_count"),
        "locale": r.get("locale", "en"),
        "dead_ends": items_text(r.get("dead_ends")),
        "workarounds": items_text(r.get("workarounds")),
        "tags": "\n".join(str(t) for t in r.get("tags") or []),
        "aliases": "\n".join(str(a) for a in r.get("aliases") or []),
        "translations": "\n".join(translations),
    }


def main():
    if len(sys.argv) < 3:
        sys.exit("usage: flatten.py OUT.json PATH...")
    rows = []
    for root in sys.argv[2:]:
        root = Path(root)
        files = [root] if root.is_file() else sorted(p for p in root.rglob("*.json") if p.is_file())
        for path in files:
            try:
                doc = json.loads(path.read_text(encoding="utf-8"))
            except ValueError:
                continue
            if isinstance(doc, dict) and doc.get("id"):
                rows.append(from_canon(doc) if isinstance(doc.get("error"), dict) else from_record(doc))
    rows.sort(key=lambda row: str(row["id"]))
    Path(sys.argv[1]).write_text(json.dumps(rows, ensure_ascii=False), encoding="utf-8")
    print(f"flatten: {len(rows)} rows in {sys.argv[1]}", file=sys.stderr)


if __name__ == "__main__":
    main()
