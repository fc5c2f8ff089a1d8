#!/usr/bin/env python3
"""Generate N synthetic errkb records shaped like the deadends corpus.

    bench/gen_records.py N OUTDIR [--seed S] [--corpus DIR]

Each record is written as OUTDIR/<domain>/<slug>.json with the id
`<domain>/<slug>`. The text is sampled from the deadends corpus (signatures,
root causes, dead ends, workarounds, versions, sources) and varied: numbers,
quoted identifiers and paths in the signature are replaced, the regex is built
from the varied signature (literals escaped, numbers generalized to \\d+) and
checked to match it case-insensitively, about 3% of the records carry Chinese
translations, and about a quarter have transition-graph edges to other
generated ids (every `leads_to` has its `preceded_by` on the other side).

The output depends only on N, the seed and the corpus: the same arguments give
byte-identical files. OUTDIR must be absent or empty, so that a run never
mixes two generations.
"""

import argparse
import datetime
import json
import os
import random
import re
import sys
from pathlib import Path

DEFAULT_CORPUS = Path(__file__).resolve().parent.parent.parent / "shared" / "corpus" / "deadends"

SEGMENT = re.compile(r"^[a-z0-9]+(?:[._-][a-z0-9]+)*$")
RE2_SPECIAL = set("\\.^$|?*+()[]{}")

# Chinese phrases for the ~3% of records with translations (signature_zh,
# root_cause_zh, workarounds_zh). Real wording, recombined.
ZH_SIGNATURES = [
    "错误：无法连接到 {x}",
    "运行时错误：{x} 的数据类型不兼容",
    "导入错误：找不到模块 {x}",
    "权限被拒绝：无法写入 {x}",
    "端口 {n} 已被占用，{x} 无法启动",
    "内存不足：分配 {n} MB 时 {x} 失败",
    "配置错误：{x} 缺少必需的字段",
    "超时：等待 {x} 响应超过 {n} 秒",
    "版本冲突：{x} 需要更高的版本",
    "构建失败：{x} 中存在未解析的符号",
]
ZH_CAUSES = [
    "配置文件中的值与运行环境不一致，",
    "依赖包的版本与当前解释器不兼容，",
    "进程没有访问该资源所需的权限，",
    "上一次运行留下的进程仍然占用该资源，",
    "缓存中保存了过期的元数据，",
    "网络代理拦截了请求，",
]
ZH_EFFECTS = [
    "导致启动时立即失败。",
    "导致在运行期间出现类型转换错误。",
    "因此每次重试都会得到同样的错误。",
    "使得错误只在特定环境中出现。",
]
ZH_WORKAROUNDS = [
    "检查 {x} 的配置并与运行环境保持一致。",
    "升级 {x} 到兼容的版本后重新安装依赖。",
    "停止占用资源的旧进程，然后重新启动 {x}。",
    "清除缓存目录后重新运行构建。",
    "为 {x} 授予所需的权限，或改用用户目录。",
    "在虚拟环境中重新安装 {x}。",
]
ZH_DEAD_ENDS = [
    "直接重启机器",
    "删除整个依赖目录后重装",
    "关闭所有安全检查",
    "反复重试同一命令",
]

OS_NOTES = {
    "linux": "On Linux the error also appears when the process runs under a different user than the files belong to.",
    "macos": "On macOS, Gatekeeper and SIP can produce the same message; check `xattr -l` on the binary.",
    "windows": "On Windows the path length limit (260 characters) can trigger the same error; enable long paths.",
}


def slugify(text, limit=40):
    s = re.sub(r"[^a-z0-9]+", "-", text.lower()).strip("-")
    s = re.sub(r"-+", "-", s)[:limit].strip("-")
    return s


def segment(text, fallback):
    s = re.sub(r"[^a-z0-9._-]+", "_", str(text).lower())
    s = re.sub(r"[._-]{2,}", "_", s).strip("._-")[:64].strip("._-")
    return s if s and SEGMENT.match(s) else fallback


