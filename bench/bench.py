#!/usr/bin/env python3
"""SnackBase benchmark: starts the release binary on a fresh data directory,
seeds it, and loads it with oha, scenario by scenario; optionally the same
scenarios against PocketBase and the original SnackBase, started by the peer
scripts (../shared/bench/peers), in the same run, so that ratios are measured
side by side. Prints a markdown table and writes JSON. See docs/benchmarks.md.

With --backend postgres our server runs on a scratch database of the local
PostgreSQL (created here, dropped at the end), and the same run measures that
PostgreSQL's ceiling with pgbench (select-only and simple-update, on another
scratch database) and prints our figures as ratios of it (issue 12's targets).

Run it through bench/run (which builds the binary first).
"""

from __future__ import annotations

import argparse
import concurrent.futures
import datetime as dt
import json
import os
import platform
import re
import resource
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
import urllib.error
import urllib.parse
import urllib.request

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
PEERS_DIR = os.path.abspath(os.environ.get("PEERS_DIR", os.path.join(ROOT, "..", "shared", "bench", "peers")))
PASSWORD = "Bench-Passw0rd!x"
ADMIN = "admin@example.com"
USER = "bench@example.com"
READER = "reader@example.com"
SEED_N = 10_000
SEARCH_N = 100_000  # rows of ~200-character text for the search scenario (issue 13: p50 <= 10 ms)
# Issue 12's targets on PostgreSQL, against pgbench in the same run.
MIN_GET_PER_SELECT = 0.25   # get by id / pgbench select-only tps
MIN_CREATE_PER_UPDATE = 0.6  # create / pgbench simple-update tps
MIN_PATCH_PER_UPDATE = 0.5   # PATCH / pgbench simple-update tps
MIN_LIST_RPS = 1000          # list 20 of 10k with the total, absolute
MIN_AGGREGATE_RPS = 200      # count + sum by a 10-value field over AGGREGATE_N rows, absolute (issue 13)
AGGREGATE_N = 100_000        # rows of the aggregate scenario's collection


# ------------------------------------------------------------------ HTTP
class HttpError(RuntimeError):
    def __init__(self, status, body, url):
        super().__init__(f"HTTP {status} from {url}: {body[:300]}")
        self.status = status


def http(base, method, path, body=None, token=None, headers=None, timeout=120):
    url = base.rstrip("/") + path
    data = None if body is None else json.dumps(body).encode()
    req = urllib.request.Request(url, data=data, method=method)
    if data is not None:
        req.add_header("Content-Type", "application/json")
    if token:
        req.add_header("Authorization", f"Bearer {token}")
    for k, v in (headers or {}).items():
        req.add_header(k, v)
    try:
        with urllib.request.urlopen(req, timeout=timeout) as r:
            raw = r.read()
            return json.loads(raw) if raw else None
    except urllib.error.HTTPError as e:
        raise HttpError(e.code, e.read().decode(errors="replace"), url) from None


def seed_doc(i):
    """Record i: the peers' shape (views spread over 0..999, so views > 500 matches ~half)."""
    return {
        "title": f"Post number {i}",
        "body": ("Lorem ipsum dolor sit amet, consectetur adipiscing elit. " * 3).strip() + f" #{i}",
        "views": (i * 7919) % 1000,
        "published": i % 2 == 0,
    }


# Pseudo-words for the search scenario: 13^3 = 2197 of them, each in ~1% of the rows.
SYLLABLES = ["ka", "lo", "mi", "nu", "pe", "ri", "sa", "to", "vu", "xe", "zo", "be", "di"]
WORDS = [a + b + c for a in SYLLABLES for b in SYLLABLES for c in SYLLABLES]


def search_doc(i):
    """Article i: a title and a ~200-character body of pseudo-words."""
    words, k = [], i
    while sum(len(w) + 1 for w in words) < 200:
        k = (k * 1103515245 + 12345) % 2**31
        words.append(WORDS[k % len(WORDS)])
    return {"title": f"Article {i} {words[0]}", "body": " ".join(words)[:200]}


# ------------------------------------------------------------------ /proc
def descendants(pid):
    out, todo = [pid], [pid]
    while todo:
        p = todo.pop()
        try:
            for task in os.listdir(f"/proc/{p}/task"):
                with open(f"/proc/{p}/task/{task}/children") as f:
                    kids = [int(x) for x in f.read().split()]
                out += kids
                todo += kids
        except OSError:
            pass
    return out


def status_kb(pid, key):
    try:
        with open(f"/proc/{pid}/status") as f:
            for line in f:
                if line.startswith(key + ":"):
                    return int(line.split()[1])
    except OSError:
        pass
    return 0


def tree_kb(pid, key):
    return sum(status_kb(p, key) for p in descendants(pid))


def as_pids(pid):
    """A pid or a list of them (the nodes of a multi-node run) as a list."""
    return pid if isinstance(pid, list) else [pid]


class RssSampler(threading.Thread):
    """Peak VmRSS / RssAnon of a process tree (or of several, summed),
    sampled every 100 ms."""

    def __init__(self, pid):
        super().__init__(daemon=True)
        self.pids, self.rss, self.anon = as_pids(pid), 0, 0
        self.halt = threading.Event()

    def run(self):
        while not self.halt.is_set():
            self.rss = max(self.rss, sum(tree_kb(p, "VmRSS") for p in self.pids))
            self.anon = max(self.anon, sum(tree_kb(p, "RssAnon") for p in self.pids))
            self.halt.wait(0.1)

    def stop(self):
        self.halt.set()
        self.join()
        return self.rss, self.anon


CLK_TCK = os.sysconf("SC_CLK_TCK")


def proc_stat(pid):
    """(comm, ppid, utime+stime, cutime+cstime) in seconds, or None."""
    try:
        with open(f"/proc/{pid}/stat") as f:
            raw = f.read()
    except OSError:
        return None
    comm = raw[raw.index("(") + 1:raw.rindex(")")]
    f = raw[raw.rindex(")") + 2:].split()
    return comm, int(f[1]), (int(f[11]) + int(f[12])) / CLK_TCK, (int(f[13]) + int(f[14])) / CLK_TCK


def tree_cpu_s(pid):
    """CPU seconds used so far by a process tree (its live members)."""
    return sum(st[2] for st in map(proc_stat, descendants(pid)) if st)


