#!/usr/bin/env python3
"""Benchmark harness (issue 5): this server beside dsss and sdmxlib-rest, and at 1M and
10M observations, in one command; writes docs/benchmarks.md.

    python bench/run.py                  # everything: sample, 1m and 10m sizes
    python bench/run.py --quick          # 3 s wrk runs, one repetition, sample only
    python bench/run.py --sizes sample,1m --duration 5
    python bench/run.py --build-only     # only load (or check) the cached stores

Everything it starts listens on 127.0.0.1 and is stopped at the end, also on Ctrl-C
or SIGTERM, by process id. Generated data and databases live under /tmp/bench-data
(--data-dir). The loaded SQLite stores are kept there between runs, keyed on
make_data.DATA_VERSION and server/store/schema.py (--rebuild reloads, --keep-db reuses
them whatever the key), since loading 10 million observations takes many minutes.
Failures (a non-2xx answer, a wrong number of observations, a server that does not
start) are recorded in the report rather than stopping the run. Not part of the test
suite (pytest collects tests/ only).

Servers, each one worker process (the peers' scripts run one uvicorn process each):
  dsss          bench/peers/start-dsss.sh          port 5001, the sample only
  sdmxlib-rest  bench/peers/start-sdmxlib-rest.sh  port 5002, the sample only
  ours          gunicorn --workers 1 --threads N wsgi:app
                port 5101 (sample), 5103 (1M/10M store), 5104 (ingest)
  bare Flask    the same gunicorn command on bench/bare_app.py, port 5102
"""

from __future__ import annotations

import argparse
import csv
import datetime as dt
import hashlib
import importlib.metadata
import itertools
import json
import mmap
import os
import platform
import random
import re
import resource
import shlex
import shutil
import signal
import socket
import sqlite3
import statistics
import subprocess
import sys
import threading
import time
import urllib.error
import urllib.request
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
BENCH = ROOT / "bench"
PEERS = BENCH / "peers"
sys.path.insert(0, str(BENCH))
import make_data  # noqa: E402

HOST = "127.0.0.1"
SDMX = "application/vnd.sdmx."
ML21_STRUCT = SDMX + "structure+xml;version=2.1"
FORMATS = {  # label -> Accept header (ours)
    "SDMX-ML 2.1 generic": SDMX + "genericdata+xml;version=2.1",
    "SDMX-ML 2.1 structure-specific": SDMX + "structurespecificdata+xml;version=2.1",
    "SDMX-ML 3.0": SDMX + "data+xml;version=3.0.0",
    "SDMX-JSON 1.0": SDMX + "data+json;version=1.0.0",
    "SDMX-JSON 2.0": SDMX + "data+json;version=2.0.0",
    "SDMX-CSV 1.0": SDMX + "data+csv;version=1.0.0",
    "SDMX-CSV 2.0": SDMX + "data+csv;version=2.0.0",
}
GENERIC, CSV1, CSV2 = "SDMX-ML 2.1 generic", "SDMX-CSV 1.0", "SDMX-CSV 2.0"
FLAT = "SDMX-ML 2.1 generic, flat"  # dimensionAtObservation=AllDimensions, as dsss
QUICK_FORMATS = [GENERIC, CSV1, CSV2]
AREAS = [f"AREA{i:02d}" for i in range(1, 21)]  # the peers' sample
INDICATORS = [f"IND{i:03d}" for i in range(1, 26)]
SMALL_KEY = "M.AREA01+AREA02.IND001"
SMALL_PERIOD = "startPeriod=2017-01&endPeriod=2018-12"
SMALL_EXPECTED = 48  # 2 areas x 1 indicator x 24 months
BIG_EXPECTED = 100_000
CODELIST = "/rest/codelist/TEST/CL_FREQ/1.0"

GOALS = {
    "csv": "SDMX-CSV export of 100,000 observations vs sdmxlib-rest: at least as fast",
    "generic": "SDMX-ML 2.1 generic export of 100,000 observations vs dsss: "
    ">= 50x faster",
    "struct_dsss": "small structure queries, req/s vs dsss: >= 2x",
    "struct_bare": "small structure queries, req/s vs the bare Flask ceiling: >= 70 %",
    "ingest": "ingest of an SDMX-CSV submission on SQLite (validated, committed): "
    ">= 200,000 obs/s",
    "memory": "peak RSS of one worker serving the 1M export above its idle RSS, "
    "10M stored: <= 100 MB",
}


# --------------------------------------------------------------------------- run state
class Budget(Exception):
    """The run's time budget is spent."""


class Run:
    """One run: settings, started processes, results, the commands it ran."""

    def __init__(self, args: argparse.Namespace) -> None:
        self.args = args
        self.data = Path(args.data_dir)
        self.gen = self.data / "gen"
        self.dbdir = self.data / "db"
        self.out = self.data / "run"
        self.peers_dir = self.data / "peers"
        self.sample = self.data / "sample"
        for d in (self.gen, self.dbdir, self.out, self.peers_dir):
            d.mkdir(parents=True, exist_ok=True)
        self.t0 = time.time()
        self.deadline = self.t0 + args.max_minutes * 60
        self.procs: list[dict[str, Any]] = []
        self.failures: list[str] = []
        self.notes: list[str] = []
        self.commands: list[str] = []
        self.machine: dict[str, str] = {}
        self.results: dict[str, Any] = {
            "structure": [],
            "small_data": [],
            "export100k": [],
            "export1m": [],
            "ingest": None,
            "memory": {},
            "loads": {},
            "servers": {},
        }

    def log(self, msg: str) -> None:
        print(f"[{time.time() - self.t0:7.1f}s] {msg}", flush=True)

    def fail(self, msg: str) -> None:
        self.failures.append(msg)
        self.log(f"FAILURE: {msg}")

    def note(self, msg: str) -> None:
        if msg not in self.notes:
            self.notes.append(msg)
            self.log(f"note: {msg}")

    def cmd(self, text: str) -> None:
        if text not in self.commands:
            self.commands.append(text)

    def check_budget(self, step: str) -> None:
        if time.time() > self.deadline:
            raise Budget(
                f"time budget ({self.args.max_minutes} min) spent before {step}"
            )

    def stop(self, name: str) -> None:
        for p in [p for p in self.procs if p["name"] == name]:
            terminate(p["pid"], p.get("popen"), p.get("children", []))
            self.procs.remove(p)

    def stop_all(self) -> None:
        for p in reversed(list(self.procs)):
            try:
                terminate(p["pid"], p.get("popen"), p.get("children", []))
            except Exception as e:  # noqa: BLE001
                print(f"stopping {p['name']} (pid {p['pid']}): {e}", file=sys.stderr)
        self.procs.clear()


# --------------------------------------------------------------------------- processes
def alive(pid: int) -> bool:
    """Running and not a zombie."""
    try:
        with open(f"/proc/{pid}/stat") as f:
            return f.read().rsplit(")", 1)[1].split()[0] != "Z"
    except (OSError, IndexError):
        return False


def _signal(pids: list[int], sig: int) -> None:
    for p in pids:
        if alive(p):
            try:
                os.kill(p, sig)
            except ProcessLookupError:
                pass


def terminate(pid: int, popen: subprocess.Popen | None, children: list[int]) -> None:
    """SIGTERM the pid and the worker pids noted at start; SIGKILL after 15 s."""
    pids = [pid, *children]
    _signal(pids, signal.SIGTERM)
    end = time.time() + 15
    while time.time() < end and any(alive(p) for p in pids):
        if popen is not None:
            popen.poll()
        time.sleep(0.1)
    _signal(pids, signal.SIGKILL)
    if popen is not None:
        try:
            popen.wait(timeout=5)
        except subprocess.TimeoutExpired:
            pass


def port_free(port: int) -> bool:
    with socket.socket() as s:
        s.settimeout(0.5)
        if s.connect_ex((HOST, port)) == 0:
            return False
    with socket.socket() as s:
        s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)  # as gunicorn does
        try:
            s.bind((HOST, port))
        except OSError:
            return False
    return True


def wait_http(url: str, timeout: float, pid: int | None = None) -> bool:
    end = time.time() + timeout
    while time.time() < end:
        try:
            with urllib.request.urlopen(url, timeout=5) as r:
                r.read()
            return True
        except urllib.error.HTTPError:
            return True  # it answers
        except Exception:  # noqa: BLE001
            pass
        if pid is not None and not alive(pid):
            return False
        time.sleep(0.25)
    return False


def children_of(pid: int) -> list[int]:
    try:
        with open(f"/proc/{pid}/task/{pid}/children") as f:
            return [int(x) for x in f.read().split()]
    except OSError:
        return []


def proc_mem(pid: int) -> dict[str, int]:
    """VmRSS, VmHWM, RssAnon, RssFile of a process, in kB."""
    out = {}
    try:
        with open(f"/proc/{pid}/status") as f:
            for line in f:
                k, _, v = line.partition(":")
                if k in ("VmRSS", "VmHWM", "RssAnon", "RssFile"):
                    out[k] = int(v.split()[0])
    except OSError:
        pass
    return out


def load1() -> float:
    return os.getloadavg()[0]


HZ = os.sysconf("SC_CLK_TCK")
NCPU = os.cpu_count() or 1


def _busy_seconds() -> float:
    """CPU seconds the whole machine has been busy (/proc/stat)."""
    with open("/proc/stat") as f:
        v = [int(x) for x in f.readline().split()[1:9]]
    return (v[0] + v[1] + v[2] + v[5] + v[6] + v[7]) / HZ  # all but idle, iowait