def re2_escape(text):
    return "".join("\\" + c if c in RE2_SPECIAL else c for c in text)


def generalize(text):
    """Escape a literal for RE2 and turn every run of digits into \\d+."""
    return "\\d+".join(re2_escape(part) for part in re.split(r"\d+", text))


class Corpus:
    """Text pools sampled from the deadends canons."""

    def __init__(self, root):
        files = sorted(p for p in Path(root).rglob("*.json") if p.is_file())
        if not files:
            sys.exit(f"gen_records: no canons under {root}")
        self.canons = []
        self.by_domain = {}
        words = set()
        for path in files:
            try:
                c = json.loads(path.read_text(encoding="utf-8"))
                err = c["error"]
                canon = {
                    "domain": segment(err.get("domain") or c["id"].split("/")[0], "misc"),
                    "slug": slugify(c["id"].split("/")[1], 60) or "error",
                    "signature": err["signature"],
                    "category": segment(err.get("category"), "runtime_error"),
                    "runtime": (c.get("environment") or {}).get("runtime") or {},
                    "os": str((c.get("environment") or {}).get("os") or "any"),
                    "additional": (c.get("environment") or {}).get("additional") or {},
                    "summary": (c.get("verdict") or {}).get("summary") or "",
                    "dead_ends": [d for d in c.get("dead_ends") or [] if isinstance(d, dict) and d.get("action")],
                    "workarounds": [w for w in c.get("workarounds") or [] if isinstance(w, dict) and w.get("action")],
                }
            except (ValueError, KeyError, TypeError, IndexError, AttributeError):
                continue  # a malformed canon is the importer's business, not ours
            self.canons.append(canon)
            self.by_domain.setdefault(canon["domain"], []).append(canon)
            words.update(w.lower() for w in re.findall(r"\b[A-Za-z]{4,10}\b", canon["signature"]))
        self.words = sorted(words)