PG_BACKEND = re.compile(r"^postgres: (?:[^:]+: )?\S+ (\S+) (?:\S+\(\d+\)|\[local\])")


class PgCpuSampler(threading.Thread):
    """CPU seconds the local PostgreSQL spends for database db during a run,
    sampled every 200 ms: its background processes (writers, checkpointer,
    autovacuum...) and the backends connected to db, not those of other
    databases (someone else's tests). Sampling catches backends that connect
    and leave within the run (pgbench's), less their last 200 ms."""

    def __init__(self, db):
        super().__init__(daemon=True)
        self.db, self.mine, self.start_cpu, self.last_cpu = db, {}, {}, {}
        self.halt = threading.Event()
        self.sample(self.start_cpu)

    def ours(self, pid):
        if pid not in self.mine:
            try:
                with open(f"/proc/{pid}/cmdline", "rb") as f:
                    title = f.read().split(b"\0")[0].decode(errors="replace")
            except OSError:
                return False
            m = PG_BACKEND.match(title)
            self.mine[pid] = m is None or m.group(1) == self.db
        return self.mine[pid]

    def sample(self, into):
        for d in os.listdir("/proc"):
            if d.isdigit():
                st = proc_stat(int(d))
                if st and st[0] == "postgres" and self.ours(int(d)):
                    into[int(d)] = st[2]

    def run(self):
        while not self.halt.wait(0.2):
            self.sample(self.last_cpu)

    def stop(self):
        self.halt.set()
        self.join()
        self.sample(self.last_cpu)
        return sum(v - self.start_cpu.get(pid, 0.0) for pid, v in self.last_cpu.items())


def machine_busy_s():
    """CPU seconds all CPUs of this machine have spent busy (not idle or iowait)."""
    with open("/proc/stat") as f:
        v = [int(x) for x in f.readline().split()[1:]]
    return (sum(v[:7]) - v[3] - v[4]) / CLK_TCK  # user nice system irq softirq (not steal)


class CpuMeter:
    """CPU used during a run, in % of one core: the server's process tree,
    PostgreSQL (for database pg_db, see PgCpuSampler), the load generator
    (our children), and the rest of the machine (anything else: another
    user's processes and PostgreSQL backends, the kernel's interrupts)."""

    def __init__(self, server_pid=None, pg_db=None):
        self.server_pid = server_pid
        self.pg = PgCpuSampler(pg_db) if pg_db else None
        if self.pg:
            self.pg.start()
        self.t0 = time.time()
        self.server0 = self.server_cpu()
        self.child0 = self.children()
        self.busy0 = machine_busy_s()

    def server_cpu(self):
        """CPU seconds of the server's process trees (every node's) so far."""
        return sum(tree_cpu_s(p) for p in as_pids(self.server_pid)) if self.server_pid else 0.0

    @staticmethod
    def children():
        ru = resource.getrusage(resource.RUSAGE_CHILDREN)
        return ru.ru_utime + ru.ru_stime

    def stop(self):
        wall = max(time.time() - self.t0, 1e-6)
        pct = lambda x: round(100 * x / wall, 1)
        server = self.server_cpu() - self.server0
        pg = self.pg.stop() if self.pg else 0.0
        client = self.children() - self.child0
        busy = machine_busy_s() - self.busy0
        out = {"server": pct(server)} if self.server_pid else {}
        out |= {"client": pct(client), "other": pct(max(busy - server - pg - client, 0.0))}
        if self.pg:
            out["postgres"] = pct(pg)
        return out


def fmt_cpu(c):
    if not c:
        return ""
    return " / ".join(f"{c[k]:.0f}" for k in ("server", "postgres", "client", "other") if k in c)


# ------------------------------------------------------------------ PostgreSQL
def pg_tool(name):
    for c in (shutil.which(name), f"/usr/bin/{name}"):
        if c and os.path.exists(c):
            return c
    raise SystemExit(f"{name} not found (PostgreSQL client tools)")


class Postgres:
    """The local PostgreSQL server (trust auth): scratch databases created and
    dropped by name; everything this run created is dropped by drop_all()."""

    def __init__(self, host, port, user):
        self.host, self.port, self.user = host, port, user
        self.env = dict(os.environ, PGHOST=host, PGPORT=str(port), PGUSER=user)
        self.env.pop("PGDATABASE", None)
        self.created = []
        self.version = self.psql("postgres", "SHOW server_version")
        self.settings = dict(line.split("|", 1) for line in self.psql("postgres", (
            "SELECT name, setting || coalesce(unit, '') FROM pg_settings WHERE name IN "
            "('shared_buffers', 'synchronous_commit', 'fsync', 'max_connections', 'wal_sync_method')")).splitlines())

    def url(self, db):
        return f"postgres://{self.user}@{self.host}:{self.port}/{db}"

    def run(self, cmd):
        p = subprocess.run(cmd, env=self.env, capture_output=True, text=True)
        if p.returncode != 0:
            raise RuntimeError(f"{' '.join(cmd)} failed: {(p.stderr or p.stdout)[-500:]}")
        return p.stdout

    def psql(self, db, sql):
        return self.run([pg_tool("psql"), "-X", "-Atq", "-v", "ON_ERROR_STOP=1", "-d", db, "-c", sql]).strip()

    def createdb(self, name):
        self.dropdb(name)  # a leftover of an interrupted run with the same pid
        self.run([pg_tool("createdb"), name])
        self.created.append(name)
        return name

    def dropdb(self, name):
        p = subprocess.run([pg_tool("dropdb"), "--if-exists", "--force", name], env=self.env,
                           capture_output=True, text=True)
        if p.returncode != 0:
            print(f"warning: dropdb {name}: {p.stderr.strip()}", file=sys.stderr)
        if name in self.created:
            self.created.remove(name)

    def drop_all(self):
        for name in list(reversed(self.created)):
            self.dropdb(name)


def parse_pgbench(out):
    def num(pattern, cast=float):
        m = re.search(pattern, out, re.M)
        return cast(m.group(1)) if m else None
    tps = num(r"^tps = ([\d.]+) \((?:without initial connection time|excluding connections establishing)\)")
    if tps is None:
        raise RuntimeError(f"no tps in pgbench output: {out[-500:]}")
    return {"tps": tps, "transactions": num(r"^number of transactions actually processed: (\d+)", int),
            "failed_tx": num(r"^number of failed transactions: (\d+)", int) or 0,
            "latency_avg_ms": num(r"^latency average = ([\d.]+) ms")}


