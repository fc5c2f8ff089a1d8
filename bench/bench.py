#!/usr/bin/env python3
"""errkb benchmark driver: `bench/run.sh BUILD_DIR` (or `make bench`) runs this.

Times the errkb commands against their baselines and prints one table:

  validate   errkb validate of the generated records (they must all pass)
  ingest     cold ingest of 2,500 and 100,000 generated records vs
             `sqlite-utils insert` + `sqlite-utils enable-fts` on the same
             records flattened; no-op re-ingest; peak RSS
  corpus     `errkb import deadends` + `errkb ingest` of the real corpus vs
             sqlite-utils loading the same records
  lookup     whole-command `errkb search` / `errkb match` at 2,522 and 100,000
             records, plus the output of `errkb_match_eval` (in-process times,
             naive-scan baseline, precision@1/@3, MRR) when the build has it
  export     `errkb export` of the corpus (2 locales) and of 100,000 records
  lint       `errkb lint` of the imported corpus (time, findings per rule)
             and of 100,000 records

A command the binary does not have is reported as `skipped: errkb X not
available` and the rest still runs. Everything the bench writes goes under
bench/out/ (or $BENCH_OUT); generated records and their flattened form are
cached there between runs. Settings, from the environment:

  BENCH_SMALL (2500)  BENCH_LARGE (100000)  BENCH_SEED (1)  BENCH_RUNS (10)
  BENCH_OUT (bench/out)  BENCH_CORPUS (../shared/corpus/deadends)
  BENCH_SKIP_LARGE=1 (only the small sizes)  BENCH_MATCH_SYNTHETIC (records
  errkb_match_eval adds to the corpus; default BENCH_LARGE minus the corpus)
  BENCH_TIMEOUT (300: seconds a single timed command may take)
"""

import datetime
import hashlib
import json
import os
import re
import shlex
import shutil
import subprocess
import sys
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
SOURCE = HERE.parent


def env_int(name, default):
    try:
        return int(os.environ.get(name, default))
    except ValueError:
        sys.exit(f"bench: {name} must be an integer")


SMALL = env_int("BENCH_SMALL", 2500)
LARGE = env_int("BENCH_LARGE", 100000)
SEED = env_int("BENCH_SEED", 1)
RUNS = max(2, env_int("BENCH_RUNS", 10))
TIMEOUT = env_int("BENCH_TIMEOUT", 300)
SKIP_LARGE = os.environ.get("BENCH_SKIP_LARGE", "") not in ("", "0")
OUT = Path(os.environ.get("BENCH_OUT", HERE / "out")).resolve()
CORPUS = Path(os.environ.get("BENCH_CORPUS", SOURCE.parent / "shared" / "corpus" / "deadends")).resolve()

SU_FTS_COLUMNS = ["signature", "root_cause", "dead_ends", "workarounds", "tags", "aliases", "translations"]
SEARCH_QUERIES = ["connection refused", "CUDA out of memory", "permission denied", "ModuleNotFoundError", "不兼容"]


def log(message):
    print(f"bench: {message}", file=sys.stderr, flush=True)


def count(n):
    return f"{n:,}"


def fmt_time(seconds):
    if seconds is None:
        return "-"
    if seconds < 0.01:
        return f"{seconds * 1000:.2f} ms"
    if seconds < 1:
        return f"{seconds * 1000:.1f} ms"
    return f"{seconds:.2f} s"


def db_size(db):
    """Size of an SQLite database with its WAL, in MB."""
    total = sum(p.stat().st_size for p in (Path(db), Path(f"{db}-wal")) if p.exists())
    return f"{total / 1e6:.0f} MB"


class Measure:
    """Wall time (mean over runs), CPU time (user+sys) and peak RSS of one command."""

    def __init__(self, wall, runs=1, sd=None, cpu=None, rss_kb=None, killed=False):
        self.wall, self.runs, self.sd, self.cpu, self.rss_kb, self.killed = wall, runs, sd, cpu, rss_kb, killed

    def plus(self, other):
        cpu = self.cpu + other.cpu if self.cpu is not None and other.cpu is not None else None
        rss = max(self.rss_kb or 0, other.rss_kb or 0) or None
        return Measure(self.wall + other.wall, min(self.runs, other.runs), None, cpu, rss)

    def wall_text(self):
        if self.killed:
            return f"> {fmt_time(self.wall)} (killed)"
        text = fmt_time(self.wall)
        if self.sd is not None and self.runs > 1:
            sd = self.sd if self.wall >= 1 else self.sd * 1000
            text += f" ±{sd:.2f}" if self.wall >= 1 or self.wall < 0.01 else f" ±{sd:.1f}"
            text += f" ({self.runs})"
        return text