class Generator:
    def __init__(self, corpus, seed):
        self.corpus = corpus
        self.rng = random.Random(seed)

    # -- identifiers -------------------------------------------------------
    def word(self):
        return self.rng.choice(self.corpus.words)

    def ident(self):
        r = self.rng
        w1, w2 = self.word(), self.word()
        form = r.randrange(6)
        if form == 0:
            return f"{w1}_{w2}"
        if form == 1:
            return w1.capitalize() + w2.capitalize()
        if form == 2:
            return f"{w1}.{w2}"
        if form == 3:
            return f"{w1}_{r.randrange(2, 999)}"
        if form == 4:
            return f"{w1}-{w2}"
        return f"{w1}{r.randrange(1, 64)}"

    def path(self):
        r = self.rng
        root = r.choice(["/home/dev", "/srv/app", "/opt", "/var/lib", "/usr/local/lib", "/tmp/build"])
        parts = [self.word() for _ in range(r.randrange(1, 4))]
        ext = r.choice([".py", ".js", ".ts", ".go", ".rs", ".yaml", ".json", ".so", ""])
        return root + "/" + "/".join(parts) + ext

    def number(self, digits):
        if digits <= 1:
            return str(self.rng.randrange(1, 10))
        digits = min(digits, 9)
        return str(self.rng.randrange(10 ** (digits - 1), 10**digits))

    # -- signature and regex -----------------------------------------------
    def vary_signature(self, signature):
        """Returns (signature, anchors): anchors are literals inserted by us."""
        r = self.rng
        anchors = []

        def quoted(m):
            if r.random() < 0.8:
                new = self.ident()
                anchors.append(new)
                return m.group(1) + new + m.group(3)
            return m.group(0)

        def path(m):
            new = self.path()
            anchors.append(new)
            return new

        def number(m):
            return self.number(len(m.group(0))) if r.random() < 0.6 else m.group(0)

        s = re.sub(r"(['\"`])([\w.\-/:]{1,40})(\1)", quoted, signature)
        s = re.sub(r"(?<![\w.])(?:/[\w.\-]+){2,}", path, s)
        s = re.sub(r"(?<![\w.])\d+(?![\w.])", number, s)
        if not anchors:
            extra = self.ident()
            anchors.append(extra)
            # A traceback frame only under messages that read like program errors.
            form = r.randrange(4 if re.search(r"(?:error|exception)\b", s, re.IGNORECASE) else 3)
            if form == 0:
                s = f"{s} (in {extra})"
            elif form == 1:
                s = f"{s} [{extra}]"
            elif form == 2:
                s = f"{s}: {extra}"
            else:
                line = r.randrange(1, 2000)
                s = f'{s}\n  File "{self.path()}", line {line}, in {extra}'
        return s[:7900], anchors

    def fragment(self, text):
        """A run of 3-6 words of `text` at least 12 characters long, as (start, end); None if `text` is shorter."""
        spans = [m.span() for m in re.finditer(r"[^\s]+", text)]
        for _ in range(4):
            if len(spans) < 3:
                break
            i = self.rng.randrange(0, len(spans) - 2)
            j = min(len(spans) - 1, i + self.rng.randrange(2, 6))
            if spans[j][1] - spans[i][0] >= 12:
                return spans[i][0], spans[j][1]
        return None

    @staticmethod
    def joined(first_line, parts):
        """The non-overlapping `parts` (spans of `first_line`) in order, escaped and joined by `.*`."""
        kept, end = [], -1
        for s, e in sorted(parts):
            if s >= end:
                kept.append((s, e))
                end = e
        return ".*".join(generalize(first_line[s:e]) for s, e in kept)

    def regex_for(self, signature, anchors):
        """A regex for `signature` the way curators write them: one or two distinctive literal fragments
        (with the varying identifier when the first line has one) joined by `.*`, sometimes an alternation,
        sometimes the whole first line; digits generalized to \\d+. Checked to match `signature`."""
        r = self.rng
        first_line = signature.split("\n", 1)[0]
        anchor = None
        for a in anchors:
            pos = first_line.find(a)
            if pos >= 0:
                anchor = (pos, pos + len(a))
                break
        frag = self.fragment(first_line)
        if r.random() < 0.2 and len(first_line) <= 300 or frag is None:
            candidate = generalize(first_line[:300])
        else:
            candidate = self.joined(first_line, [frag] + ([anchor] if anchor else []))
            if r.random() < 0.25:
                alt = self.fragment(first_line)
                if alt and alt != frag:
                    candidate = f"({candidate}|{self.joined(first_line, [alt] + ([anchor] if anchor else []))})"
        try:
            if re.search(candidate, signature, re.IGNORECASE):
                return candidate
        except re.error:
            pass
        return generalize(first_line[:300]) or "error"

    # -- text --------------------------------------------------------------
    def dead_ends(self, canon):
        r = self.rng
        pool = list(canon["dead_ends"])
        if r.random() < 0.3:
            other = r.choice(self.corpus.by_domain[canon["domain"]])
            pool += other["dead_ends"][:1]
        out = []
        for d in pool[:4]:
            item = {"action": str(d["action"]), "why_fails": str(d.get("why_fails") or "It does not address the cause."),
                    "fail_rate": round(r.uniform(0.4, 1.0), 2)}
            if d.get("condition"):
                item["condition"] = str(d["condition"])
            if d.get("common_misconception"):
                item["common_misconception"] = str(d["common_misconception"])
            item["sources"] = [s for s in d.get("sources") or [] if isinstance(s, str)][:3]
            out.append(item)
        return out

    def workarounds(self, canon):
        r = self.rng
        out = []
        for w in canon["workarounds"][:4]:
            item = {"action": str(w["action"]), "success_rate": round(r.uniform(0.5, 0.98), 2)}
            if w.get("how") and w["how"] != w["action"]:
                item["how"] = str(w["how"])
            if w.get("condition"):
                item["condition"] = str(w["condition"])
            if w.get("tradeoff"):
                item["tradeoff"] = str(w["tradeoff"])
            item["sources"] = [s for s in w.get("sources") or [] if isinstance(s, str)][:3]
            out.append(item)
        if not out:
            out.append({"action": "Reproduce with verbose logging and compare the environment with a working one.",
                        "success_rate": 0.5, "sources": []})
        return out

    def dates(self):
        """first_seen <= last_confirmed <= last_updated <= 2026-09-30; most records confirmed in the last
        ~13 months, the rest up to four years back (stale)."""
        r = self.rng
        start = datetime.date(2016, 1, 1)
        end = datetime.date(2026, 9, 30)
        first = start + datetime.timedelta(days=r.randrange(0, (end - start).days - 30))
        window = 400 if r.random() < 0.85 else 1500
        earliest = max(first, end - datetime.timedelta(days=window))
        confirmed = earliest + datetime.timedelta(days=r.randrange(0, (end - earliest).days + 1))
        updated = min(end, confirmed + datetime.timedelta(days=r.randrange(0, 60)))
        return first.isoformat(), confirmed.isoformat(), updated.isoformat()

    def verdict(self):
        r = self.rng
        resolvable = r.choices(["true", "partial", "false"], weights=[70, 22, 8])[0]
        if resolvable == "true":
            rate = r.uniform(0.7, 0.98)
        elif resolvable == "partial":
            rate = r.uniform(0.3, 0.75)
        else:
            rate = r.uniform(0.0, 0.19)
        confidence = r.uniform(0.4, 0.95)
        evidence = r.randrange(3, 40) if r.random() < 0.9 else r.randrange(0, 3)
        if evidence < 3:
            confidence = r.uniform(0.1, 0.3)
        tier = r.choices(["ai_generated", "community_verified", "human_reviewed"], weights=[60, 25, 15])[0]
        return resolvable, round(rate, 2), round(confidence, 2), evidence, tier

    def chinese(self, record):
        r = self.rng
        x = record["_anchor"]
        record["signature_zh"] = r.choice(ZH_SIGNATURES).format(x=x, n=r.randrange(2, 9000))
        record["root_cause_zh"] = r.choice(ZH_CAUSES) + r.choice(ZH_EFFECTS)
        record["dead_ends_zh"] = [r.choice(ZH_DEAD_ENDS) for _ in record["dead_ends"]]
        record["workarounds_zh"] = [r.choice(ZH_WORKAROUNDS).format(x=x) for _ in record["workarounds"]]

    def record(self, rid, canon, edges):
        r = self.rng
        domain, slug = rid.split("/")
        signature, anchors = self.vary_signature(canon["signature"])
        first, confirmed, updated = self.dates()
        resolvable, rate, confidence, evidence, tier = self.verdict()
        runtime = canon["runtime"]
        version = " ".join(str(v) for v in (runtime.get("name"), runtime.get("version_range")) if v) or domain
        tags = [domain]
        for key in ("country", "audience"):
            if key in canon["additional"]:
                tags.append(f"{key}:{canon['additional'][key]}".strip())
        tags += sorted({self.word() for _ in range(r.randrange(0, 3))})
        os_specific = {}
        if canon["os"] in OS_NOTES and r.random() < 0.3:
            os_specific[canon["os"]] = OS_NOTES[canon["os"]]

        rec = {
            "id": rid,
            "signature": signature,
            "regex": self.regex_for(signature, anchors),
            "domain": domain,
            "category": canon["category"],
            "subcategory": None,
            "root_cause": canon["summary"] or "The cause has not been established yet.",
            "root_cause_type": r.choice(["generic", "environment", "version", "configuration"]),
            "versions": [{"version": version[:200], "status": "active"}],
            "os_specific": os_specific,
            "dead_ends": self.dead_ends(canon),
            "workarounds": self.workarounds(canon),
            "transition_graph": edges,
            "official_doc_url": None,
            "official_doc_section": None,
            "error_code": None,
            "verification_tier": tier,
            "confidence": confidence,
            "fix_success_rate": rate,
            "resolvable": resolvable,
            "first_seen": first,
            "last_confirmed": confirmed,
            "last_updated": updated,
            "evidence_count": evidence,
            "tags": tags,
            "locale": "en",
            "aliases": [],
            "provenance": {"source": "errkb-bench", "source_id": f"{canon['domain']}/{canon['slug']}",
                           "generated_by": "bench/gen_records.py", "generation_date": updated},
            "_anchor": anchors[0],
        }
        if r.random() < 0.1:
            rec["aliases"] = [signature.split("\n", 1)[0][:120].replace(anchors[0], "…")]
        if r.random() < 0.03:
            self.chinese(rec)
        del rec["_anchor"]
        return rec