PGBENCH_RUNS = (("select-only", ["-S"]), ("simple-update", ["-N"]))


def pgbench_ceiling(args, pg):
    """This machine's PostgreSQL ceiling: pgbench on a scratch database,
    initialised at scale args.pgbench_scale, select-only then simple-update,
    both with prepared statements, pgbench pinned like oha."""
    pgbench = pg_tool("pgbench")
    db = pg.createdb(f"snackbase_pgbench_{os.getpid()}")
    t0 = time.time()
    pg.run([pgbench, "-i", "-q", "-s", str(args.pgbench_scale), db])
    init_s = time.time() - t0
    out = {"database": db, "scale": args.pgbench_scale, "init_s": init_s, "clients": args.pgbench_clients,
           "threads": args.pgbench_jobs, "mode": "prepared",
           "version": pg.run([pgbench, "--version"]).strip(), "runs": {}}
    print(f"# pgbench: {db} initialised at scale {args.pgbench_scale} in {init_s:.1f} s", file=sys.stderr, flush=True)
    for label, flags in PGBENCH_RUNS:
        cmd = pin(args.client_cpus) + [pgbench, "-M", "prepared", "-c", str(args.pgbench_clients),
                                       "-j", str(args.pgbench_jobs)] + flags
        try:
            if args.warmup:
                pg.run(cmd + ["-T", str(args.warmup), db])
            pg.psql(db, "CHECKPOINT")
            time.sleep(0.5)
            meter = CpuMeter(pg_db=db)
            r = parse_pgbench(pg.run(cmd + ["-T", str(args.duration), db]))
            r["cpu_pct"] = meter.stop()
            r["command"] = " ".join(["pgbench", "-M", "prepared", "-c", str(args.pgbench_clients),
                                     "-j", str(args.pgbench_jobs)] + flags + ["-T", str(args.duration)])
        except Exception as e:
            r = {"failed": str(e)[:300]}
        out["runs"][label] = r
        msg = r.get("failed") or (f"{r['tps']:.0f} tps, latency avg {r['latency_avg_ms']} ms, "
                                  f"failed {r['failed_tx']}, CPU % {fmt_cpu(r['cpu_pct'])}")
        print(f"  pgbench {label:13s} {msg}", file=sys.stderr, flush=True)
    pg.dropdb(db)
    return out


def check_targets(results, ceiling, name="ours"):
    """Issue 12's targets: our PostgreSQL figures against pgbench's, same run
    (for the target called name: with --nodes, the first node count's)."""
    ours = {r["scenario"]: r for r in results if r["server"] == name}
    runs = (ceiling or {}).get("runs", {})

    def rps(s):
        r = ours.get(s)
        return None if r is None or "failed" in r else r["rps"]

    def tps(label):
        r = runs.get(label)
        return None if r is None or "failed" in r else r["tps"]

    rows = []
    for label, s, ref, minimum in (
        ("get by id / pgbench select-only tps", "get", "select-only", MIN_GET_PER_SELECT),
        ("create / pgbench simple-update tps", "create", "simple-update", MIN_CREATE_PER_UPDATE),
        ("PATCH / pgbench simple-update tps", "update", "simple-update", MIN_PATCH_PER_UPDATE),
        ("PATCH one of 100 / pgbench simple-update tps", "update_spread", "simple-update", MIN_PATCH_PER_UPDATE),
    ):
        a, b = rps(s), tps(ref)
        value = a / b if a is not None and b else None
        rows.append({"target": label, "ours_rps": a, "pgbench_tps": b, "value": value, "min": minimum,
                     "pass": value is not None and value >= minimum})
    a = rps("list")
    rows.append({"target": "list 20 of 10k with total, req/s", "ours_rps": a, "pgbench_tps": None, "value": a,
                 "min": MIN_LIST_RPS, "pass": a is not None and a >= MIN_LIST_RPS})
    a = rps("aggregate")
    if "aggregate" in ours:
        rows.append({"target": "aggregate count + sum by 10 groups over 100k, req/s", "ours_rps": a,
                     "pgbench_tps": None, "value": a, "min": MIN_AGGREGATE_RPS,
                     "pass": a is not None and a >= MIN_AGGREGATE_RPS})
    errors = sum(r.get("errors", 0) for r in ours.values())
    failed = [s for s, r in ours.items() if "failed" in r]
    rows.append({"target": "errors, all our scenarios", "ours_rps": None, "pgbench_tps": None, "value": errors,
                 "max": 0, "failed_scenarios": failed, "pass": errors == 0 and not failed})
    return rows


def targets_table(rows):
    lines = ["| target (issue 12) | ours req/s | pgbench tps | measured | required | |",
             "|---|---:|---:|---:|---:|---|"]
    for r in rows:
        f = lambda x, spec=",.0f": "n/a" if x is None else format(x, spec)
        if "max" in r:
            measured = f"{r['value']}" + (f" (+ failed: {', '.join(r['failed_scenarios'])})" if r["failed_scenarios"] else "")
            required = f"= {r['max']}"
        elif r["pgbench_tps"] is None and r["target"].startswith("list"):
            measured, required = f(r["value"]) + "/s", f"≥ {r['min']:,}/s"
        else:
            measured, required = f(r["value"], ".3f") + "×", f"≥ {r['min']}×"
        ours = "" if "max" in r else f(r["ours_rps"])
        ref = "" if "max" in r or r["target"].startswith("list") else f(r["pgbench_tps"])
        lines.append(f"| {r['target']} | {ours} | {ref} | {measured} | {required} "
                     f"| {'pass' if r['pass'] else 'FAIL'} |")
    return "\n".join(lines)


# ------------------------------------------------------------------ targets
class Target:
    """A server under test: how to ask it for each scenario."""

    name = "?"
    pid = None

    def req(self, scenario):  # -> (method, path, body, token) or None (not supported)
        raise NotImplementedError

    def stop(self):
        pass


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def pin(cpus):
    return ["taskset", "-c", cpus] if cpus and shutil.which("taskset") else []