def _pid_seconds(pid: int) -> float:
    try:
        with open(f"/proc/{pid}/stat") as f:
            fields = f.read().rsplit(")", 1)[1].split()
        return (int(fields[11]) + int(fields[12])) / HZ  # utime + stime
    except (OSError, IndexError, ValueError):
        return 0.0


class Others:
    """The share of the machine's CPU that other work (not this benchmark: the
    harness, wrk and curl, the servers it started) used over a span of time. The
    machine is shared; this says how far a figure may be off."""

    def __init__(self, run: Run) -> None:
        self.run = run
        self.t, self.busy, self.own = time.time(), _busy_seconds(), self._own()

    def _own(self) -> dict[Any, float]:
        own: dict[Any, float] = {}
        for p in self.run.procs:
            for pid in {p["pid"], *p.get("children", []), *children_of(p["pid"])}:
                own[pid] = _pid_seconds(pid)
        for who in (resource.RUSAGE_SELF, resource.RUSAGE_CHILDREN):
            r = resource.getrusage(who)
            own[who] = r.ru_utime + r.ru_stime
        return own

    def share(self) -> float:
        now, busy, own = time.time(), _busy_seconds(), self._own()
        mine = sum(v - self.own.get(k, 0.0) for k, v in own.items())
        return max(0.0, (busy - self.busy - mine) / (max(now - self.t, 1e-3) * NCPU))


def env_str(env: dict[str, str]) -> str:
    return " ".join(f"{k}={shlex.quote(v)}" for k, v in env.items())


def code_sha() -> str:
    """Fingerprint of the server's code as it is now (another engineer may be
    changing it while the benchmark runs)."""
    return file_sha(*sorted((ROOT / "server").rglob("*.py")))


def server_log_error(run: Run, name: str) -> str:
    """The last exception line of a server's log, if any."""
    path = run.out / f"{name}.log"
    if not path.exists():
        return ""
    lines = path.read_text(errors="replace").splitlines()
    errs = [x for x in lines if re.match(r"^[\w.]+(Error|Exception)\b", x)]
    return f" (server log {path}: {errs[-1][:300]})" if errs else f" (log {path})"


def file_sha(*paths: Path) -> str:
    h = hashlib.sha256()
    for p in paths:
        h.update(p.read_bytes() if p.exists() else b"-")
    return h.hexdigest()[:16]


# --------------------------------------------------------------------------- counting
_OBS_RE = re.compile(rb"<(?:[A-Za-z_][\w.-]*:)?Obs[\s/>]")
_ROOT_RE = re.compile(rb"<([A-Za-z_][\w.:-]*)[\s>]")


def count_obs(path: Path, content_type: str) -> int:
    """Observations in a data answer: CSV rows, JSON observations, `Obs` elements."""
    ct = content_type.lower()
    if "csv" in ct:
        with open(path, newline="", encoding="utf-8") as f:
            rows = csv.reader(f)
            next(rows, None)
            return sum(1 for row in rows if row)
    if "json" in ct:
        with open(path, encoding="utf-8") as f:
            doc = json.load(f)
        n = 0
        for ds in doc.get("data", doc).get("dataSets", []):
            n += len(ds.get("observations") or {})
            for series in (ds.get("series") or {}).values():
                n += len(series.get("observations") or {})
        return n
    with open(path, "rb") as f:
        if os.fstat(f.fileno()).st_size == 0:
            return 0
        with mmap.mmap(f.fileno(), 0, access=mmap.ACCESS_READ) as mm:
            return sum(1 for _ in _OBS_RE.finditer(mm))


def root_element(path: Path) -> str:
    """The root element of an XML answer ('' for other formats)."""
    with open(path, "rb") as f:
        head = f.read(2000)
    head = re.sub(rb"<\?.*?\?>", b"", head, flags=re.S)
    m = _ROOT_RE.search(head) if head.lstrip().startswith(b"<") else None
    return m.group(1).decode() if m else ""


# --------------------------------------------------------------------------- wrk, curl
_UNITS = {"us": 0.001, "ms": 1.0, "s": 1000.0, "m": 60000.0}


def _ms(text: str) -> float | None:
    m = re.match(r"([\d.]+)(us|ms|s|m)$", text)
    return float(m.group(1)) * _UNITS[m.group(2)] if m else None


def parse_wrk(out: str) -> dict[str, Any]:
    res: dict[str, Any] = {
        "rps": None,
        "p50": None,
        "p99": None,
        "avg": None,
        "non2xx": 0,
        "errors": 0,
        "requests": 0,
    }
    for line in out.splitlines():
        s = line.split()
        if not s:
            continue
        if s[0] == "Requests/sec:":
            res["rps"] = float(s[1])
        elif s[0] in ("50%", "99%"):
            res["p" + s[0][:-1]] = _ms(s[1])
        elif s[0] == "Latency" and res["avg"] is None:
            res["avg"] = _ms(s[1])
        elif line.strip().startswith("Non-2xx"):
            res["non2xx"] = int(s[-1])
        elif s[:2] == ["Socket", "errors:"]:
            res["errors"] = sum(int(x.strip(",")) for x in s[3::2])
        elif s[1:3] == ["requests", "in"]:
            res["requests"] = int(s[0])
    return res


def wrk_script(run: Run, name: str, paths: list[str]) -> Path:
    """A wrk Lua script sending these paths in turn (each once, then again)."""
    listing = run.out / f"{name}.paths"
    listing.write_text("\n".join(paths) + "\n")
    script = run.out / f"{name}.lua"
    script.write_text(
        "-- generated by bench/run.py: each request takes the next path of the list\n"
        f'local paths = {{}}\nfor line in io.lines("{listing}") do '
        "paths[#paths + 1] = line end\n"
        "local i = 0\n"
        "request = function()\n"
        "  i = i % #paths + 1\n"
        "  return wrk.format(nil, paths[i])\n"
        "end\n"
    )
    return script


def wrk(
    run: Run,
    url: str,
    headers: dict[str, str],
    conns: int,
    script: Path | None = None,
) -> dict[str, Any]:
    """wrk -t1 -cN for --duration seconds after a 1-second warm-up (not recorded)."""
    d = run.args.duration
    opts = [x for k, v in headers.items() for x in ("-H", f"{k}: {v}")]
    if script:
        opts += ["-s", str(script)]
    base = ["wrk", "-t1", f"-c{conns}", "--timeout", "10s"]
    argv = [*base, f"-d{d}s", "--latency", *opts, url]
    run.cmd(shlex.join(argv))
    warm = [*base, "-d1s", *opts, url]
    subprocess.run(warm, capture_output=True, timeout=60, check=False)
    others = Others(run)
    p = subprocess.run(
        argv, capture_output=True, text=True, timeout=d + 60, check=False
    )
    res = parse_wrk(p.stdout)
    res["others"] = others.share()
    if p.returncode != 0 or res["rps"] is None:
        err = p.stderr.strip() or p.stdout[-300:]
        raise RuntimeError(f"wrk failed ({p.returncode}): {err}")
    return res


def curl(
    run: Run,
    url: str,
    accept: str | None,
    dest: Path,
    max_time: int,
    record: bool = True,
) -> dict[str, Any]:
    argv = ["curl", "-sS", "--max-time", str(max_time), "-o", str(dest), "-w"]
    argv.append(
        "%{http_code} %{size_download} %{time_starttransfer} %{time_total} "
        "%{content_type}"
    )
    if accept:
        argv += ["-H", f"Accept: {accept}"]
    argv.append(url)
    if record:
        run.cmd(shlex.join(argv))
    p = subprocess.run(
        argv, capture_output=True, text=True, timeout=max_time + 30, check=False
    )
    parts = p.stdout.split(" ", 4)
    if p.returncode != 0 or len(parts) < 4:
        err = p.stderr.strip() or f"curl exit {p.returncode}"
        return {
            "code": 0,
            "size": 0,
            "ttfb": None,
            "total": None,
            "ctype": "",
            "error": err,
        }
    return {
        "code": int(parts[0]),
        "size": int(parts[1]),
        "ttfb": float(parts[2]),
        "total": float(parts[3]),
        "ctype": parts[4].strip() if len(parts) > 4 else "",
    }


def fetch_check(
    run: Run,
    label: str,
    url: str,
    accept: str | None,
    expected: int | None,
    dest: Path,
    max_time: int = 600,
    known: str | None = None,
    record: bool = True,
) -> dict[str, Any]:
    """One timed request; its status and number of observations checked."""
    others = Others(run)
    r = curl(run, url, accept, dest, max_time, record=record)
    r.update(obs=None, root="", others=others.share())
    if r.get("error") or not 200 <= r["code"] < 300:
        why = f"{label}: HTTP {r['code']} {r.get('error', '')} ({url})"
        if r["code"] >= 500:
            why += "".join(
                server_log_error(run, name)
                for name, info in run.results["servers"].items()
                if info.get("workers") and f":{info['port']}/" in url
            )
        run.fail(why)
    elif expected is not None:
        r["root"] = root_element(dest)
        try:
            r["obs"] = count_obs(dest, r["ctype"] or (accept or ""))
        except Exception as e:  # noqa: BLE001
            run.fail(f"{label}: could not count the observations: {e}")
        if r["obs"] is not None and r["obs"] != expected:
            msg = f"{label}: {r['obs']:,} observations, expected {expected:,}"
            if known:
                run.note(f"{msg} (known deviation: {known})")
                r["deviation"] = known
            else:
                run.fail(msg)
    r["ok"] = bool(
        not r.get("error")
        and 200 <= r["code"] < 300
        and (expected is None or r["obs"] == expected)
    )
    if not r["ok"] and not r.get("deviation") and dest.exists():
        with open(dest, "rb") as f:
            head = f.read(300).decode("utf-8", "replace")
        run.log(f"{label}: the answer began {head[:240]!r}")
    return r