def plan_ids(gen, n):
    """Ids first (so graph edges can point forward), each with the canon it varies."""
    r = gen.rng
    taken, plan = set(), []
    canons = gen.corpus.canons
    for i in range(n):
        canon = canons[i] if i < len(canons) else r.choice(canons)
        base = canon["slug"][:60].strip("-")
        slug = base if i < len(canons) and f"{canon['domain']}/{base}" not in taken else f"{base}-{gen.word()}"
        k = 2
        while f"{canon['domain']}/{slug}" in taken:
            slug = f"{base}-{gen.word()}-{k}"
            k += 1
        rid = f"{canon['domain']}/{slug}"
        taken.add(rid)
        plan.append((rid, canon))
    return plan


def plan_edges(gen, plan):
    r = gen.rng
    by_domain = {}
    for rid, canon in plan:
        by_domain.setdefault(canon["domain"], []).append(rid)
    graph = {rid: {"leads_to": [], "preceded_by": [], "frequently_confused_with": []} for rid, _ in plan}
    for rid, canon in plan:
        peers = by_domain[canon["domain"]]
        if len(peers) < 2:
            continue
        if r.random() < 0.2:
            target = r.choice(peers)
            if target != rid and all(e != target and (not isinstance(e, dict) or e["error_id"] != target)
                                     for e in graph[rid]["leads_to"]):
                if r.random() < 0.5:
                    graph[rid]["leads_to"].append(target)
                    graph[target]["preceded_by"].append(rid)
                else:
                    p = round(r.uniform(0.1, 0.8), 2)
                    graph[rid]["leads_to"].append({"error_id": target, "probability": p,
                                                   "condition": "After the first error is worked around",
                                                   "typical_delay": r.choice(["immediate", "minutes", "next run"])})
                    graph[target]["preceded_by"].append({"error_id": rid, "probability": p})
        if r.random() < 0.08:
            target = r.choice(peers)
            if target != rid:
                graph[rid]["frequently_confused_with"].append(
                    {"error_id": target, "distinction": "Same symptom, different cause: compare the full message."})
    return graph