class Ours(Target):
    name = "ours"

    def __init__(self, binary, server_cpus, seed_n, database_url=None, aggregate_n=0, search_n=0,
                 nodes=1, name="ours", pg_db=None, env_extra=None):
        self.name, self.pg_db = name, pg_db
        self.dir = tempfile.mkdtemp(prefix="sb-bench-")
        self.base = f"http://127.0.0.1:{free_port()}"
        env = {
            "PATH": os.environ.get("PATH", ""), "HOME": self.dir,
            "SNACKBASE_HOST": "127.0.0.1", "SNACKBASE_PORT": self.base.rsplit(":", 1)[1],
            "SNACKBASE_SUPERADMIN_EMAIL": ADMIN, "SNACKBASE_SUPERADMIN_PASSWORD": PASSWORD,
            # One client address sends everything: per-address limits would
            # measure the limiter (the peers run without theirs too).
            "SNACKBASE_RATE_LIMIT_ENABLED": "false",
        }
        # Settings to try (e.g. SNACKBASE_DATABASE_URL for PostgreSQL) pass through.
        env.update({k: v for k, v in os.environ.items()
                    if k.startswith("SNACKBASE_") and k not in ("SNACKBASE_HOST", "SNACKBASE_PORT")})
        if database_url:  # --backend postgres: the run's scratch database
            env["SNACKBASE_DATABASE_URL"] = database_url
        env.update(env_extra or {})  # --rls: SNACKBASE_POSTGRES_RLS
        if nodes > 1:  # every node must sign and check tokens with the same key
            env.setdefault("SNACKBASE_SECRET_KEY", "bench-nodes-secret-key-0123456789abcdef")
        self.env, self.binary, self.server_cpus = env, binary, server_cpus
        self.procs, self.logs, self.bases = [], [], []
        self.start_node(self.base)
        self.proc, self.pid = self.procs[0], self.procs[0].pid
        self.version = subprocess.run([binary, "--version"], capture_output=True, text=True).stdout.strip()
        try:
            self.setup(seed_n)
            if aggregate_n:
                self.setup_aggregate(aggregate_n)
            if search_n:
                self.setup_search(search_n)
            # More nodes on the same database, started once it is seeded.
            for _ in range(nodes - 1):
                self.start_node(f"http://127.0.0.1:{free_port()}")
        except BaseException:
            self.stop()
            raise
        self.pids = [p.pid for p in self.procs]

    def start_node(self, base):
        """Starts one server process at base (its own directory, the shared
        environment) and waits for it to answer."""
        n = len(self.procs)
        work = self.dir if n == 0 else os.path.join(self.dir, f"node{n + 1}")
        os.makedirs(work, exist_ok=True)
        env = dict(self.env, HOME=work, SNACKBASE_PORT=base.rsplit(":", 1)[1])
        log = open(os.path.join(work, "server.log"), "w")
        proc = subprocess.Popen(pin(self.server_cpus) + [self.binary, "serve"], cwd=work, env=env,
                                stdout=log, stderr=subprocess.STDOUT)
        self.procs.append(proc)
        self.logs.append(log)
        self.bases.append(base)
        deadline = time.time() + 60
        while True:
            try:
                http(base, "GET", "/health", timeout=2)
                return
            except (OSError, HttpError):
                if proc.poll() is not None or time.time() > deadline:
                    raise SystemExit(f"SnackBase did not start; see {work}/server.log")
                time.sleep(0.1)

    def login(self, email, account):
        return http(self.base, "POST", "/api/v1/auth/login",
                    {"account": account, "email": email, "password": PASSWORD})["token"]

    def setup(self, seed_n):
        b = self.base
        sa = self.login(ADMIN, "SY0000")
        http(b, "POST", "/api/v1/collections", {
            "name": "posts",
            "schema": [{"name": "title", "type": "text"}, {"name": "body", "type": "text"},
                       {"name": "views", "type": "number"}, {"name": "published", "type": "boolean"}],
            "indexes": [{"fields": ["views"]}],
        }, sa)
        # Row-level filtering: a reader sees only what they created.
        http(b, "POST", "/api/v1/collections", {
            "name": "owned",
            "schema": [{"name": "title", "type": "text"}, {"name": "views", "type": "number"}],
            # The rule's equality first, then the sort: one index walk serves both.
            "indexes": [{"fields": ["created_by", "created_at"]}],
        }, sa)
        # A membership rule for the TrailBase-style insert run.
        http(b, "POST", "/api/v1/collections", {
            "name": "messages",
            "schema": [{"name": "room", "type": "text"}, {"name": "body", "type": "text"}],
        }, sa)
        http(b, "PUT", "/api/v1/roles/2/permissions/bulk", {"updates": [
            {"collection": "owned", "operation": "read", "rule": "user.id == record.created_by"},
            {"collection": "owned", "operation": "create", "rule": "true"},
            {"collection": "messages", "operation": "create", "rule": "@has_group('members')"},
            {"collection": "messages", "operation": "read", "rule": "@has_group('members')"},
        ]}, sa)
        reg = http(b, "POST", "/api/v1/auth/register", {
            "email": USER, "password": PASSWORD, "account_name": "Bench Co", "account_slug": "benchco"})
        self.token = self.login(USER, "benchco")
        self.account = http(b, "GET", "/api/v1/auth/me", token=self.token)["account_id"]
        reader = http(b, "POST", "/api/v1/users", {"email": READER, "password": PASSWORD, "role_id": 2,
                                                   "account_id": self.account}, self.token)
        group = http(b, "POST", "/api/v1/groups", {"name": "members"}, self.token)
        http(b, "POST", f"/api/v1/groups/{group['id']}/members", {"user_id": reader["id"]}, self.token)
        self.reader = self.login(READER, "benchco")
        t0 = time.time()
        self.batch("posts", seed_n, self.token)
        self.seed_s = time.time() - t0
        # 1 in 10 of the owned rows are the reader's.
        self.batch("owned", seed_n // 10, self.reader)
        self.batch("owned", seed_n - seed_n // 10, self.token)
        page = http(b, "GET", "/api/v1/records/posts?limit=1&sort=-created_at", token=self.token)
        self.get_id = page["items"][0]["id"]
        self.rows = page["total"]
        # 100 rows for PATCHes spread like pgbench -N's (no single hot row).
        spread = http(b, "GET", "/api/v1/records/posts?limit=100&sort=created_at", token=self.token)
        self.spread_ids = [r["id"] for r in spread["items"]]

    def setup_aggregate(self, n):
        """`sales`: n rows, `region` one of 10 values (indexed), `amount` a number."""
        sa = self.login(ADMIN, "SY0000")
        http(self.base, "POST", "/api/v1/collections", {
            "name": "sales",
            "schema": [{"name": "region", "type": "text"}, {"name": "amount", "type": "number"}],
            "indexes": [{"fields": ["region"]}],
        }, sa)
        t0 = time.time()
        self.batch("sales", n, self.token)
        print(f"  seeded {n} sales rows in {time.time() - t0:.1f} s", file=sys.stderr, flush=True)
    def setup_search(self, n):
        """The search scenario's collection: title and body searchable, n articles."""
        sa = self.login(ADMIN, "SY0000")
        http(self.base, "POST", "/api/v1/collections", {
            "name": "articles",
            "schema": [{"name": "title", "type": "text", "searchable": True},
                       {"name": "body", "type": "text", "searchable": True}],
        }, sa)
        t0 = time.time()
        self.batch("articles", n, self.token)
        print(f"# search: {n} articles seeded in {time.time() - t0:.1f} s", file=sys.stderr, flush=True)

    def batch(self, collection, n, token):
        done = 0
        while done < n:
            k = min(100, n - done)
            http(self.base, "POST", f"/api/v1/records/{collection}/batch",
                 {"records": [seed_doc(done + j) if collection == "posts" else
                              {"region": f"r{(done + j) % 10}", "amount": ((done + j) * 37) % 1000 / 4}
                              if collection == "sales" else
                              search_doc(done + j) if collection == "articles" else
                              {"title": f"Row {done + j}", "views": (done + j) % 1000} for j in range(k)]},
                 token)
            done += k

    def req(self, s):
        t, p = self.token, "/api/v1/records/posts"
        return {
            "health": ("GET", "/health", None, None),
            "login": ("POST", "/api/v1/auth/login", {"account": "benchco", "email": USER, "password": PASSWORD}, None),
            "create": ("POST", p, seed_doc(10_000_000), t),
            "get": ("GET", f"{p}/{self.get_id}", None, t),
            "list": ("GET", f"{p}?skip=0&limit=20&sort=-created_at", None, t),
            "filter": ("GET", f"{p}?skip=0&limit=20&sort=-created_at&filter=" + urllib.parse.quote("views > 500"), None, t),
            # The same question in the rule language and in the SDK's dialect.
            "filter_rule": ("GET", f"{p}?skip=0&limit=20&sort=-created_at&filter="
                            + urllib.parse.quote("views > 500 && published == true && title != 'x'"), None, t),
            "filter_sdk": ("GET", f"{p}?skip=0&limit=20&sort=-created_at&filter="
                           + urllib.parse.quote("views > 500 && published = true && title != 'x'"), None, t),
            "rowlevel": ("GET", "/api/v1/records/owned?skip=0&limit=20&sort=-created_at", None, self.reader),
            "aggregate": ("GET", "/api/v1/records/sales/aggregate?functions=count(),sum(amount)&group_by=region",
                          None, t),
            "update": ("PATCH", f"{p}/{self.get_id}", {"views": 7}, t),
            # A URL regex (oha --rand-regex-url): each request one of 100 records.
            "update_spread": ("PATCH", "~" + f"{p}/(" + "|".join(self.spread_ids) + ")", {"views": 7}, t),
            "bulk": ("POST", f"{p}/batch", {"records": [seed_doc(20_000_000 + j) for j in range(100)]}, t),
            "insert_rule": ("POST", "/api/v1/records/messages", {"room": "lobby", "body": "hello"}, self.reader),
            # One of 64 words per request, ranked, 20 per page with the total.
            "search": ("GET", "~/api/v1/records/articles\\?limit=20&search=(" + "|".join(WORDS[::34][:64]) + ")",
                       None, t),
        }.get(s)

    def stop(self):
        for proc in self.procs:
            if proc.poll() is None:
                proc.terminate()
        for proc in self.procs:
            try:
                proc.wait(10)
            except subprocess.TimeoutExpired:
                proc.kill()
        for log in self.logs:
            log.close()
        shutil.rmtree(self.dir, ignore_errors=True)


class Peer(Target):
    """PocketBase or the original SnackBase, started and seeded by the peer scripts."""

    def __init__(self, name, seed_n):
        sys.path.insert(0, PEERS_DIR)
        import adapters  # the peer harness's request shapes

        self.name, self.script = name, os.path.join(PEERS_DIR, f"{name}.sh")
        subprocess.run([self.script, "install"], check=True)
        subprocess.run([self.script, "start"], check=True)
        bench_dir = os.environ.get("PEER_BENCH_DIR", os.path.join(tempfile.gettempdir(), "peer-bench"))
        self.state = adapters.load_state(os.path.join(bench_dir, name, "state.json"))
        self.ad = adapters.adapter_for(self.state)
        self.pid = self.state.get("pid")
        self.version = self.state.get("version", "?")
        self.state["token"] = self.ad.login()
        t0 = time.time()
        self.ad.seed(self.state, seed_n)
        self.seed_s = time.time() - t0
        self.get_id = self.ad.sample_ids(self.state, 1)[0]
        self.rows = self.ad.count(self.state)

    def req(self, s):
        ad, st, t = self.ad, self.state, self.state["token"]
        pb = self.name == "pocketbase"
        build = {
            "health": lambda: (ad.health(), None),
            "login": lambda: (ad.login_req(st), None),
            "create": lambda: (ad.create_req(10_000_000), t),
            "get": lambda: (ad.get_req(self.get_id), t),
            "list": lambda: (ad.list_req(), t),
            "filter": lambda: (ad.filter_req(), t),
        }
        if s in build:
            r, tok = build[s]()
            return (r.method, r.path, r.body, tok)
        if s == "update":
            path = ad.get_req(self.get_id).path
            return ("PATCH", path, {"views": 7}, t)
        if s == "bulk":
            docs = [seed_doc(20_000_000 + j) for j in range(100)]
            if pb:
                return ("POST", "/api/batch", {"requests": [
                    {"method": "POST", "url": "/api/collections/posts/records", "body": d} for d in docs]}, t)
            return ("POST", "/api/v1/records/posts/batch", {"records": docs}, t)
        return None  # rowlevel and insert_rule need a setup the peer scripts do not make

    def auth_header(self, token):
        return self.ad.auth_header(token)

    def stop(self):
        subprocess.run([self.script, "stop"], check=False)


# ------------------------------------------------------------------ oha
def find_oha():
    for c in (os.environ.get("OHA"), shutil.which("oha"), os.path.expanduser("~/.cargo/bin/oha")):
        if c and os.path.exists(c):
            return c
    raise SystemExit("oha not found: cargo install oha --locked")


def oha(args, target, request, conc, duration=None, count=None):
    bases = getattr(target, "bases", None) or [target.base_url()]
    if len(bases) == 1:
        return oha_one(args, target, bases[0], request, conc, duration, count)
    # Several nodes: one oha per node at once, the connections (and a fixed
    # count of requests) shared out; their results summed, p99 the worst node's.
    share = lambda total, i: total // len(bases) + (1 if i < total % len(bases) else 0)
    with concurrent.futures.ThreadPoolExecutor(len(bases)) as pool:
        parts = list(pool.map(lambda ib: oha_one(args, target, ib[1], request, max(share(conc, ib[0]), 1),
                                                 duration, count and max(share(count, ib[0]), 1)),
                              enumerate(bases)))
    ok = sum(p["ok"] for p in parts)
    codes, errs = {}, {}
    for p in parts:
        for k, v in p["status_codes"].items():
            codes[k] = codes.get(k, 0) + v
        for k, v in p["error_kinds"].items():
            errs[k] = errs.get(k, 0) + v
    return {"ok": ok, "total": sum(p["total"] for p in parts), "errors": sum(p["errors"] for p in parts),
            "rps": sum(p["rps"] for p in parts), "wall_s": max(p["wall_s"] for p in parts),
            "p50_ms": sum(p["p50_ms"] * p["ok"] for p in parts) / max(ok, 1),
            "p99_ms": max(p["p99_ms"] for p in parts), "status_codes": codes, "error_kinds": errs,
            "nodes": len(bases)}


def oha_one(args, target, base, request, conc, duration=None, count=None):
    method, path, body, token = request
    regex = path.startswith("~")
    url = base + path.lstrip("~")
    cmd = pin(args.client_cpus) + [args.oha, "--no-tui", "--output-format", "json", "-w",
                                   "-c", str(conc), "-m", method, url]
    if regex:
        cmd.append("--rand-regex-url")
    cmd += ["-z", f"{duration}s"] if duration else ["-n", str(count)]
    if token:
        k, v = target.auth_header(token) if isinstance(target, Peer) else ("Authorization", f"Bearer {token}")
        cmd += ["-H", f"{k}: {v}"]
    if body is not None:
        cmd += ["-T", "application/json", "-d", json.dumps(body)]
    p = subprocess.run(cmd, capture_output=True, text=True)
    if p.returncode != 0:
        raise RuntimeError(f"oha failed: {p.stderr[-500:]}")
    res = json.loads(p.stdout)
    codes = {k: int(v) for k, v in res.get("statusCodeDistribution", {}).items()}
    errs = {k: int(v) for k, v in res.get("errorDistribution", {}).items()}
    ok = sum(v for k, v in codes.items() if k.startswith("2"))
    total = sum(codes.values()) + sum(errs.values())
    lat = res.get("latencyPercentiles", {})
    wall = res["summary"]["total"] or duration or 1
    return {"ok": ok, "total": total, "errors": total - ok, "rps": ok / wall, "wall_s": wall,
            "p50_ms": (lat.get("p50") or 0) * 1000, "p99_ms": (lat.get("p99") or 0) * 1000,
            "status_codes": codes, "error_kinds": errs}


Target.base_url = lambda self: getattr(self, "base", None) or self.state["base_url"]

SCENARIOS = {
    "health": "health",
    "login": "password login",
    "get": "get record by id",
    "list": "list 20 of 10k, created_at desc, with total",
    "filter": "list 20, filter views > 500 (indexed), with total",
    "filter_rule": "list 20, filter in the rule language (==), with total",
    "filter_sdk": "list 20, the same filter in the SDK's dialect (=), with total",
    "rowlevel": "list 20 as a user, rule user.id == record.created_by",
    "aggregate": "aggregate count() + sum() by a 10-value field over 100k",
    "search": "search 100k rows of ~200 chars (one word, ranked), 20 with total",
    "update": "update record (PATCH)",
    "update_spread": "update record (PATCH), one of 100",
    "create": "create record",
    "bulk": "bulk create, 100 per request",
}
# Reads first, writes last, so the lists see exactly the seeded rows.
ORDER = ["health", "get", "list", "filter", "filter_rule", "filter_sdk", "rowlevel", "aggregate", "search", "login", "update", "update_spread", "create", "bulk"]


def run_scenarios(args, targets):
    results = []
    for i, s in enumerate(args.scenarios):
        order = targets if i % 2 == 0 else list(reversed(targets))
        for t in order:
            req = t.req(s)
            row = {"scenario": s, "server": t.name}
            if req is None:
                row["failed"] = "not set up for this server"
                results.append(row)
                continue
            conc = 1 if s == "login" and args.login_c1 else args.concurrency
            try:
                if args.warmup:
                    oha(args, t, req, conc, duration=args.warmup)
                time.sleep(0.5)
                sampler = RssSampler(getattr(t, "pids", None) or t.pid)
                sampler.start()
                meter = CpuMeter(getattr(t, "pids", None) or t.pid, pg_db=getattr(t, "pg_db", None))
                r = oha(args, t, req, conc, duration=args.duration)
                r["cpu_pct"] = meter.stop()
                r["rss_max_mib"], r["anon_max_mib"] = (x / 1024 for x in sampler.stop())
                row.update(r)
            except Exception as e:  # keep going; the table shows it
                row["failed"] = str(e)[:200]
            results.append(row)
            msg = row.get("failed") or (f"{row['rps']:.0f} req/s p50 {row['p50_ms']:.2f} p99 {row['p99_ms']:.2f} "
                                        f"err {row['errors']}/{row['total']} CPU % {fmt_cpu(row['cpu_pct'])}")
            print(f"  {s:10s} {t.name:11s} {msg}", file=sys.stderr, flush=True)
    return results


def trailbase_runs(args, ours):
    """TrailBase's published method: 100,000 inserts with a membership rule,
    16 in flight, and 1,000,000 reads by id (anchors.md 2.1)."""
    out = []
    for label, req, n in (
        ("insert 100k, membership rule, 16 in flight", ours.req("insert_rule"), args.tb_inserts),
        ("read 1M by id, 16 in flight", ours.req("get"), args.tb_reads),
    ):
        sampler = RssSampler(ours.pid)
        sampler.start()
        t0 = time.time()
        r = oha(args, ours, req, 16, count=n)
        r["elapsed_s"] = time.time() - t0
        r["rss_max_mib"], r["anon_max_mib"] = (x / 1024 for x in sampler.stop())
        r.update(scenario=label, server="ours", requests=n)
        print(f"  {label}: {r['elapsed_s']:.1f} s, {r['rps']:.0f}/s, p50 {r['p50_ms']:.2f} ms, "
              f"p99 {r['p99_ms']:.2f} ms, errors {r['errors']}", file=sys.stderr, flush=True)
        out.append(r)
    return out


def table(results, names, postgres=False):
    cpu = "CPU % server / PostgreSQL / oha / other" if postgres else "CPU % server / oha / other"
    lines = [f"| scenario | server | req/s | p50 ms | p99 ms | errors / total | peak RSS MiB | {cpu} |",
             "|---|---|---:|---:|---:|---:|---:|---:|"]
    for r in results:
        label = SCENARIOS.get(r["scenario"], r["scenario"])
        if "failed" in r:
            lines.append(f"| {label} | {r['server']} | n/a ({r['failed'][:60]}) | | | | | |")
            continue
        lines.append(f"| {label} | {r['server']} | {r['rps']:,.0f} | {r['p50_ms']:.2f} | {r['p99_ms']:.2f} "
                     f"| {r['errors']} / {r['total']} | {r['rss_max_mib']:.0f} | {fmt_cpu(r.get('cpu_pct'))} |")
    peers = [n for n in names if n != names[0]]
    first = names[0]
    if peers:
        lines += ["", "| scenario | " + " | ".join(f"{first} / {p} req/s | {first} / {p} p99" for p in peers) + " |",
                  "|---|" + "---:|---:|" * len(peers)]
        by = {(r["scenario"], r["server"]): r for r in results}
        for s in dict.fromkeys(r["scenario"] for r in results):
            cells = []
            for p in peers:
                a, b = by.get((s, first)), by.get((s, p))
                if not a or not b or "failed" in a or "failed" in b or not b["rps"] or not b["p99_ms"]:
                    cells += ["n/a", "n/a"]
                elif b["errors"] > b["total"] / 2:
                    cells += [f"n/m ({p}: {b['errors']}/{b['total']} errors)", "n/m"]
                else:
                    cells += [f"{a['rps'] / b['rps']:.1f}x", f"{a['p99_ms'] / b['p99_ms']:.2f}"]
            lines.append(f"| {SCENARIOS.get(s, s)} | " + " | ".join(cells) + " |")
    return "\n".join(lines)


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--binary", default=os.path.join(os.environ.get("CARGO_TARGET_DIR", os.path.join(ROOT, "target")), "release", "snackbase"))
    ap.add_argument("--peers", default=os.environ.get("PEERS", ""), help="e.g. pocketbase,snackbase")
    ap.add_argument("--scenarios", default=",".join(ORDER))
    ap.add_argument("--duration", type=int, default=10)
    ap.add_argument("--warmup", type=int, default=2)
    ap.add_argument("--concurrency", type=int, default=16)
    ap.add_argument("--seed", type=int, default=SEED_N)
    ap.add_argument("--aggregate-rows", type=int, default=AGGREGATE_N, help="rows of the aggregate scenario")
    ap.add_argument("--search-rows", type=int, default=SEARCH_N, help="articles seeded for the search scenario")
    ap.add_argument("--login-c1", action="store_true", help="run login at one connection")
    ap.add_argument("--trailbase", action="store_true", help="also the TrailBase-style insert and read runs")
    ap.add_argument("--tb-inserts", type=int, default=100_000)
    ap.add_argument("--tb-reads", type=int, default=1_000_000)
    ap.add_argument("--server-cpus", default=os.environ.get("SERVER_CPUS", "1"), help="'' disables pinning")
    ap.add_argument("--client-cpus", default=os.environ.get("CLIENT_CPUS", "0"), help="'' disables pinning")
    ap.add_argument("--backend", choices=("sqlite", "postgres"), default="sqlite",
                    help="our server's database; postgres: a scratch database on the local PostgreSQL, "
                         "plus pgbench's ceiling and issue 12's ratios")
    ap.add_argument("--pg-host", default="127.0.0.1")
    ap.add_argument("--pg-port", type=int, default=5432)
    ap.add_argument("--pg-user", default="postgres", help="a superuser (trust auth): creates and drops databases")
    ap.add_argument("--no-pgbench", action="store_true", help="postgres backend without the pgbench ceiling")
    ap.add_argument("--pgbench-scale", type=int, default=10)
    ap.add_argument("--pgbench-clients", type=int, default=16)
    ap.add_argument("--pgbench-jobs", type=int, default=2)
    ap.add_argument("--nodes", default="1",
                    help="server processes on the one PostgreSQL database, e.g. 1,2,3: each count is a server "
                         "of its own in the table (own scratch database; oha spreads the connections over its nodes)")
    ap.add_argument("--rls", default="",
                    help="postgres backend: row-level security modes to compare in one run, e.g. off,on "
                         "(SNACKBASE_POSTGRES_RLS; each mode a server of its own, own scratch database)")
    ap.add_argument("--out", default=os.path.join(ROOT, "target", "bench", "results.json"))
    args = ap.parse_args()
    args.scenarios = [s for s in args.scenarios.split(",") if s]
    unknown = [s for s in args.scenarios if s not in SCENARIOS]
    if unknown:
        raise SystemExit(f"unknown scenarios {unknown}; have {list(SCENARIOS)}")
    try:
        args.nodes = [int(n) for n in str(args.nodes).split(",") if n]
    except ValueError:
        raise SystemExit("--nodes takes node counts, e.g. 1,2,3")
    if not args.nodes or min(args.nodes) < 1:
        raise SystemExit("--nodes takes node counts of at least 1")
    args.rls = [m.strip() for m in args.rls.split(",") if m.strip()]
    if args.rls and (args.backend != "postgres" or set(args.rls) - {"on", "off", "auto"}):
        raise SystemExit("--rls takes on/off/auto modes and needs --backend postgres")
    if max(args.nodes) > 1 and args.backend != "postgres":
        raise SystemExit("--nodes above 1 needs --backend postgres (the nodes share one database)")
    args.oha = find_oha()
    os.environ["SERVER_CPUS"] = args.server_cpus
    os.environ["PIN"] = "1" if args.server_cpus else "0"

    # A TERM (e.g. a timeout) unwinds like ^C, so the finally clauses below
    # stop the servers and drop the scratch databases.
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(143))
    pg = Postgres(args.pg_host, args.pg_port, args.pg_user) if args.backend == "postgres" else None
    if pg and os.environ.get("SNACKBASE_DATABASE_URL"):
        print("note: --backend postgres replaces SNACKBASE_DATABASE_URL with a scratch database", file=sys.stderr)
    targets, ceiling = [], None
    try:
        try:
            for n, rls in [(n, m) for n in args.nodes for m in (args.rls or [None])]:
                suffix = ("" if len(args.nodes) == 1 else f"_{n}") + (f"_rls_{rls}" if rls else "")
                pg_db = pg.createdb(f"snackbase_bench_{os.getpid()}{suffix}") if pg else None
                url = pg.url(pg_db) if pg else None
                name = "ours" if args.nodes == [1] else f"ours, {n} node" + ("s" if n > 1 else "")
                if rls:
                    name += f", RLS {rls}"
                ours = Ours(args.binary, args.server_cpus, args.seed, url,
                            aggregate_n=args.aggregate_rows if "aggregate" in args.scenarios else 0,
                            search_n=args.search_rows if "search" in args.scenarios else 0,
                            nodes=n, name=name, pg_db=pg_db,
                            env_extra={"SNACKBASE_POSTGRES_RLS": rls} if rls else None)
                targets.append(ours)
            ours = targets[0]
            for p in [p for p in args.peers.replace(" ", ",").split(",") if p]:
                targets.append(Peer(p, args.seed))
            if pg:  # the seeded tables vacuumed and analysed, and their dirty pages
                # written, now: not by autovacuum during the first scenarios
                for db in pg.created:
                    pg.psql(db, "VACUUM ANALYZE")
                pg.psql(pg.created[0], "CHECKPOINT")
            for t in targets:
                print(f"# {t.name} {t.version} pid {t.pid} ({args.backend}): {t.rows} rows, seeded in {t.seed_s:.1f} s",
                      file=sys.stderr, flush=True)
            results = run_scenarios(args, targets)
            extra = trailbase_runs(args, ours) if args.trailbase else []
            hwm = {t.name: sum(tree_kb(p, "VmHWM") for p in (getattr(t, "pids", None) or [t.pid])) / 1024
                   for t in targets if t.pid}
        finally:
            for t in targets:
                t.stop()
            if pg:  # ours, before pgbench: no autovacuum of it during the ceiling runs
                pg.drop_all()
        if pg and not args.no_pgbench:
            ceiling = pgbench_ceiling(args, pg)
    finally:
        if pg:
            pg.drop_all()

    names = [t.name for t in targets]
    oha_version = subprocess.run([args.oha, "--version"], capture_output=True, text=True).stdout.strip()
    header = (f"{dt.datetime.now().isoformat(timespec='seconds')}; {platform.node()}, {os.cpu_count()} CPUs; "
              f"{oha_version}; {args.concurrency} connections, {args.duration} s per run after {args.warmup} s "
              f"warm-up; server CPUs {args.server_cpus or 'all'}, client CPUs {args.client_cpus or 'all'}; "
              f"{args.seed} seeded rows; ours on {args.backend}")
    if pg:
        header += (f" (PostgreSQL {pg.version} on {args.pg_host}:{args.pg_port}, not pinned; "
                   + ", ".join(f"{k} {v}" for k, v in sorted(pg.settings.items())) + ")")
    md = header + "\n\n" + table(results, names, postgres=bool(pg))
    if extra:
        md += "\n\n| TrailBase-style run | requests | seconds | req/s | p50 ms | p99 ms | errors | peak RSS MiB |\n|---|---:|---:|---:|---:|---:|---:|---:|\n"
        md += "\n".join(f"| {r['scenario']} | {r['requests']:,} | {r['elapsed_s']:.1f} | {r['rps']:,.0f} | "
                        f"{r['p50_ms']:.2f} | {r['p99_ms']:.2f} | {r['errors']} | {r['rss_max_mib']:.0f} |" for r in extra)
    md += "\n\nPeak RSS over each server's life (VmHWM, seeding included): " + ", ".join(
        f"{n} {v:.0f} MiB" for n, v in hwm.items())
    checks = None
    if ceiling:
        md += (f"\n\nPostgreSQL ceiling, same run: {ceiling['version']}, scratch database initialised with "
               f"`pgbench -i -s {ceiling['scale']}` ({ceiling['init_s']:.0f} s), pgbench pinned to CPU "
               f"{args.client_cpus or 'all'}, PostgreSQL not pinned; {args.warmup} s warm-up then {args.duration} s.\n\n"
               "| pgbench run | command | tps | latency avg ms | failed | CPU % PostgreSQL / pgbench / other |\n"
               "|---|---|---:|---:|---:|---:|\n")
        md += "\n".join(
            f"| {label} | n/a ({r['failed'][:80]}) | | | | |" if "failed" in r else
            f"| {label} | `{r['command']}` | {r['tps']:,.0f} | {r['latency_avg_ms']} | {r['failed_tx']} | "
            f"{r['cpu_pct']['postgres']:.0f} / {r['cpu_pct']['client']:.0f} / {r['cpu_pct']['other']:.0f} |"
            for label, r in ceiling["runs"].items())
        checks = check_targets(results, ceiling, targets[0].name)
        md += "\n\n" + targets_table(checks)
    print(md)
    os.makedirs(os.path.dirname(args.out), exist_ok=True)
    with open(args.out, "w") as f:
        json.dump({"header": header, "backend": args.backend,
                   "postgres": pg and {"version": pg.version, "host": args.pg_host, "port": args.pg_port,
                                       "settings": pg.settings},
                   "pgbench": ceiling, "issue12_targets": checks, "targets": [{"name": t.name, "version": t.version, "rows": t.rows,
                                                   "seed_s": t.seed_s} for t in targets],
                   "results": results, "trailbase": extra, "peak_rss_mib": hwm}, f, indent=2)
    with open(os.path.splitext(args.out)[0] + ".md", "w") as f:
        f.write(md + "\n")
    print(f"\nJSON: {args.out}", file=sys.stderr)


if __name__ == "__main__":
    main()