# --------------------------------------------------------------------------- our server
OURS_ENV = {"SDMX_LOAD_BUNDLED": "false", "SDMX_DEFAULT_PROVIDER": "BENCH:BENCH_PD"}


def ours_env(db: Path) -> dict[str, str]:
    return {"DATABASE_URL": f"sqlite:///{db}", **OURS_ENV}


def flask_cli(
    run: Run, db: Path, args: list[str], timeout: int
) -> subprocess.CompletedProcess:
    env = ours_env(db)
    run.cmd(f"{env_str(env)} flask --app wsgi {shlex.join(args)}")
    return subprocess.run(
        [sys.executable, "-m", "flask", "--app", "wsgi", *args],
        cwd=ROOT,
        env={**os.environ, **env},
        capture_output=True,
        text=True,
        timeout=timeout,
        check=False,
    )


def gunicorn_argv(run: Run, port: int, app: str) -> list[str]:
    t = str(run.args.threads)
    bind = f"{HOST}:{port}"
    return [
        "gunicorn",
        "--workers",
        "1",
        "--threads",
        t,
        "--bind",
        bind,
        "--timeout",
        "300",
        app,
    ]


def start_gunicorn(
    run: Run,
    name: str,
    port: int,
    env: dict[str, str],
    app: str = "wsgi:app",
    cwd: Path = ROOT,
    ready_path: str = "/",
) -> dict | None:
    if not port_free(port):
        run.fail(f"{name}: port {port} is taken; not started")
        return None
    argv = gunicorn_argv(run, port, app)
    chdir = "" if cwd == ROOT else f"cd {cwd.relative_to(ROOT)} && "
    run.cmd(f"{chdir}{env_str(env)} {shlex.join(argv)}")
    t = time.time()
    with open(run.out / f"{name}.log", "ab") as log:
        popen = subprocess.Popen(
            [sys.executable, "-m", "gunicorn", *argv[1:]],
            cwd=cwd,
            env={**os.environ, **env},
            stdout=log,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
    entry = {"name": name, "pid": popen.pid, "popen": popen, "children": []}
    run.procs.append(entry)
    if not wait_http(f"http://{HOST}:{port}{ready_path}", 180, popen.pid):
        log_path = run.out / f"{name}.log"
        tail = log_path.read_text(errors="replace")[-600:]
        run.fail(f"{name}: gunicorn did not answer on port {port} in 180 s: {tail}")
        run.stop(name)
        return None
    entry["children"] = children_of(popen.pid)
    info = {
        "port": port,
        "pid": popen.pid,
        "workers": entry["children"],
        "startup_s": round(time.time() - t, 2),
        "code": code_sha(),
    }
    run.results["servers"][name] = info
    run.log(f"{name} up on {port} (master {popen.pid}, worker {entry['children']})")
    return info


# --------------------------------------------------------------------------- databases
def ensure_sample(run: Run) -> None:
    if not (run.sample / "obs_big.csv").exists():
        run.cmd(f"python3 bench/peers/make_sample_data.py {run.sample}")
        script = str(PEERS / "make_sample_data.py")
        subprocess.run(
            [sys.executable, script, str(run.sample)],
            check=True,
            capture_output=True,
            timeout=300,
        )


def cache_key(extra: str) -> str:
    """Cached stores follow the data version and the store's schema."""
    return (
        f"v{make_data.DATA_VERSION}-"
        + file_sha(
            ROOT / "server" / "store" / "schema.py", PEERS / "make_sample_data.py"
        )
        + extra
    )


def _cached(run: Run, db: Path, meta: dict, key: str) -> bool:
    if not db.exists() or run.args.rebuild:
        return False
    if meta.get("key") == key:
        return True
    if run.args.keep_db:
        run.note(f"{db.name} was built for another store schema; kept (--keep-db)")
        return True
    return False


def _checkpoint(db: Path) -> None:
    con = sqlite3.connect(db)
    try:
        con.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    finally:
        con.close()
    for suffix in ("-wal", "-shm", "-journal"):
        Path(f"{db}{suffix}").unlink(missing_ok=True)


def _load(run: Run, db: Path, files: list[Path], what: str, timeout: int) -> float:
    t = time.time()
    args = ["load", "--provider", "BENCH:BENCH_PD", *map(str, files)]
    p = flask_cli(run, db, args, timeout)
    took = time.time() - t
    if p.returncode != 0:
        out = (p.stderr or p.stdout).strip()[-800:]
        raise RuntimeError(f"loading {what} failed ({p.returncode}): {out}")
    return took


def build_sample_db(run: Run) -> Path:
    """The peers' sample and the BENCH structures (for the ingest flow), cached."""
    db = run.dbdir / "sample.db"
    meta_path = run.dbdir / "sample.json"
    key = cache_key("sample")
    meta = json.loads(meta_path.read_text()) if meta_path.exists() else {}
    if _cached(run, db, meta, key):
        run.log(f"sample store cached: {db}")
        return db
    ensure_sample(run)
    made = make_data.generate(run.gen, [], 0, run.sample)
    tmp = run.dbdir / "sample.db.building"
    for p in run.dbdir.glob("sample.db*"):
        p.unlink()
    run.log("loading the sample into our store")
    files = [
        run.sample / "structure.xml",
        run.gen / "structures.xml",
        run.gen / "sample_small.csv",
        run.gen / "sample_big.csv",
    ]
    took = _load(run, tmp, files, "the sample", 900)
    _checkpoint(tmp)
    tmp.replace(db)
    n = made["sample_small.csv"] + made["sample_big.csv"]
    now = dt.datetime.now().isoformat(timespec="seconds")
    meta = {"key": key, "obs": n, "load_s": round(took, 1), "built": now}
    meta_path.write_text(json.dumps(meta, indent=1))
    run.log(f"sample loaded: {n} obs in {took:.1f}s")
    return db


def build_big_db(run: Run, sizes: list[str]) -> tuple[Path, dict]:
    """DF_MIG_1M (and DF_MIG_10M) in big.db, cached; returns (db, metadata)."""
    db = run.dbdir / "big.db"
    meta_path = run.dbdir / "big.json"
    key = cache_key("big")
    meta = json.loads(meta_path.read_text()) if meta_path.exists() else {}
    if not _cached(run, db, meta, key):
        meta = {"key": key, "flows": {}, "loads": {}}
        for p in run.dbdir.glob("big.db*"):
            p.unlink()
    want = [s for s in ("1m", "10m") if s in sizes]
    missing = [s for s in want if f"DF_MIG_{s.upper()}" not in meta["flows"]]
    if not missing:
        run.log(f"big store cached: {db} ({meta['flows']})")
        return db, meta
    tmp = run.dbdir / "big.db.building"
    for p in run.dbdir.glob("big.db.building*"):
        p.unlink()
    if db.exists():
        shutil.copyfile(db, tmp)
    else:
        make_data.generate(run.gen, [], 0, None)  # structures.xml
        _load(run, tmp, [run.gen / "structures.xml"], "structures", 300)
    for size in missing:
        run.check_budget(f"loading {size}")
        run.log(f"generating the {size} data")
        t = time.time()
        made = make_data.generate(run.gen, [size], 0, None)
        files = [run.gen / n for n in made if n.startswith(f"mig_{size}")]
        gen_s = time.time() - t
        n = sum(made[f.name] for f in files)
        run.log(
            f"loading {n:,} observations of DF_MIG_{size.upper()} from "
            f"{len(files)} file(s); this takes minutes"
        )
        took = _load(run, tmp, files, size, 4 * 3600)
        meta["flows"][f"DF_MIG_{size.upper()}"] = n
        run.results.setdefault("built_now", []).append(size)
        meta["loads"][size] = {
            "obs": n,
            "files": len(files),
            "load_s": round(took, 1),
            "obs_per_s": round(n / took),
            "generate_s": round(gen_s, 1),
            "date": dt.datetime.now().isoformat(timespec="seconds"),
        }
        run.log(f"loaded {n:,} obs in {took:.1f}s ({n / took:,.0f} obs/s)")
        for f in files:
            f.unlink()
        _checkpoint(tmp)
        tmp.replace(db)  # a loaded size is kept even if a later one fails
        meta["db_bytes"] = db.stat().st_size
        meta_path.write_text(json.dumps(meta, indent=1))
        if size != missing[-1]:
            shutil.copyfile(db, tmp)
    return db, meta


# --------------------------------------------------------------------------- peers
def start_peer(
    run: Run, name: str, script: str, port: int, fallback: int
) -> str | None:
    if not port_free(port):
        if not port_free(fallback):
            run.fail(f"{name}: ports {port} and {fallback} are taken; not started")
            return None
        run.note(f"{name}: port {port} was taken; started on {fallback} (PORT=)")
        port = fallback
    env = {
        "BACKGROUND": "1",
        "PORT": str(port),
        "PEERS_DIR": str(run.peers_dir),
        "VENV": run.args.peers_venv,
        "DATA": str(run.sample),
    }
    pidfile = run.peers_dir / f"{name}.pid"
    pidfile.unlink(missing_ok=True)
    run.cmd(f"{env_str(env)} bash bench/peers/{script}")
    run.log(f"starting {name} (installs into {run.args.peers_venv} if needed)")
    t = time.time()
    try:
        p = subprocess.run(
            ["bash", str(PEERS / script)],
            env={**os.environ, **env},
            capture_output=True,
            text=True,
            timeout=900,
            start_new_session=True,
            cwd=ROOT,
            check=False,
        )
        rc, err = p.returncode, (p.stderr.strip() or p.stdout.strip())
    except subprocess.TimeoutExpired:
        rc, err = -1, "the start script timed out (900 s)"
    pid = int(pidfile.read_text().strip()) if pidfile.exists() else None
    if pid:
        run.procs.append({"name": name, "pid": pid})
    if rc != 0 or pid is None:
        run.fail(f"{name}: start script failed ({rc}): {err[-600:]}")
        return None
    took = round(time.time() - t, 1)
    run.results["servers"][name] = {"port": port, "pid": pid, "startup_s": took}
    run.log(f"{name} up on {port} (pid {pid}) after {took:.0f}s")
    return f"http://{HOST}:{port}"


# --------------------------------------------------------------------------- the sample
def distinct_codelist_paths(n: int) -> list[str]:
    """Item queries of the sample's codelists, no two alike (uncacheable)."""
    paths = [
        f"/rest/codelist/TEST/{cl}/1.0/{'+'.join(c)}"
        for cl, codes, k in (
            ("CL_INDICATOR", INDICATORS, 4),
            ("CL_AREA", AREAS, 4),
            ("CL_AREA", AREAS, 5),
        )
        for c in itertools.combinations(codes, k)
    ]
    random.Random(5).shuffle(paths)
    return paths[:n]


def distinct_data_paths(server: str, n: int) -> list[str]:
    """Key + 24-month window queries on DF_BIG, 48 observations each, no two alike."""
    rnd = random.Random(7)
    months = [f"{y}-{m:02d}" for y in range(2003, 2020) for m in range(1, 13)]
    months = months[months.index("2003-05") :]
    seen: set[tuple] = set()
    paths = []
    while len(paths) < n:
        a1, a2 = sorted(rnd.sample(AREAS, 2))
        ind = rnd.choice(INDICATORS)
        i = rnd.randrange(len(months) - 23)
        q = (a1, a2, ind, i)
        if q in seen:
            continue
        seen.add(q)
        key = f"M.{a1}+{a2}.{ind}"
        period = f"startPeriod={months[i]}&endPeriod={months[i + 23]}"
        if server == "sdmxlib-rest":
            paths.append(f"/data/dataflow/TEST/DF_BIG/1.0/{key}.*?{period}")
        else:
            paths.append(f"/rest/data/TEST,DF_BIG,1.0/{key}?{period}")
    return paths


def structure_cases() -> list[tuple[str, str, str, dict[str, str]]]:
    """(query, server, path, headers) of the structure throughput runs."""
    ml = {"Accept": ML21_STRUCT}
    cl_v2 = "/rest/v2/structure/codelist/TEST/CL_FREQ/1.0"
    dsd = "datastructure/TEST/DSD_SMALL/1.0?references=all"
    q1 = "codelist CL_FREQ (3 codes), SDMX-ML 2.1"
    q2 = "codelist CL_FREQ, SDMX-JSON 2.0"
    q3 = "DSD_SMALL with references=all, SDMX-ML 2.1"
    return [
        (q1, "ours", CODELIST, {}),
        (q1, "ours", cl_v2, ml),
        (q1, "bare", CODELIST, {}),
        (q1, "dsss", "/codelist/TEST/CL_FREQ/1.0", {}),
        (q1, "sdmxlib-rest", "/structure/codelist/TEST/CL_FREQ/1.0", ml),
        (q2, "ours", cl_v2, {}),
        (q2, "sdmxlib-rest", "/structure/codelist/TEST/CL_FREQ/1.0", {}),
        (q3, "ours", f"/rest/{dsd}", {}),
        (q3, "dsss", f"/{dsd}", {}),
        (q3, "sdmxlib-rest", f"/structure/{dsd}", ml),
    ]


def throughput(
    run: Run,
    row: dict[str, Any],
    url: str,
    headers: dict[str, str],
    conns: int,
    expected: int | None = None,
    known: str | None = None,
    paths: list[str] | None = None,
) -> dict[str, Any]:
    """Check the answer once (the first three paths of a list), then run wrk on the
    URL, or on the base URL with the list of paths; failures are recorded."""
    label = f"{row['server']} {row['path']}"
    accept = headers.get("Accept")
    try:
        for u in [url + p for p in paths[:3]] if paths else [url]:
            chk = fetch_check(
                run,
                label,
                u,
                accept,
                expected,
                run.out / "check.out",
                60,
                known,
                record=not paths,
            )
        row.update(
            size=chk["size"],
            obs=chk["obs"],
            ok=chk["ok"],
            deviation=chk.get("deviation"),
        )
        script = None
        if paths:
            name = re.sub(r"[^A-Za-z0-9]+", "_", f"{row['server']}_{label}")[:60]
            script = wrk_script(run, name, paths)
            row["urls"] = f"{len(paths):,} different"
        row.update(wrk(run, url, headers, conns, script))
        if paths and row["requests"] > len(paths):
            run.note(
                f"{label}: wrk sent more requests than there are different "
                "paths; the later ones repeat"
            )
        if row["non2xx"] or row["errors"]:
            run.fail(
                f"{label}: {row['non2xx']} non-2xx answers and {row['errors']} "
                "socket errors under wrk"
            )
        run.log(f"{label[:70]:70} {row['rps']:8,.0f} req/s  p50 {row['p50']:.2f} ms")
    except Exception as e:  # noqa: BLE001
        run.fail(f"{label}: {e}")
    return row


def measure_structure(run: Run, urls: dict[str, str]) -> None:
    """Requests per second, wrk -t1 -c8: the same URL again and again, as the peers'
    bench-peers.sh does; then item queries that are all different (no cache)."""
    for query, server, path, headers in structure_cases():
        if server in urls:
            run.check_budget("structure queries")
            row = {
                "query": query,
                "server": server,
                "path": path,
                "accept": headers.get("Accept", ""),
                "urls": "the same",
            }
            throughput(run, row, urls[server] + path, headers, run.args.connections)
            run.results["structure"].append(row)
    if "ours" in urls:
        paths = distinct_codelist_paths(30_000)
        row = {
            "query": "codelist items (4 or 5 codes of CL_AREA or CL_INDICATOR)",
            "server": "ours",
            "path": paths[0] + " …",
            "accept": "",
        }
        throughput(run, row, urls["ours"], {}, run.args.connections, paths=paths)
        run.results["structure"].append(row)


def measure_small_data(run: Run, urls: dict[str, str]) -> None:
    """Latency of a small data query, wrk with one connection (one at a time): the
    peers' query repeated, then different keys and periods every time."""
    q = f"{SMALL_KEY}?{SMALL_PERIOD}"
    dsss_dev = "dsss ignores the key and period and returns the whole data set"
    cases = [
        ("ours", f"/rest/data/TEST,DF_SMALL,1.0/{q}", GENERIC, None),
        ("ours", f"/rest/data/TEST,DF_SMALL,1.0/{q}", CSV2, None),
        ("dsss", f"/data/TEST,DF_SMALL,1.0/{q}", GENERIC, dsss_dev),
        (
            "sdmxlib-rest",
            f"/data/dataflow/TEST/DF_SMALL/1.0/{SMALL_KEY}.*?{SMALL_PERIOD}",
            CSV2,
            None,
        ),
    ]
    for server, path, fmt, known in cases:
        if server in urls:
            run.check_budget("small data query")
            headers = {"Accept": FORMATS[fmt]} if server == "ours" else {}
            row = {"server": server, "path": path, "format": fmt, "urls": "the same"}
            throughput(run, row, urls[server] + path, headers, 1, SMALL_EXPECTED, known)
            run.results["small_data"].append(row)
    for server, fmt in (("ours", GENERIC), ("ours", CSV2), ("sdmxlib-rest", CSV2)):
        if server in urls:
            run.check_budget("small data query, different URLs")
            paths = distinct_data_paths(server, 20_000)
            headers = {"Accept": FORMATS[fmt]} if server == "ours" else {}
            row = {"server": server, "path": paths[0] + " …", "format": fmt}
            throughput(run, row, urls[server], headers, 1, SMALL_EXPECTED, paths=paths)
            run.results["small_data"].append(row)
    if "dsss" in urls:
        run.note(
            "dsss is left out of the small data queries with different URLs: it "
            "ignores the key and period and would send all 100,000 observations "
            "of DF_BIG each time"
        )


def measure_exports(run: Run, urls: dict[str, str]) -> None:
    """100,000 observations (TEST:DF_BIG, all) in each format, full body received."""
    reps = run.args.repeat
    ours = "/rest/data/TEST,DF_BIG,1.0/all"
    sl = "/data/dataflow/TEST/DF_BIG/1.0/*"
    cases = [("ours", ours, f, FORMATS[f], reps) for f in FORMATS]
    cases.insert(
        1,
        (
            "ours",
            ours + "?dimensionAtObservation=AllDimensions",
            FLAT,
            FORMATS[GENERIC],
            reps,
        ),
    )
    cases += [
        ("dsss", "/data/TEST,DF_BIG,1.0/all", GENERIC, None, min(reps, 2)),
        ("sdmxlib-rest", sl, CSV2, None, reps),
        ("sdmxlib-rest", sl, "SDMX-JSON 2.0", FORMATS["SDMX-JSON 2.0"], reps),
    ]
    for server, path, fmt, accept, n in cases:
        if server not in urls:
            continue
        run.check_budget("100k exports")
        label = f"{server} 100k export ({fmt})"
        runs = [
            fetch_check(
                run,
                label,
                urls[server] + path,
                accept,
                BIG_EXPECTED,
                run.out / "big.out",
                300,
            )
            for _ in range(n)
        ]
        good = [r for r in runs if r["ok"]]
        row = {
            "server": server,
            "path": path,
            "format": fmt,
            "accept": accept or "",
            "runs": [
                {k: r[k] for k in ("code", "size", "ttfb", "total", "obs", "others")}
                for r in runs
            ],
            "ok": len(good) == len(runs),
            "first_s": runs[0]["total"] if runs[0]["ok"] else None,
            "median_s": statistics.median(r["total"] for r in good) if good else None,
            "ttfb_s": statistics.median(r["ttfb"] for r in good) if good else None,
            "size": runs[-1]["size"],
            "obs": runs[-1]["obs"],
            "root": runs[-1]["root"],
            "ctype": runs[-1]["ctype"],
            "others": max(r["others"] for r in runs),
        }
        run.results["export100k"].append(row)
        run.log(f"{server:13} 100k {fmt}: {row['median_s']} s, {row['size']:,} B")
    (run.out / "big.out").unlink(missing_ok=True)
    for r in run.results["export100k"]:
        if r["server"] == "dsss" and r["root"] and "Generic" not in r["root"]:
            run.note(
                f"dsss labels its answer {r['ctype']!r} but its root element is "
                f"{r['root']} holding generic, flat gen:Obs elements (a known XSD "
                "deviation); compared with ours both as time series (the default) "
                "and flat (dimensionAtObservation=AllDimensions)"
            )


def record_memory(run: Run) -> None:
    for name in ("ours", "bare", "dsss", "sdmxlib-rest"):
        info = run.results["servers"].get(name)
        if info:
            pid = (info.get("workers") or [info["pid"]])[0]
            run.results["memory"][name] = proc_mem(pid)


def stage_sample(run: Run) -> None:
    ensure_sample(run)
    db = build_sample_db(run)
    urls: dict[str, str] = {}
    if start_gunicorn(run, "ours", 5101, ours_env(db), ready_path=CODELIST):
        urls["ours"] = f"http://{HOST}:5101"
        # the ceiling sends our own codelist answer, byte for byte
        body = run.out / "codelist.xml"
        r = curl(run, urls["ours"] + CODELIST, None, body, 30, record=False)
        env = {"BENCH_BODY_FILE": str(body)} if r["code"] == 200 else {}
        if start_gunicorn(run, "bare", 5102, env, "bare_app:app", BENCH):
            urls["bare"] = f"http://{HOST}:5102"
    if not run.args.no_peers:
        for name, script, port, fallback in (
            ("dsss", "start-dsss.sh", 5001, 5191),
            ("sdmxlib-rest", "start-sdmxlib-rest.sh", 5002, 5192),
        ):
            run.check_budget(f"starting {name}")
            url = start_peer(run, name, script, port, fallback)
            if url:
                urls[name] = url
    wait_quiet(run, "sample")
    measure_structure(run, urls)
    measure_small_data(run, urls)
    measure_exports(run, urls)
    record_memory(run)
    for name in ("dsss", "sdmxlib-rest", "ours", "bare"):
        run.stop(name)


def wait_quiet(run: Run, stage: str) -> None:
    """Wait (bounded by --wait-quiet) until other work uses less than --quiet-cpu of
    the machine's CPU over 3 seconds (our servers idle meanwhile)."""
    limit, end = run.args.quiet_cpu, time.time() + run.args.wait_quiet
    first = None
    while True:
        o = Others(run)
        time.sleep(3)
        share = o.share()
        first = share if first is None else first
        if share < limit or time.time() >= end:
            break
    waited = run.args.wait_quiet - max(0.0, end - time.time())
    if share >= limit:
        run.note(
            f"{stage}: the machine was busy with other work ({share:.0%} of its "
            f"CPU after waiting {waited:.0f} s for it to fall below {limit:.0%}); "
            "see the 'others' columns"
        )
    elif first >= limit:
        run.log(f"{stage}: waited {waited:.0f} s for other work to calm down")
    run.results.setdefault("quiet", {})[stage] = {"first": first, "last": share}


# --------------------------------------------------------------------------- ingest
def stage_ingest(run: Run) -> None:
    """POST an SDMX-CSV submission as an admin (validated and applied at once) to a
    fresh copy of the sample store; read it back to see it was committed."""
    n = run.args.ingest
    made = make_data.generate(run.gen, [], n, None)
    sub = run.gen / f"ingest_{n}.csv"
    n = made[sub.name]
    src = build_sample_db(run)  # the schema may have changed since the sample stage
    db = run.out / "ingest.db"
    for p in run.out.glob("ingest.db*"):
        p.unlink()
    shutil.copyfile(src, db)
    run.cmd(f"cp {src} {db}")
    p = flask_cli(run, db, ["users", "add", "bench", "--role", "admin"], 120)
    if p.returncode != 0:
        run.fail(f"ingest: users add: {p.stderr.strip()[-400:]}")
        return
    token = p.stdout.strip().splitlines()[0]
    ready = "/rest/dataflow/BENCH/DF_MIG_INGEST/1.0"
    if not start_gunicorn(run, "ours-ingest", 5104, ours_env(db), ready_path=ready):
        return
    wait_quiet(run, "ingest")
    url = f"http://{HOST}:5104/rest/v2/data"
    reply = run.out / "ingest.json"
    shown = [
        "curl",
        "-sS",
        "--max-time",
        "900",
        "-X",
        "POST",
        "-H",
        "Authorization: Bearer TOKEN",
        "-H",
        "Content-Type: text/csv",
        "--data-binary",
        f"@{sub}",
        "-o",
        str(reply),
        "-w",
        "%{http_code} %{time_total}",
        url,
    ]
    shown_text = shlex.join(shown)
    run.cmd(
        shown_text.replace(
            "'Authorization: Bearer TOKEN'", '"Authorization: Bearer $TOKEN"'
        )
    )
    argv = [x.replace("Bearer TOKEN", f"Bearer {token}") for x in shown]
    res: dict[str, Any] = {"obs": n, "bytes": sub.stat().st_size}
    others = Others(run)
    proc = subprocess.run(
        argv, capture_output=True, text=True, timeout=960, check=False
    )
    res["others"] = others.share()
    try:
        code, total = proc.stdout.split()
        res.update(code=int(code), time_s=float(total))
        body = json.loads(reply.read_text())
        result = body.get("submissionResult", {})
        res.update(counts=result.get("counts", {}), status=result.get("code"))
        if not 200 <= res["code"] < 300 or res["counts"].get("merged") != n:
            run.fail(
                f"ingest: HTTP {res['code']}, counts {res['counts']}, expected "
                f"{n} merged: {json.dumps(body)[:400]}"
            )
        else:
            res["obs_per_s"] = n / res["time_s"]
    except Exception as e:  # noqa: BLE001
        head = reply.read_text(errors="replace")[:200] if reply.exists() else ""
        run.fail(
            f"ingest: {proc.stdout.strip()} {proc.stderr.strip()}: {e}: "
            f"{head!r}{server_log_error(run, 'ours-ingest')}"
        )
    back = run.out / "ingest-back.csv"
    chk = fetch_check(
        run,
        "ingest read-back (SDMX-CSV 1.0)",
        f"http://{HOST}:5104/rest/data/BENCH,DF_MIG_INGEST,1.0/all",
        FORMATS[CSV1],
        n,
        back,
        300,
    )
    res["read_back_obs"] = chk["obs"]
    res["ok"] = bool(res.get("obs_per_s")) and chk["ok"]
    run.results["ingest"] = res
    if res.get("obs_per_s"):
        run.log(
            f"ingest: {n:,} obs in {res['time_s']:.2f}s = {res['obs_per_s']:,.0f} obs/s"
        )
    run.stop("ours-ingest")
    for p in [*run.out.glob("ingest.db*"), back]:
        p.unlink(missing_ok=True)


# --------------------------------------------------------------------------- 1M / 10M
class Sampler(threading.Thread):
    """Polls a process's VmRSS and RssAnon every 10 ms."""

    def __init__(self, pid: int, every: float = 0.01) -> None:
        super().__init__(daemon=True)
        self.pid, self.every = pid, every
        self.max_rss = self.max_anon = self.samples = 0
        self.halt = threading.Event()

    def run(self) -> None:
        while not self.halt.is_set():
            m = proc_mem(self.pid)
            self.max_rss = max(self.max_rss, m.get("VmRSS", 0))
            self.max_anon = max(self.max_anon, m.get("RssAnon", 0))
            self.samples += 1
            time.sleep(self.every)


def export_1m(run: Run, db: Path, fmt: str, expected: int, stored: int) -> dict:
    """One fresh worker: warm up, read idle RSS, export DF_MIG_1M, sample RSS."""
    row: dict[str, Any] = {"format": fmt, "stored": stored, "expected": expected}
    port, name = 5103, "ours-1m"
    info = start_gunicorn(
        run, name, port, ours_env(db), ready_path="/rest/dataflow/BENCH/DF_MIG_1M/1.0"
    )
    if not info:
        return row
    try:
        worker = info["workers"][0]
        base = f"http://{HOST}:{port}/rest/data/BENCH,DF_MIG_1M,1.0"
        fetch_check(
            run,
            f"1M warm-up ({fmt})",
            f"{base}/A.004..F._T",
            FORMATS[fmt],
            None,
            run.out / "warm.out",
            60,
            record=False,
        )
        time.sleep(0.5)
        idle = proc_mem(worker)
        sampler = Sampler(worker)
        sampler.start()
        r = fetch_check(
            run,
            f"ours 1M export ({fmt})",
            f"{base}/all",
            FORMATS[fmt],
            expected,
            run.out / "1m.out",
            900,
        )
        sampler.halt.set()
        sampler.join()
        after = proc_mem(worker)
        # VmHWM catches a peak between two samples, if it was reached in the export
        grew = after.get("VmHWM", 0) > idle.get("VmHWM", 0)
        peak = max(sampler.max_rss, after.get("VmHWM", 0) if grew else 0)
        ok = r["ok"] and bool(r["total"])
        row.update(
            ok=r["ok"],
            code=r["code"],
            obs=r["obs"],
            size=r["size"],
            ttfb=r["ttfb"],
            time_s=r["total"],
            others=r["others"],
            obs_per_s=r["obs"] / r["total"] if ok else None,
            idle_rss_kb=idle.get("VmRSS"),
            peak_rss_kb=peak,
            above_idle_mb=(peak - idle.get("VmRSS", 0)) / 1024 if peak else None,
            anon_above_idle_mb=(sampler.max_anon - idle.get("RssAnon", 0)) / 1024,
            samples=sampler.samples,
        )
        run.log(
            f"1M {fmt}: {r['total']} s, {r['obs']} obs, peak {peak / 1024:.0f} MB "
            f"(idle {idle.get('VmRSS', 0) / 1024:.0f} MB)"
        )
    except Exception as e:  # noqa: BLE001
        run.fail(f"1M export {fmt}: {e}")
    finally:
        run.stop(name)
        (run.out / "1m.out").unlink(missing_ok=True)
    return row


def stage_big(run: Run, sizes: list[str]) -> None:
    try:
        db, meta = build_big_db(run, sizes)
    except Budget:
        raise
    except Exception as e:  # noqa: BLE001
        run.fail(f"building the 1m/10m store: {e}")
        return
    run.results["loads"] = meta.get("loads", {})
    flows = meta["flows"]
    run.results["big_store"] = {"flows": flows, "db_bytes": db.stat().st_size}
    expected = flows.get("DF_MIG_1M")
    if not expected:
        run.fail("DF_MIG_1M is not in the store")
        return
    stored = sum(flows.values())
    wait_quiet(run, "1M export")
    for fmt in QUICK_FORMATS if run.args.quick else list(FORMATS):
        run.check_budget(f"1M export {fmt}")
        run.results["export1m"].append(export_1m(run, db, fmt, expected, stored))
    # a small query (one series) on the largest flow stored
    size = "10m" if "DF_MIG_10M" in flows else "1m"
    flow = f"DF_MIG_{size.upper()}"
    ready = f"/rest/dataflow/BENCH/{flow}/1.0"
    if start_gunicorn(run, "ours-1m", 5103, ours_env(db), ready_path=ready):
        pairs = make_data.pairs_for(make_data.SIZES[size])
        n = sum(1 for d, _ in pairs if d == "004") * len(make_data.YEARS)
        path = f"/rest/data/BENCH,{flow},1.0/A.004..F._T"
        row = {
            "server": "ours",
            "path": path,
            "format": CSV1,
            "store": stored,
            "urls": "the same",
        }
        headers = {"Accept": FORMATS[CSV1]}
        throughput(run, row, f"http://{HOST}:5103{path}", headers, 1, n)
        run.results["small_big"] = row
        run.stop("ours-1m")


# --------------------------------------------------------------------------- report
def _out(argv: list[str]) -> str:
    try:
        p = subprocess.run(
            argv, capture_output=True, text=True, timeout=30, cwd=ROOT, check=False
        )
        return (p.stdout or p.stderr).strip()
    except Exception as e:  # noqa: BLE001
        return f"? ({e})"


def describe_machine(run: Run) -> dict[str, str]:
    cpu = mem = "?"
    with open("/proc/cpuinfo") as f:
        cpu = next(
            (x.split(":", 1)[1].strip() for x in f if x.startswith("model n")), "?"
        )
    with open("/proc/meminfo") as f:
        kb = next((int(x.split()[1]) for x in f if x.startswith("MemTotal")), 0)
        mem = f"{kb / 2**20:.1f} GiB"
    venv_py = Path(run.args.peers_venv) / "bin" / "python"
    code = (
        "import importlib.metadata as m, sys; print(sys.version.split()[0], *[f'{p} "
        "{m.version(p)}' for p in ('dsss', 'sdmx1', 'sdmxlib-rest', 'sdmxlib', "
        "'uvicorn', 'duckdb')], sep=', ')"
    )
    peers = _out([str(venv_py), "-c", code]) if venv_py.exists() else "(no venv)"
    v = importlib.metadata.version
    dirty = _out(["git", "status", "--porcelain", "--", "server"]).splitlines()
    wrk_v = _out(["wrk", "-v"]).splitlines()[0].split(" Copyright")[0]
    curl_v = " ".join(_out(["curl", "--version"]).split()[:2])
    commit = _out(["git", "rev-parse", "--short", "HEAD"])
    commit += (
        (
            f", with uncommitted changes to {len(dirty)} file(s) under server/ "
            "(the working tree was measured)"
        )
        if dirty
        else " (server/ clean)"
    )
    return {
        "CPU": f"{cpu}, {os.cpu_count()} cores",
        "memory": mem,
        "OS": f"{platform.system()} {platform.release()}",
        "Python": f"{platform.python_version()} for ours; the peers' venv: {peers}",
        "ours": f"Flask {v('flask')}, gunicorn {v('gunicorn')}, SQLAlchemy "
        f"{v('sqlalchemy')}, SQLite {sqlite3.sqlite_version}",
        "tools": f"{wrk_v}, {curl_v}",
        "commit": commit,
        "load": f"1-minute load average at the start {run.load_start:.2f}",
    }


def pct(x: float | None) -> str:
    return "—" if x is None else f"{x:.0%}"


def fnum(x: float | None, fmt: str = ",.0f") -> str:
    return "—" if x is None else format(x, fmt)


def _verdict(ok: bool | None, why: str = "") -> str:
    if ok is None:
        return "not measured" + (f" ({why})" if why else "")
    return "**met**" if ok else "**not met**"


def goal_rows(run: Run) -> list[tuple[str, str, str, str]]:
    """(goal, measured, ratio, verdict) for each goal of the issue."""
    R = run.results
    ex = {(r["server"], r["format"]): r for r in R["export100k"]}
    st = {(r["server"], r["path"]): r for r in R["structure"]}
    rows = []
    o, s = ex.get(("ours", CSV2)), ex.get(("sdmxlib-rest", CSV2))
    if o and s and o["median_s"] and s["median_s"]:
        x = s["median_s"] / o["median_s"]
        text = (
            f"SDMX-CSV 2.0: ours {o['median_s']:.3f} s, sdmxlib-rest "
            f"{s['median_s']:.3f} s"
        )
        rows.append((GOALS["csv"], text, f"{x:.2f}x", _verdict(x >= 1)))
    else:
        rows.append(
            (GOALS["csv"], "—", "—", _verdict(None, "not run, or a run failed"))
        )
    o, f, d = (
        ex.get(("ours", GENERIC)),
        ex.get(("ours", FLAT)),
        ex.get(("dsss", GENERIC)),
    )
    if o and d and o["median_s"] and d["median_s"]:
        x = d["median_s"] / o["median_s"]
        xf = d["median_s"] / f["median_s"] if f and f["median_s"] else None
        text = f"dsss {d['median_s']:.2f} s; ours {o['median_s']:.3f} s (time series)"
        if xf:
            text += f", {f['median_s']:.3f} s (flat, as dsss sends it)"
        ratio = f"{x:.0f}x" + (f"; flat {xf:.0f}x" if xf else "")
        v = _verdict(x >= 50) + " (the default, time series)"
        if xf:
            v += f"; flat: {_verdict(xf >= 50)}"
        rows.append((GOALS["generic"], text, ratio, v))
    else:
        rows.append(
            (GOALS["generic"], "—", "—", _verdict(None, "not run, or a run failed"))
        )
    o, d, b = (
        st.get(("ours", CODELIST)),
        st.get(("dsss", "/codelist/TEST/CL_FREQ/1.0")),
        st.get(("bare", CODELIST)),
    )
    if o and d and o.get("rps") and d.get("rps"):
        x = o["rps"] / d["rps"]
        text = (
            f"codelist CL_FREQ: ours {o['rps']:,.0f} req/s, dsss {d['rps']:,.0f} req/s"
        )
        rows.append((GOALS["struct_dsss"], text, f"{x:.2f}x", _verdict(x >= 2)))
    else:
        rows.append(
            (GOALS["struct_dsss"], "—", "—", _verdict(None, "not run, or a run failed"))
        )
    if o and b and o.get("rps") and b.get("rps"):
        x = o["rps"] / b["rps"]
        text = f"ours {o['rps']:,.0f} req/s, bare Flask {b['rps']:,.0f} req/s"
        rows.append((GOALS["struct_bare"], text, f"{x:.0%}", _verdict(x >= 0.70)))
    else:
        rows.append(
            (GOALS["struct_bare"], "—", "—", _verdict(None, "not run, or a run failed"))
        )
    ing = R.get("ingest")
    if ing and ing.get("ok"):
        ops = ing["obs_per_s"]
        text = f"{ing['obs']:,} obs in {ing['time_s']:.2f} s = {ops:,.0f} obs/s"
        goal = f"{ops / 200_000:.0%} of the goal"
        rows.append((GOALS["ingest"], text, goal, _verdict(ops >= 200_000)))
    else:
        rows.append((GOALS["ingest"], "—", "—", _verdict(None, "failed or not run")))
    mem = [r for r in R["export1m"] if r.get("above_idle_mb") is not None]
    if mem:
        worst = max(mem, key=lambda r: r["above_idle_mb"])
        mb, stored = worst["above_idle_mb"], worst["stored"]
        text = (
            f"worst of {len(mem)} formats: {mb:.0f} MB ({worst['format']}); "
            f"{stored:,} obs stored"
        )
        v = _verdict(mb <= 100)
        if stored < 9_000_000:
            v = (
                f"not measured as set: only {stored:,} obs stored (add 10m); "
                f"{'within' if mb <= 100 else 'above'} the limit"
            )
        rows.append((GOALS["memory"], text, f"{mb:.0f} / 100 MB", v))
    else:
        rows.append((GOALS["memory"], "—", "—", _verdict(None, "1m size not run")))
    return rows


def _md_structure(run: Run, add: Any) -> None:
    a = run.args
    add(f"## Small structure queries (wrk -t1 -c{a.connections} -d{a.duration}s)")
    add("")
    add(
        "The same URL again and again (as the peers' bench-peers.sh), which a server "
        "may answer from a cache (ours keeps rendered answers of up to 1 MB per "
        "process until the store changes); the last row sends item queries that are "
        "all different, which no cache answers."
    )
    add("")
    add(
        "| query | server | path | URLs | bytes | req/s | p50 ms | p99 ms | others | "
        "vs dsss | vs bare |"
    )
    add("|" + " --- |" * 11)
    base: dict[str, dict[str, float]] = {}
    for r in run.results["structure"]:
        if r.get("rps") and r["server"] in ("dsss", "bare"):
            base.setdefault(r["query"], {})[r["server"]] = r["rps"]
    for r in run.results["structure"]:
        b = base.get(r["query"], {})
        vs = [
            f"{r['rps'] / b[k]:.2f}x"
            if r.get("rps") and b.get(k) and r["server"] != k
            else ""
            for k in ("dsss", "bare")
        ]
        acc = " (Accept: SDMX-ML 2.1)" if r.get("accept") else ""
        add(
            f"| {r['query']} | {r['server']} | `{r['path']}`{acc} | {r.get('urls')} | "
            f"{fnum(r.get('size'))} | {fnum(r.get('rps'))} | "
            f"{fnum(r.get('p50'), '.2f')} | {fnum(r.get('p99'), '.2f')} | "
            f"{pct(r.get('others'))} | {vs[0]} | {vs[1]} |"
        )
    add("")


def _md_small(run: Run, add: Any) -> None:
    add(
        f"## A small data query ({SMALL_EXPECTED} observations: two areas, one "
        f"indicator, 24 months; wrk -t1 -c1 -d{run.args.duration}s, one request at "
        "a time)"
    )
    add("")
    add(
        "The same URL repeated (the peers' `bench-peers.sh` query, on DF_SMALL), then "
        "different keys and 24-month windows on DF_BIG every time (no cache helps)."
    )
    add("")
    add(
        "| server | URLs | format | observations | bytes | p50 ms | p99 ms | "
        "req/s | others |"
    )
    add("|" + " --- |" * 9)
    rows = list(run.results["small_data"])
    if run.results.get("small_big"):
        r = dict(run.results["small_big"])
        r["server"] = f"ours, {r['store']:,} obs stored (one series of {r['path']})"
        rows.append(r)
    for r in rows:
        dev = " (ignores the query)" if r.get("deviation") else ""
        add(
            f"| {r['server']} | {r.get('urls', '')} | {r['format']} | "
            f"{fnum(r.get('obs'))}{dev} | {fnum(r.get('size'))} | "
            f"{fnum(r.get('p50'), '.2f')} | {fnum(r.get('p99'), '.2f')} | "
            f"{fnum(r.get('rps'), ',.1f')} | {pct(r.get('others'))} |"
        )
    add("")


def _md_exports(run: Run, add: Any) -> None:
    add(
        f"## 100,000 observations in each format (TEST:DF_BIG, all; median of "
        f"{run.args.repeat} run(s), dsss at most 2; curl, whole body received)"
    )
    add("")
    add(
        "| server | format | seconds (median) | first run | time to first byte | MB | "
        "obs/s | observations | root element | others |"
    )
    add("|" + " --- |" * 10)
    for r in run.results["export100k"]:
        ops = BIG_EXPECTED / r["median_s"] if r["median_s"] else None
        obs = fnum(r["obs"]) + ("" if r["ok"] else " **wrong**")
        add(
            f"| {r['server']} | {r['format']} | {fnum(r['median_s'], '.3f')} | "
            f"{fnum(r['first_s'], '.3f')} | {fnum(r['ttfb_s'], '.3f')} | "
            f"{r['size'] / 1e6:.1f} | {fnum(ops)} | {obs} | {r['root']} | "
            f"{pct(r['others'])} |"
        )
    add("")


def _md_big(run: Run, add: Any) -> None:
    R = run.results
    if not (R["export1m"] or R.get("big_store")):
        return
    bs = R.get("big_store", {})
    flows = ", ".join(f"{k} {v:,}" for k, v in bs.get("flows", {}).items())
    add("## The 1-million export (ours; a fresh worker for each format)")
    add("")
    add(
        f"Store: {flows} observations (SQLite, {bs.get('db_bytes', 0) / 1e9:.2f} GB). "
        "The worker's RSS is read from /proc every 10 ms during the export (and its "
        "VmHWM); idle is after a warm-up query in the same format on one series."
    )
    add("")
    add(
        "| format | seconds | time to first byte | MB | obs/s | idle RSS MB | "
        "peak RSS MB | peak above idle MB | heap (RssAnon) above idle MB | "
        "observations | others |"
    )
    add("|" + " --- |" * 11)
    for r in R["export1m"]:
        obs = fnum(r.get("obs")) + ("" if r.get("ok") else " **wrong**")
        add(
            f"| {r['format']} | {fnum(r.get('time_s'), '.2f')} | "
            f"{fnum(r.get('ttfb'), '.2f')} | {(r.get('size') or 0) / 1e6:.0f} | "
            f"{fnum(r.get('obs_per_s'))} | {(r.get('idle_rss_kb') or 0) / 1024:.0f} | "
            f"{(r.get('peak_rss_kb') or 0) / 1024:.0f} | "
            f"{fnum(r.get('above_idle_mb'))} | {fnum(r.get('anon_above_idle_mb'))} | "
            f"{obs} | {pct(r.get('others'))} |"
        )
    add("")


def _md_ingest(run: Run, add: Any) -> None:
    ing = run.results.get("ingest")
    add("## Ingest")
    add("")
    if not ing:
        add("Not run.")
    elif not ing.get("ok"):
        add(
            f"An admin's SDMX-CSV 1.0 submission of {ing['obs']:,} observations to "
            f"`POST /rest/v2/data` FAILED (HTTP {ing.get('code')}): see Failures."
        )
    else:
        add(
            f"An admin's SDMX-CSV 1.0 submission of {ing['obs']:,} new observations "
            f"({ing['bytes'] / 1e6:.1f} MB, BENCH:DF_MIG_INGEST) to "
            "`POST /rest/v2/data` on a fresh copy of the sample store (SQLite), "
            f"validated and committed before the answer (HTTP {ing['code']}, counts "
            f"{ing['counts']}), then read back: {ing['read_back_obs']:,} observations."
        )
        add("")
        add(
            f"- {ing['obs']:,} observations in {ing['time_s']:.2f} s = "
            f"**{ing['obs_per_s']:,.0f} obs/s** (others: {pct(ing['others'])})"
        )
    built_now = run.results.get("built_now", [])
    for size, ld in run.results.get("loads", {}).items():
        when = (
            "during this run"
            if size in built_now
            else f"when the cached store was built, {ld['date']}, not in this run"
        )
        add(
            f"- `flask --app wsgi load` of the {size} set ({ld['obs']:,} observations "
            f"in {ld['files']} file(s), one transaction each): {ld['load_s']:,.0f} s = "
            f"{ld['obs_per_s']:,} obs/s ({when})"
        )
    add("")


def _md_memory(run: Run, add: Any) -> None:
    mem = run.results.get("memory", {})
    if not mem:
        return
    add("## Resident memory after the sample runs (one process each)")
    add("")
    add("| server | RSS MB | peak (VmHWM) MB |")
    add("| --- | --- | --- |")
    for k, v in mem.items():
        add(
            f"| {k} | {fnum(v.get('VmRSS', 0) / 1024)} | "
            f"{fnum(v.get('VmHWM', 0) / 1024)} |"
        )
    add("")


def render(run: Run, took: float) -> str:
    a = run.args
    lines: list[str] = []
    add = lines.append
    add("# Benchmarks")
    add("")
    add(
        f"Written by `{run.command}` on {run.started:%Y-%m-%d %H:%M}; the run took "
        f"{took / 60:.1f} min. Every figure comes from that one run; run the command "
        "again to refresh this page (it is overwritten). How it measures is at the "
        "end."
    )
    add("")
    add("## Goals (issue 5)")
    add("")
    add("| goal | measured | ratio | verdict |")
    add("| --- | --- | --- | --- |")
    for g in goal_rows(run):
        add("| " + " | ".join(g) + " |")
    add("")
    add("## Machine")
    add("")
    for k, v in run.machine.items():
        add(f"- {k}: {v}")
    add(
        f"- servers: one worker process each — ours and the bare Flask app under "
        f"`gunicorn --workers 1 --threads {a.threads}`, dsss and sdmxlib-rest one "
        "uvicorn process each (their scripts). wrk and curl run on the same "
        f"{os.cpu_count()} cores. The machine is shared: an `others` column is the "
        "share of its CPU that other work (not the harness, wrk, curl or the "
        "servers it started) used during that measurement, from /proc/stat less "
        "the benchmark's own processes; before each stage the harness waits (at "
        f"most {a.wait_quiet} s) for it to fall below {a.quiet_cpu:.0%}."
    )
    add("")
    _md_structure(run, add)
    _md_small(run, add)
    _md_exports(run, add)
    _md_big(run, add)
    _md_ingest(run, add)
    _md_memory(run, add)
    add("## Failures and deviations")
    add("")
    if not run.failures:
        add(
            "No failure: every answer was 2xx with the expected number of observations."
        )
    for f in run.failures:
        add(f"- FAILURE: {f}")
    for n in run.notes:
        add(f"- {n}")
    add(
        "- Known deviations of the peers (their README): dsss returns the whole data "
        "set whatever the key and period, and its XML fails XSD validation; "
        "sdmxlib-rest returns stub codelists for `references=all` (a smaller DSD "
        "answer), serves data only as SDMX-CSV 2.0 and SDMX-JSON 2.0, and needs all "
        "four path segments."
    )
    add("")
    add("## How it measures")
    add("")
    add(
        "- Data: the peers' sample (`bench/peers/make_sample_data.py`: TEST:DF_SMALL, "
        "1,200 observations, and TEST:DF_BIG, 100,000) in every server (in ours "
        "through `flask --app wsgi load`, as SDMX-CSV 1.0 with a DATAFLOW column). "
        "The 1M and 10M sets (`bench/make_data.py`) use a structure of our own, "
        "BENCH:DSD_MIG (FREQ.REF_AREA.ORIGIN.SEX.AGE, TIME_PERIOD): destination × "
        "origin pairs of 240 areas, 3 sexes, 17 age groups, the 7 DESA years "
        "(357 observations a pair). The peers hold everything in memory (dsss as "
        "Python objects), so they run on the sample only."
    )
    add(
        "- Throughput: wrk, one thread, the same connections for every server, after "
        "a 1-second warm-up. Each answer is checked once first: status, and for data "
        "the number of observations (CSV rows, `Obs` elements, JSON observations)."
    )
    add(
        "- Exports: curl writes the body to a file; the time is its `time_total`; "
        "the observations in the file are counted after each run."
    )
    add("- Memory: `/proc/PID/status` of the gunicorn worker (VmRSS, VmHWM, RssAnon).")
    add(
        "- The stores are cached in /tmp/bench-data/db between runs (keyed on "
        "`make_data.DATA_VERSION` and `server/store/schema.py`; `--rebuild` reloads)."
    )
    add("")
    add("## Exact commands")
    add("")
    add("```sh")
    add(f"{run.command}   # from the repository root; it ran:")
    lines.extend(run.commands)
    add("```")
    add("")
    return "\n".join(lines)


# --------------------------------------------------------------------------- main
def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument(
        "--quick",
        action="store_true",
        help="3 s wrk runs, one repetition, 3 formats at 1M, a smaller "
        "ingest; sizes default to 'sample'",
    )
    p.add_argument("--sizes", help="of sample,1m,10m (all; --quick: sample)")
    p.add_argument("--duration", type=int, help="seconds of each wrk run (10)")
    p.add_argument("--connections", type=int, default=8, help="wrk connections (8)")
    p.add_argument(
        "--threads",
        type=int,
        default=4,
        help="gunicorn --threads, ours and the bare app (4)",
    )
    p.add_argument("--repeat", type=int, help="runs of each 100k export (3)")
    p.add_argument(
        "--ingest", type=int, help="observations submitted (200000; --quick 50000)"
    )
    p.add_argument("--no-peers", action="store_true", help="leave out the peers")
    p.add_argument("--rebuild", action="store_true", help="reload the cached stores")
    p.add_argument(
        "--keep-db",
        action="store_true",
        help="use the cached stores even if the store schema changed",
    )
    p.add_argument(
        "--build-only",
        action="store_true",
        help="only build (or check) the cached stores of --sizes",
    )
    p.add_argument(
        "--quiet-cpu",
        type=float,
        default=0.25,
        help="wait until other work uses less than this share of the CPU (0.25)",
    )
    p.add_argument(
        "--wait-quiet",
        type=int,
        default=180,
        help="... for at most this many seconds each time (180)",
    )
    p.add_argument("--data-dir", default="/tmp/bench-data")
    p.add_argument("--peers-venv", default="/tmp/peers/venv")
    p.add_argument(
        "--max-minutes",
        type=float,
        default=90,
        help="time budget: later steps are skipped once spent (90)",
    )
    p.add_argument("--output", default=str(ROOT / "docs" / "benchmarks.md"))
    a = p.parse_args(argv)
    a.duration = a.duration or (3 if a.quick else 10)
    a.repeat = a.repeat or (1 if a.quick else 3)
    a.ingest = a.ingest or (50_000 if a.quick else 200_000)
    sizes = a.sizes or ("sample" if a.quick else "sample,1m,10m")
    a.size_list = [s for s in sizes.split(",") if s]
    bad = [s for s in a.size_list if s not in ("sample", "1m", "10m")]
    if bad:
        p.error(f"unknown size(s) {bad}")
    for tool in ("wrk", "curl"):
        if not shutil.which(tool):
            p.error(f"{tool} is needed (apt-get install -y {tool})")
    return a


def run_stages(run: Run) -> None:
    sizes = run.args.size_list
    if run.args.build_only:
        if "sample" in sizes:
            build_sample_db(run)
        if "1m" in sizes or "10m" in sizes:
            build_big_db(run, sizes)
        return
    if "sample" in sizes:
        for stage in (stage_sample, stage_ingest):
            try:
                run.check_budget(stage.__name__)
                stage(run)
            except Budget as e:
                run.fail(str(e))
            except Exception as e:  # noqa: BLE001
                run.fail(f"{stage.__name__}: {type(e).__name__}: {e}")
            run.stop_all()
    if "1m" in sizes or "10m" in sizes:
        try:
            stage_big(run, sorted({"1m", *sizes} - {"sample"}))
        except Budget as e:
            run.fail(str(e))


def main() -> int:
    args = parse_args()
    run = Run(args)
    run.command = "python " + shlex.join(["bench/run.py", *sys.argv[1:]])
    run.started = dt.datetime.now()
    run.load_start = load1()
    run.code_start = code_sha()

    def on_signal(signum: int, _frame: Any) -> None:
        raise KeyboardInterrupt(f"signal {signum}")

    for s in (signal.SIGTERM, signal.SIGHUP):
        signal.signal(s, on_signal)
    status = 0
    try:
        run.machine = describe_machine(run)
        run_stages(run)
    except KeyboardInterrupt as e:
        run.fail(f"interrupted ({e}); the results are partial")
        status = 130
    finally:
        run.stop_all()
    took = time.time() - run.t0
    versions = {i["code"] for i in run.results["servers"].values() if "code" in i}
    versions |= {run.code_start, code_sha()} if versions else set()
    if len(versions) > 1:
        run.note(
            f"the server's code changed during the run ({len(versions)} versions "
            "of server/*.py seen): servers started at different times ran "
            "different code; see 'code' in results.json"
        )
    if args.build_only:
        print(
            f"stores built or checked in {took / 60:.1f} min; "
            f"{len(run.failures)} failure(s)"
        )
        return status or (1 if run.failures else 0)
    run.machine["load"] += f", at end {load1():.2f}"
    Path(args.output).write_text(render(run, took), encoding="utf-8")
    raw = run.out / "results.json"
    raw.write_text(
        json.dumps(
            {
                "results": run.results,
                "failures": run.failures,
                "notes": run.notes,
                "commands": run.commands,
                "machine": run.machine,
                "took_s": took,
            },
            indent=1,
            default=str,
        )
    )
    print("\nGoals:")
    for goal, measured, ratio, verdict in goal_rows(run):
        verdict = verdict.replace("**", "")
        print(f"  {goal}\n      {measured} [{ratio}]\n      -> {verdict}")
    print(
        f"\n{len(run.failures)} failure(s); {args.output} written (raw figures "
        f"{raw}); the run took {took / 60:.1f} min"
    )
    return status or (1 if run.failures else 0)


if __name__ == "__main__":
    sys.exit(main())