class Row:
    def __init__(self, label, errkb=None, baseline=None, baseline_name="", target="", note="", skipped=None,
                 max_s=None, min_ratio=None, max_rss_mb=None, failed=None):
        self.label, self.errkb, self.baseline, self.baseline_name = label, errkb, baseline, baseline_name
        self.target, self.note, self.skipped, self.failed = target, note, skipped, failed
        self.max_s, self.min_ratio, self.max_rss_mb = max_s, min_ratio, max_rss_mb
        self.invalid = False

    def ratio(self):
        if self.errkb and self.baseline and self.errkb.wall > 0 and not self.errkb.killed and not self.baseline.killed:
            return self.baseline.wall / self.errkb.wall
        return None

    def cpu_ratio(self):
        e, b = self.errkb, self.baseline
        if e and b and e.cpu and b.cpu is not None and not e.killed and not b.killed:
            return b.cpu / e.cpu
        return None

    def verdict(self):
        checks = []
        if self.errkb is None:
            return ""
        if self.invalid:
            return "invalid"  # the command failed: its time means nothing
        if self.errkb.killed:
            return "NOT met"
        if self.max_s is not None:
            checks.append(self.errkb.wall <= self.max_s)
        if self.min_ratio is not None and self.ratio() is not None:
            checks.append(self.ratio() >= self.min_ratio)
        if self.max_rss_mb is not None and self.errkb.rss_kb is not None:
            checks.append(self.errkb.rss_kb / 1024 <= self.max_rss_mb)
        if not checks:
            return ""
        return "met" if all(checks) else "NOT met"