def main():
    ap = argparse.ArgumentParser(description="Generate N synthetic errkb records shaped like the deadends corpus.")
    ap.add_argument("n", type=int, help="number of records")
    ap.add_argument("outdir", type=Path, help="output folder (absent or empty)")
    ap.add_argument("--seed", type=int, default=1, help="random seed (default 1)")
    ap.add_argument("--corpus", type=Path, default=DEFAULT_CORPUS, help=f"deadends corpus (default {DEFAULT_CORPUS})")
    args = ap.parse_args()
    if args.n < 0:
        ap.error("N must be >= 0")
    if args.outdir.exists() and any(args.outdir.iterdir()):
        ap.error(f"{args.outdir} is not empty")

    gen = Generator(Corpus(args.corpus), args.seed)
    plan = plan_ids(gen, args.n)
    graph = plan_edges(gen, plan)
    made = set()
    for rid, canon in plan:
        rec = gen.record(rid, canon, graph[rid])
        domain, slug = rid.split("/")
        folder = args.outdir / domain
        if domain not in made:
            folder.mkdir(parents=True, exist_ok=True)
            made.add(domain)
        text = json.dumps(rec, ensure_ascii=False, indent=2) + "\n"
        (folder / f"{slug}.json").write_text(text, encoding="utf-8")
    print(f"gen_records: {args.n} records in {args.outdir} (seed {args.seed})", file=sys.stderr)


if __name__ == "__main__":
    main()