class Bench:
    def __init__(self, build_dir):
        self.build = Path(build_dir).resolve()
        self.errkb = self.build / "errkb"
        if not os.access(self.errkb, os.X_OK):
            sys.exit(f"bench: no errkb binary at {self.errkb} (build first: make build)")
        self.sections = []  # (title, [Row])
        self.extra = []  # (title, text) printed after the table
        self.data = OUT / "data"
        self.work = OUT / "work"
        self.hf = OUT / "hyperfine"
        for d in (self.data, self.work, self.hf):
            d.mkdir(parents=True, exist_ok=True)
        self.hf_count = 0
        self.env = {k: v for k, v in os.environ.items() if k not in ("ERRKB_DB", "SOURCE_DATE_EPOCH")}
        self.available = {}
        self.last_stderr = ""
        self.failures = []

    # -- capability checks --------------------------------------------------
    def has(self, *command):
        """True when `errkb COMMAND... --help` exits 0 and prints that command's own usage."""
        key = " ".join(command)
        if key not in self.available:
            try:
                p = subprocess.run([str(self.errkb), *command, "--help"], capture_output=True, text=True,
                                   timeout=30, env=self.env, cwd=self.work)
                usage = re.search(r"^Usage: \S*errkb (.*)$", p.stdout, re.MULTILINE)
                self.available[key] = p.returncode == 0 and usage is not None and (usage.group(1) + " ").startswith(
                    key + " ")
            except (OSError, subprocess.TimeoutExpired):
                self.available[key] = False
        return self.available[key]

    def need(self, rows, *command):
        if self.has(*command):
            return True
        rows.append(Row("", skipped=f"errkb {' '.join(command)}"))
        return False

    # -- measuring ----------------------------------------------------------
    def hyperfine(self, commands, runs=RUNS, warmup=1, prepare=None, ignore_failure=False):
        """Mean wall / CPU time of each shell command line in `commands` (hyperfine --export-json)."""
        self.hf_count += 1
        export = self.hf / f"{self.hf_count:02d}.json"
        argv = ["hyperfine", "--style", "none", "--runs", str(runs), "--warmup", str(warmup), "--export-json",
                str(export)]
        if prepare:
            argv += ["--prepare", prepare]
        if ignore_failure:
            argv.append("--ignore-failure")
        argv += commands
        p = subprocess.run(argv, capture_output=True, text=True, env=self.env, cwd=self.work)
        if p.returncode != 0:
            raise RuntimeError(f"hyperfine failed for {commands[0]!r}:\n{p.stderr.strip()[-2000:]}")
        results = json.loads(export.read_text())["results"]
        return [Measure(r["mean"], len(r["times"]), r.get("stddev"), r["user"] + r["system"]) for r in results]

    def once(self, argv, stdout_path=None, ok_codes=(0,), timeout=TIMEOUT, allow_timeout=False):
        """Runs `argv` once: wall time, CPU time and peak RSS (wait4 rusage, children included).

        A run longer than `timeout` is killed: with `allow_timeout` that gives a Measure flagged `killed`
        (the time and RSS until the kill), otherwise a RuntimeError."""
        out = open(stdout_path, "wb") if stdout_path else subprocess.DEVNULL
        err_path = self.work / "last-stderr.txt"
        with open(err_path, "wb") as err:
            start = time.perf_counter()
            proc = subprocess.Popen([str(a) for a in argv], stdout=out, stderr=err, env=self.env, cwd=self.work,
                                    start_new_session=True)
            deadline = start + timeout
            try:
                while True:
                    pid, status, usage = os.wait4(proc.pid, os.WNOHANG)
                    if pid:
                        break
                    if time.perf_counter() > deadline:
                        os.killpg(proc.pid, 9)
                        _, _, usage = os.wait4(proc.pid, 0)
                        if stdout_path:
                            out.close()
                        if allow_timeout:
                            return Measure(time.perf_counter() - start, 1, None, usage.ru_utime + usage.ru_stime,
                                           usage.ru_maxrss, killed=True)
                        raise RuntimeError(f"{' '.join(map(str, argv))}: killed after {timeout} s (BENCH_TIMEOUT)")
                    time.sleep(0.002)
            except KeyboardInterrupt:
                # The child runs in its own session (so a timeout can kill its whole group): stop it with us.
                os.killpg(proc.pid, 9)
                os.wait4(proc.pid, 0)
                raise
            wall = time.perf_counter() - start
        if stdout_path:
            out.close()
        code = os.waitstatus_to_exitcode(status)
        self.last_stderr = err_path.read_text(errors="replace")
        if code not in ok_codes:
            raise RuntimeError(f"{' '.join(map(str, argv))} exited {code}:\n"
                               f"{err_path.read_text(errors='replace').strip()[-2000:]}")
        return Measure(wall, 1, None, usage.ru_utime + usage.ru_stime, usage.ru_maxrss)

    def summary(self, stdout_path):
        """Last line of the last `once` run's stdout, else of its stderr (errkb prints summaries on stderr)."""
        for text in (Path(stdout_path).read_text(errors="replace"), self.last_stderr):
            lines = [l for l in text.strip().splitlines() if l.strip()]
            if lines:
                return lines[-1].strip()
        return "(no output)"

    def q(self, *argv):
        return shlex.join(str(a) for a in argv)

    # -- data ---------------------------------------------------------------
    def stamp(self, n):
        h = hashlib.sha256((HERE / "gen_records.py").read_bytes())
        h.update(f"{n} {SEED} {CORPUS}".encode())
        return h.hexdigest()[:16]

    def generated(self, n):
        """OUT/data/gen-N-sSEED: N generated records, regenerated when the generator changes."""
        folder = self.data / f"gen-{n}-s{SEED}"
        stamp_file = folder.with_suffix(".stamp")
        stamp = self.stamp(n)
        if folder.is_dir() and stamp_file.is_file() and stamp_file.read_text() == stamp:
            return folder
        log(f"generating {count(n)} records into {folder} (cached for later runs)")
        tmp = folder.with_name(folder.name + ".tmp")
        shutil.rmtree(tmp, ignore_errors=True)
        shutil.rmtree(folder, ignore_errors=True)
        stamp_file.unlink(missing_ok=True)
        subprocess.run([sys.executable, HERE / "gen_records.py", str(n), tmp, "--seed", str(SEED), "--corpus",
                        CORPUS], check=True)
        tmp.rename(folder)
        stamp_file.write_text(stamp)
        return folder

    def flattened(self, source, name):
        """One JSON array of flat rows for sqlite-utils, built from `source` outside the timed part."""
        flat = self.data / f"{name}.flat.json"
        stamp_file = self.data / f"{name}.flat.stamp"
        h = hashlib.sha256((HERE / "flatten.py").read_bytes())
        for p in sorted(Path(source).rglob("*.json")):
            st = p.stat()
            h.update(f"{p}:{st.st_size}:{st.st_mtime_ns}\n".encode())
        stamp = h.hexdigest()
        if flat.is_file() and stamp_file.is_file() and stamp_file.read_text() == stamp:
            return flat
        log(f"flattening {source} for sqlite-utils")
        subprocess.run([sys.executable, HERE / "flatten.py", flat, source], check=True)
        stamp_file.write_text(stamp)
        return flat

    @staticmethod
    def warm(path):
        """Reads every file once so each contender starts with the same (warm) page cache."""
        path = Path(path)
        for p in [path] if path.is_file() else path.rglob("*"):
            if p.is_file():
                with open(p, "rb") as f:
                    while f.read(1 << 20):
                        pass

    def sqlite_utils(self, flat, db):
        return (self.q("sqlite-utils", "insert", db, "records", flat, "--pk", "id") + " && " +
                self.q("sqlite-utils", "enable-fts", db, "records", *SU_FTS_COLUMNS))

    @staticmethod
    def rm_db(db):
        return f"rm -f {shlex.quote(str(db))} {shlex.quote(str(db))}-wal {shlex.quote(str(db))}-shm"

    # -- sections -----------------------------------------------------------
    def section_validate(self, small):
        rows = []
        self.sections.append(("validate", rows))
        if not self.need(rows, "validate"):
            return
        out = self.work / "validate.txt"
        self.once([self.errkb, "validate", small], stdout_path=out, ok_codes=(0, 1))
        summary = self.summary(out)
        m = self.hyperfine([self.q(self.errkb, "validate", small)], runs=3, warmup=0, ignore_failure=True)[0]
        rows.append(Row(f"validate {count(SMALL)} generated records", m, note=summary))

    def ingest_rows(self, rows, n, folder, large):
        db = self.work / f"ingest-{n}.db"
        su_db = self.work / f"su-{n}.db"
        flat = self.flattened(folder, folder.name)
        self.warm(folder)
        self.warm(flat)
        ingest = self.q(self.errkb, "ingest", folder, "--db", db)
        out = self.work / f"ingest-{n}.txt"

        if self.has("ingest"):
            if large:
                subprocess.run(self.rm_db(db), shell=True, check=True)
                cold = self.once([self.errkb, "ingest", folder, "--db", db], stdout_path=out, allow_timeout=True)
            else:
                cold = self.hyperfine([ingest], runs=min(RUNS, 5), prepare=self.rm_db(db))[0]
                subprocess.run(self.rm_db(db), shell=True, check=True)
                peak = self.once([self.errkb, "ingest", folder, "--db", db], stdout_path=out)
                cold.rss_kb = peak.rss_kb
            counts = self.summary(out).split(": ", 1)[-1] if not cold.killed else f"killed after {TIMEOUT} s"
        else:
            cold, counts = None, ""
            rows.append(Row("", skipped="errkb ingest"))

        if large:
            su = self.once(["sh", "-c", self.rm_db(su_db) + " && " + self.sqlite_utils(flat, su_db)],
                           allow_timeout=True)
        else:
            su = self.hyperfine([self.sqlite_utils(flat, su_db)], runs=3, prepare=self.rm_db(su_db))[0]
        target = "≤ 10 s, RSS ≤ 256 MB" if large else "≤ 0.3 s, ≥ 8× sqlite-utils"
        sizes = f"; db {db_size(db)} vs {db_size(su_db)}" if cold is not None and not cold.killed else ""
        rows.append(Row(f"ingest {count(n)} records, cold", cold, su, "sqlite-utils insert + enable-fts", target,
                        note=counts + sizes, max_s=10 if large else 0.3, min_ratio=None if large else 8,
                        max_rss_mb=256 if large else None))
        if cold is None or cold.killed:
            return None
        noop = self.hyperfine([ingest], runs=3 if large else RUNS, warmup=0 if large else 1)[0]
        rows.append(Row(f"ingest {count(n)} records, no-op re-ingest", noop,
                        target="" if large else "≤ 50 ms", max_s=None if large else 0.05))
        return db

    def section_ingest(self, small, large):
        rows = []
        self.sections.append(("ingest (generated records)", rows))
        small_db = self.ingest_rows(rows, SMALL, small, False)
        large_db = self.ingest_rows(rows, LARGE, large, True) if large else None
        return small_db, large_db

    def section_corpus(self):
        rows = []
        self.sections.append((f"real corpus ({CORPUS})", rows))
        canons = len(list(CORPUS.rglob("*.json")))
        imported = self.work / "corpus-records"
        db = self.work / "corpus.db"
        su_db = self.work / "su-corpus.db"
        self.warm(CORPUS)
        have_import = self.need(rows, "import", "deadends")
        imp = ing = None
        summary = ""
        if have_import:
            cmd = self.q(self.errkb, "import", "deadends", CORPUS, "--out", imported)
            imp = self.hyperfine([cmd], runs=3, prepare=f"rm -rf {shlex.quote(str(imported))}")[0]
            shutil.rmtree(imported, ignore_errors=True)
            out = self.work / "import.txt"
            peak = self.once([self.errkb, "import", "deadends", CORPUS, "--out", imported], stdout_path=out,
                             ok_codes=(0, 1))
            imp.rss_kb = peak.rss_kb
            text = out.read_text(errors="replace") or self.last_stderr
            # The counts (`converted: N`, `skipped: N`, ...) without the list of dropped source fields.
            summary = ", ".join(l.strip() for l in text.splitlines() if re.match(r"^\w[\w ]*: \d+$", l.strip()))
            summary = summary or " ".join(text.split())[:100]
            rows.append(Row(f"import deadends ({count(canons)} canons)", imp, note=summary))
            if self.has("ingest"):
                ingest = self.q(self.errkb, "ingest", imported, "--db", db)
                ing = self.hyperfine([ingest], runs=min(RUNS, 5), prepare=self.rm_db(db))[0]
                subprocess.run(self.rm_db(db), shell=True, check=True)
                out = self.work / "corpus-ingest.txt"
                peak = self.once([self.errkb, "ingest", imported, "--db", db], stdout_path=out)
                ing.rss_kb = peak.rss_kb
                rows.append(Row("ingest of the imported records, cold", ing,
                                note=self.summary(out).split(": ", 1)[-1]))
        source = imported if imp is not None else CORPUS
        flat = self.flattened(source, "corpus-imported" if imp is not None else "corpus-canons")
        su = self.hyperfine([self.sqlite_utils(flat, su_db)], runs=3, prepare=self.rm_db(su_db))[0]
        both = imp.plus(ing) if imp is not None and ing is not None else None
        rows.append(Row(f"import + ingest ({count(canons)} records)", both, su,
                        "sqlite-utils insert + enable-fts",
                        note="" if imp is not None else "baseline on the canons flattened directly"))
        return (db if ing is not None else None), (imported if imp is not None else None)

    def messages(self, folder, tag):
        """Error logs around real signatures from `folder` (4 known errors, 1 unknown) for `errkb match`:
        [(path, id of the record whose signature it holds, or None)]."""
        files = sorted(Path(folder).rglob("*.json"))
        picks = [files[len(files) * k // 4 + 3] for k in range(4)] if len(files) >= 8 else files[:4]
        paths = []
        for i, f in enumerate(picks):
            doc = json.loads(f.read_text(encoding="utf-8"))
            signature = (doc.get("error") or {}).get("signature") or doc.get("signature", "")
            text = ("2026-11-02T09:14:07Z INFO worker 3 starting, config /srv/app/config.yaml\n"
                    "2026-11-02T09:14:08Z INFO loaded 412 entries in 38 ms\n"
                    "Traceback (most recent call last):\n"
                    '  File "/srv/app/main.py", line 88, in <module>\n    main()\n'
                    '  File "/srv/app/main.py", line 61, in main\n    run(job)\n'
                    f"{signature}\n"
                    "2026-11-02T09:14:08Z INFO worker 3 exiting with status 1\n")
            path = self.work / f"message-{tag}-{i}.log"
            path.write_text(text, encoding="utf-8")
            paths.append((path, doc.get("id")))
        path = self.work / f"message-{tag}-none.log"
        path.write_text("2026-11-02T09:14:08Z INFO all 412 jobs finished, nothing to report\n", encoding="utf-8")
        paths.append((path, None))
        return paths

    def results(self, argv):
        """(exit code, ids of `results` in the JSON output or None when the output is not that JSON, the last
        line of stderr)."""
        p = subprocess.run([str(a) for a in argv], capture_output=True, text=True, env=self.env, cwd=self.work)
        err = p.stderr.strip().splitlines()
        err = err[-1].strip() if err else ""
        try:
            return p.returncode, [r.get("id") for r in json.loads(p.stdout)["results"]], err
        except (ValueError, KeyError, TypeError, AttributeError):
            return p.returncode, None, err

    @staticmethod
    def mean_of(ms):
        return Measure(sum(m.wall for m in ms) / len(ms), ms[0].runs, None, sum(m.cpu for m in ms) / len(ms))

    def lookup_rows(self, rows, n, db, records, su_db=None):
        if self.has("search"):
            cmds = [self.q(self.errkb, "search", query, "--db", db, "--format", "json") for query in SEARCH_QUERIES]
            ms = self.hyperfine(cmds, runs=RUNS, ignore_failure=True)
            mean = self.mean_of(ms)
            # Baseline: the same queries through sqlite-utils' FTS search of the same records.
            su = None
            if su_db is not None and Path(su_db).is_file():
                su = self.mean_of(self.hyperfine(
                    [self.q("sqlite-utils", "search", su_db, "records", query, "--limit", "10") for query in SEARCH_QUERIES],
                    runs=RUNS, ignore_failure=True))
            outcomes = [self.results([self.errkb, "search", query, "--db", db, "--format", "json"])
                        for query in SEARCH_QUERIES]
            hits = "/".join("?" if ids is None else str(len(ids)) for _, ids, _ in outcomes)
            codes = ",".join(sorted({str(code) for code, _, _ in outcomes}))
            errors = sorted({err for _, ids, err in outcomes if ids is None and err})
            rows.append(Row(f"errkb search, whole command @ {count(n)}", mean, su, "sqlite-utils search (FTS5)",
                            target="≤ 20 ms" if n < 10000 else "≤ 30 ms", max_s=0.02 if n < 10000 else 0.03,
                            note=f"mean of {len(ms)} queries × {ms[0].runs} runs; slowest query "
                                 f"{fmt_time(max(m.wall for m in ms))}; results per query {hits}; exit {codes}"
                                 + "".join(f"; {e}" for e in errors)))
            rows[-1].invalid = any(ids is None for _, ids, _ in outcomes)
        if self.has("match"):
            logs = self.messages(records, str(n))
            cmds = [self.q(self.errkb, "match", p, "--db", db, "--format", "json") for p, _ in logs]
            ms = self.hyperfine(cmds, runs=RUNS, ignore_failure=True)
            mean = self.mean_of(ms)
            # Baseline: every regex on every line, as a whole command (bench/naive_match.py).
            naive = self.mean_of(self.hyperfine(
                [self.q(sys.executable, HERE / "naive_match.py", db, p) for p, _ in logs],
                runs=max(2, RUNS // 3) if n >= 10000 else RUNS, ignore_failure=True))
            first = known = 0
            codes, errors = set(), set()
            for path, expected in logs:
                code, ids, err = self.results([self.errkb, "match", path, "--db", db, "--format", "json"])
                codes.add(str(code))
                if ids is None and err:
                    errors.add(err)
                if expected is not None:
                    known += 1
                    first += bool(ids) and ids[0] == expected
            rows.append(Row(f"errkb match FILE, whole command @ {count(n)}", mean, naive,
                            "naive scan (python re, every regex)", target="≤ 30 ms" if n < 10000 else "≤ 50 ms", max_s=0.03 if n < 10000 else 0.05,
                            note=f"mean of {len(ms)} logs (1 unknown) × {ms[0].runs} runs; slowest log "
                                 f"{fmt_time(max(m.wall for m in ms))}; its record ranked first in {first}/{known}; "
                                 f"exit {','.join(sorted(codes))}" + "".join(f"; {e}" for e in sorted(errors))))
            rows[-1].invalid = bool(errors) or "2" in codes

    def section_lookup(self, corpus_db, corpus_records, large_db, large):
        rows = []
        self.sections.append(("search and match", rows))
        have_search = self.need(rows, "search")
        have_match = self.need(rows, "match")
        if have_search or have_match:
            if corpus_db is not None:
                self.lookup_rows(rows, len(list(CORPUS.rglob("*.json"))), corpus_db, CORPUS,
                                 self.work / "su-corpus.db")
            else:
                rows.append(Row("", skipped="corpus database (needs errkb import deadends)"))
            if large_db is not None:
                self.lookup_rows(rows, LARGE, large_db, large, self.work / f"su-{LARGE}.db")
        self.match_eval(rows)

    def match_eval(self, rows):
        candidates = [self.build / "bench" / "errkb_match_eval", self.build / "errkb_match_eval"]
        tool = next((c for c in candidates if os.access(c, os.X_OK)), None)
        if tool is None:
            rows.append(Row("", skipped="errkb_match_eval (naive baseline, P@1/P@3/MRR)"))
            return
        work = self.work / "match-eval"
        shutil.rmtree(work, ignore_errors=True)
        argv = [tool, "--errkb", self.errkb, "--work", work, "--corpus", CORPUS]
        synthetic = env_int("BENCH_MATCH_SYNTHETIC", 0 if SKIP_LARGE else max(0, LARGE - 2522))
        if synthetic > 0:
            argv += ["--synthetic", str(synthetic)]
        log(f"running {' '.join(map(str, argv))}")
        out = self.work / "match-eval.txt"
        try:
            self.once(argv, stdout_path=out)
        finally:
            text = out.read_text(errors="replace") if out.exists() else ""
            self.extra.append((f"errkb_match_eval output ({' '.join(map(str, argv[1:]))})",
                               (text.rstrip() + "\n" + self.last_stderr.rstrip()).strip()))
        q = re.search(r"quality on (\d+) scenarios.*?precision@1 ([\d.]+)\s+precision@3 ([\d.]+).*?MRR ([\d.]+)",
                      text, re.S)
        if q:
            rows.append(Row(f"match quality, {q.group(1)} scenarios", note=f"P@1 {q.group(2)}  P@3 {q.group(3)}  "
                            f"MRR {q.group(4)}", target="P@1 ≥ 0.95, MRR ≥ 0.97"))
        for block in re.split(r"\n(?=speed at )", text):
            head = re.match(r"speed at (\d+) records", block)
            if not head:
                continue
            n = int(head.group(1))
            figures = dict(re.findall(r"^\s+(.+?)\s+mean\s+([\d.]+) ms", block, re.M))
            inproc = next((v for k, v in figures.items() if k.startswith("in-process match, ranking")), None)
            naive = next((v for k, v in figures.items() if k.startswith("naive scan")), None)
            if inproc is not None:
                rows.append(Row(f"in-process match per message @ {count(n)}", Measure(float(inproc) / 1000),
                                Measure(float(naive) / 1000) if naive is not None else None,
                                "naive scan (every regex)", "≤ 0.5 ms" if n < 10000 else "",
                                max_s=0.0005 if n < 10000 else None, note="errkb_match_eval"))

    def section_export(self, corpus_db, large_db):
        rows = []
        self.sections.append(("export", rows))
        if not self.need(rows, "export"):
            return
        if corpus_db is not None:
            out = self.work / "export-corpus"
            cmd = self.q(self.errkb, "export", "--out", out, "--db", corpus_db, "--locales", "en,zh")
            m = self.hyperfine([cmd], runs=min(RUNS, 5))[0]
            rows.append(Row("export corpus × 2 locales (en, zh)", m, target="≤ 0.3 s", max_s=0.3))
        else:
            rows.append(Row("", skipped="corpus database (needs errkb import deadends)"))
        if large_db is not None:
            out = self.work / "export-large"
            shutil.rmtree(out, ignore_errors=True)
            m = self.once([self.errkb, "export", "--out", out, "--db", large_db], allow_timeout=True)
            locales = sorted(p.name for p in out.iterdir() if p.is_dir()) if out.is_dir() else []
            rows.append(Row(f"export {count(LARGE)} records, all locales", m, target="≤ 10 s", max_s=10,
                            note="locales: " + ",".join(locales)))

    def section_lint(self, imported, large):
        rows = []
        self.sections.append(("lint", rows))
        if not self.need(rows, "lint"):
            return
        if imported is not None:
            cmd = self.q(self.errkb, "lint", imported, "--format", "json")
            m = self.hyperfine([cmd], runs=3, ignore_failure=True)[0]
            out = self.work / "lint-corpus.json"
            peak = self.once([self.errkb, "lint", imported, "--format", "json"], stdout_path=out, ok_codes=(0, 1))
            m.rss_kb = peak.rss_kb
            note, table = self.lint_counts(out)
            rows.append(Row("lint imported corpus", m, target="≤ 0.5 s", max_s=0.5, note=note))
            if table:
                self.extra.append(("lint findings per rule, imported corpus", table))
        else:
            rows.append(Row("", skipped="imported corpus (needs errkb import deadends)"))
        if large is not None:
            out = self.work / "lint-large.json"
            m = self.once([self.errkb, "lint", large, "--format", "json"], stdout_path=out, ok_codes=(0, 1),
                          allow_timeout=True)
            note, table = self.lint_counts(out) if not m.killed else ("", "")
            rows.append(Row(f"lint {count(LARGE)} generated records", m, target="≤ 10 s", max_s=10, note=note))
            if table:
                self.extra.append((f"lint findings per rule, {count(LARGE)} generated records", table))

    @staticmethod
    def lint_counts(path):
        try:
            report = json.loads(path.read_text(encoding="utf-8"))
        except (OSError, ValueError) as e:
            return f"unreadable lint JSON: {e}", ""
        per = {}
        for d in report.get("diagnostics") or []:
            key = (d.get("code", "?"), d.get("rule", ""), d.get("severity", ""))
            per[key] = per.get(key, 0) + 1
        if not per:
            per = {(code, "", ""): n for code, n in (report.get("counts") or {}).items()}
        groups = report.get("groups") or {}
        lines = [f"  {'code':<8} {'rule':<36} {'severity':<9} {'findings':>8}  groups"]
        for (code, rule, severity), n in sorted(per.items()):
            g = groups.get(code, "")
            lines.append(f"  {code:<8} {rule:<36} {severity:<9} {n:>8}  {g}")
        total = sum(per.values())
        note = (f"{total} findings ({report.get('errors', '?')} errors, {report.get('warnings', '?')} warnings, "
                f"{report.get('infos', '?')} infos) in {report.get('records', '?')} records")
        return note, "\n".join(lines)

    # -- output -------------------------------------------------------------
    def header(self):
        build_type = "?"
        cache = self.build / "CMakeCache.txt"
        if cache.is_file():
            m = re.search(r"^CMAKE_BUILD_TYPE:STRING=(.*)$", cache.read_text(errors="replace"), re.M)
            build_type = (m.group(1) or "none") if m else "?"
        try:
            rev = subprocess.run(["git", "-C", SOURCE, "describe", "--always", "--dirty"], capture_output=True,
                                 text=True).stdout.strip()
        except OSError:
            rev = "?"
        load = " ".join(Path("/proc/loadavg").read_text().split()[:3]) if Path("/proc/loadavg").exists() else "?"
        return (f"errkb bench — {self.errkb} ({build_type} build, source {rev or '?'}), {os.cpu_count()} cores, "
                f"{datetime.datetime.now(datetime.timezone.utc):%Y-%m-%d %H:%M} UTC, load average {load}")

    def print_table(self, header, elapsed):
        cols = ["measurement", "errkb wall", "cpu", "peak RSS", "baseline", "baseline wall", "baseline cpu", "ratio",
                "cpu ratio", "target", "vs target", "notes"]
        body = []
        for title, rows in self.sections:
            body.append(("section", title))
            for r in rows:
                if r.skipped:
                    body.append(("skip", f"skipped: {r.skipped} not available"))
                    continue
                if r.failed:
                    body.append(("skip", f"FAILED: {r.failed} (details on stderr; the rest of the section did not run)"))
                    continue
                e, b = r.errkb, r.baseline
                ratio, cpu_ratio = r.ratio(), r.cpu_ratio()
                body.append(("row", [
                    r.label,
                    e.wall_text() if e else "-",
                    fmt_time(e.cpu) if e and e.cpu is not None else "-",
                    f"{e.rss_kb / 1024:.0f} MB" if e and e.rss_kb else "-",
                    r.baseline_name if b else "",
                    b.wall_text() if b else "",
                    fmt_time(b.cpu) if b and b.cpu is not None else "",
                    f"{ratio:.1f}×" if ratio is not None else "",
                    f"{cpu_ratio:.1f}×" if cpu_ratio is not None else "",
                    r.target,
                    r.verdict(),
                    r.note,
                ]))
        widths = [len(c) for c in cols]
        for kind, cells in body:
            if kind == "row":
                for i, c in enumerate(cells[:-1]):
                    widths[i] = max(widths[i], len(c))

        def line(cells):
            return "  ".join(c.ljust(widths[i]) if i < len(cells) - 1 else c for i, c in enumerate(cells)).rstrip()

        print(header)
        print("ratio = baseline wall / errkb wall, cpu ratio = baseline cpu / errkb cpu (higher: errkb faster). "
              "wall = mean ± standard deviation (number of runs); cpu = user + sys, mean per run; "
              "peak RSS from a separate cold run.")
        print()
        print(line(cols))
        print(line(["-" * w for w in widths[:-1]] + ["-----"]))
        for kind, cells in body:
            if kind == "section":
                print(f"[{cells}]")
            elif kind == "skip":
                print(f"  {cells}")
            else:
                print(line(cells))
        for title, text in self.extra:
            print()
            print(f"{title}:")
            print(text if text else "  (no output)")
        print()
        load = " ".join(Path("/proc/loadavg").read_text().split()[:3]) if Path("/proc/loadavg").exists() else "?"
        print(f"bench finished in {elapsed:.0f} s, load average {load}")

    def guarded(self, section, default=None):
        """Runs one section; a failure becomes a `FAILED` line in the table and the rest still runs."""
        try:
            return section()
        except (RuntimeError, subprocess.CalledProcessError, OSError) as e:
            message = str(e).strip().splitlines()
            self.failures.append(str(e))
            if self.sections:
                self.sections[-1][1].append(Row("", failed=message[0] if message else repr(e)))
            return default

    def run(self):
        started = time.perf_counter()
        header = self.header()
        small = self.generated(SMALL)
        large = None if SKIP_LARGE else self.generated(LARGE)
        self.guarded(lambda: self.section_validate(small))
        _, large_db = self.guarded(lambda: self.section_ingest(small, large), (None, None))
        corpus_db, imported = self.guarded(self.section_corpus, (None, None))
        self.guarded(lambda: self.section_lookup(corpus_db, imported, large_db, large))
        self.guarded(lambda: self.section_export(corpus_db, large_db))
        self.guarded(lambda: self.section_lint(imported, large))
        self.print_table(header, time.perf_counter() - started)
        for failure in self.failures:
            print(f"bench: failed: {failure}", file=sys.stderr)
        return 1 if self.failures else 0


def main():
    if len(sys.argv) != 2:
        sys.exit("usage: bench.py BUILD_DIR")
    for tool in ("hyperfine", "sqlite-utils"):
        if shutil.which(tool) is None:
            sys.exit(f"bench: {tool} not found (scripts/install-deps.sh --bench installs it)")
    if not CORPUS.is_dir():
        sys.exit(f"bench: no corpus at {CORPUS} (set BENCH_CORPUS)")
    try:
        sys.exit(Bench(sys.argv[1]).run())
    except (RuntimeError, subprocess.CalledProcessError) as e:
        sys.exit(f"bench: error: {e}")


if __name__ == "__main__":
    main()
