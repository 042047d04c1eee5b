#!/usr/bin/env python3
"""HTTP load benchmark of bidtrack: `python3 bench/http.py` (or `bench/run`).

Starts the release binary on the generated province of the reports benchmark (1,000,000
packages: run `cargo bench --bench reports` first, it creates the database) and loads four
requests with wrk at 1, 16 and 64 connections:

- one package by id (`GET /api/v1/packages/500000`),
- a filtered list of 50 (one district's subtree, plan year 2022, awarded),
- the compliance check of the whole province (2019, plan view),
- the dashboard page of the province for 2019 (signed in with a browser session).

For each: a short warm-up run, then the median of BENCH_HTTP_RUNS wrk runs of
BENCH_HTTP_SECONDS each for requests/s, p50 and p99 (wrk -t min(2,C) -c C --latency, with a
--timeout far above any answer time so that slow answers are measured, not counted as errors).
Slow requests under many connections get longer runs: each connection waits about
connections / requests-per-second for an answer and wrk drops what is still in flight when a run
ends, so a run lasts at least 3 times that wait (at most 60 s; noted under the table). Before
each run the script waits until the server is idle again (no CPU used), so that answers dropped
by the previous run do not slow the next one. The server's resident memory is read
idle (2 s after /healthz answers, before anything else) and sampled every 100 ms under load
(the maximum is kept). Any non-2xx/3xx response or socket error aborts the benchmark, and every
URL is checked first to answer 200 (without following redirects): a benchmark of error pages is
worthless.

SQLite always, on a scratch copy of target/bench-data/reports-N-1.db (the server writes
users, tokens and sessions; the reports benchmark's file must not change), reused while it is
newer than its source. PostgreSQL too when BENCH_DATABASE_URL is set (a server URL such as
postgres://postgres@127.0.0.1:5432/postgres): database bidtrack_bench_N_1 on that server, as
the reports benchmark creates it; skipped with a message when it does not hold N packages.

The table is printed and written to BENCHMARKS.md between the `http` markers.

Settings (environment):
  BENCH_HTTP_SECONDS      length of one wrk run, in seconds (default 5)
  BENCH_HTTP_RUNS         measured runs per request and connection count (default 3)
  BENCH_HTTP_CONNECTIONS  comma list of connection counts (default 1,16,64)
  BENCH_DATABASE_URL      PostgreSQL server URL: benchmark PostgreSQL too
  BIDTRACK_BIN            the server binary (default ${CARGO_TARGET_DIR:-target}/release/bidtrack)
  BENCH_PACKAGES          size of the generated database (default 1000000, as the reports bench)

Python 3 standard library only, plus wrk on the PATH. Linux only (/proc).
"""

import os
import sys

# This file is named http.py: keep its folder off the import path, or `import http.client` finds
# this script instead of the standard library's package.
_HERE = os.path.dirname(os.path.abspath(__file__))
sys.path[:] = [p for p in sys.path if os.path.abspath(p or os.curdir) != _HERE]

import atexit  # noqa: E402
import ctypes  # noqa: E402
import datetime  # noqa: E402
import html.parser  # noqa: E402
import http.client  # noqa: E402
import json  # noqa: E402
import math  # noqa: E402
import re  # noqa: E402
import shutil  # noqa: E402
import signal  # noqa: E402
import socket  # noqa: E402
import statistics  # noqa: E402
import subprocess  # noqa: E402
import threading  # noqa: E402
import time  # noqa: E402
import urllib.parse  # noqa: E402

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
DATA_DIR = os.path.join(ROOT, "target", "bench-data")
SEED = 1
BENCH_USER = "bench-http"
# Only ever used on the scratch/bench databases; the user is a viewer.
BENCH_PASSWORD = "bench-http-password-1"
# Runs are lengthened up to this for slow requests under many connections (see run_length).
MAX_SECONDS = 60
PROVINCE = "GEN"
DISTRICT = "GEN-D05"


class BenchError(Exception):
    """A failure that ends the benchmark with a message and a non-zero exit."""


def log(msg):
    print(msg, file=sys.stderr, flush=True)


# ---------------------------------------------------------------------------------------------
# Settings


def env_int(name, default, minimum=1):
    raw = os.environ.get(name, "").strip()
    if not raw:
        return default
    try:
        value = int(raw)
    except ValueError:
        raise BenchError(f"{name}={raw!r} is not a whole number") from None
    if value < minimum:
        raise BenchError(f"{name}={raw!r}: at least {minimum}")
    return value


def env_connections():
    raw = os.environ.get("BENCH_HTTP_CONNECTIONS", "").strip() or "1,16,64"
    try:
        values = [int(v) for v in raw.split(",") if v.strip()]
    except ValueError:
        raise BenchError(f"BENCH_HTTP_CONNECTIONS={raw!r}: a comma list of numbers") from None
    if not values or any(v < 1 for v in values):
        raise BenchError(f"BENCH_HTTP_CONNECTIONS={raw!r}: a comma list of numbers >= 1")
    return values


def server_binary():
    explicit = os.environ.get("BIDTRACK_BIN")
    if explicit:
        path = explicit
    else:
        target = os.environ.get("CARGO_TARGET_DIR") or "target"
        path = os.path.join(target, "release", "bidtrack")
        if not os.path.isabs(path):
            path = os.path.join(ROOT, path)
    if not (os.path.isfile(path) and os.access(path, os.X_OK)):
        raise BenchError(
            f"server binary not found: {path} (run `cargo build --release`, or set BIDTRACK_BIN)"
        )
    return os.path.abspath(path)


# ---------------------------------------------------------------------------------------------
# Machine and BENCHMARKS.md (as benches/common/mod.rs)


def _proc_field(path, prefix):
    """The value after `prefix:` on the first line of a /proc file starting with it, or None."""
    try:
        with open(path) as f:
            for line in f:
                if line.startswith(prefix):
                    return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return None


def machine():
    cpu = _proc_field("/proc/cpuinfo", "model name") or "unknown CPU"
    try:
        cores = len(os.sched_getaffinity(0))
    except (AttributeError, OSError):
        cores = os.cpu_count() or 0
    mem = _proc_field("/proc/meminfo", "MemTotal:") or ""
    return f"{cpu}, {cores} cores, {mem} RAM"


def write_section(name, body):
    """Replaces the part of BENCHMARKS.md between `<!-- NAME:start -->` and `<!-- NAME:end -->`
    (or appends it)."""
    start_marker = f"<!-- {name}:start -->"
    end_marker = f"<!-- {name}:end -->"
    section = f"{start_marker}\n{body}{end_marker}\n"
    path = os.path.join(ROOT, "BENCHMARKS.md")
    try:
        with open(path, encoding="utf-8") as f:
            current = f.read()
    except FileNotFoundError:
        current = "# Benchmarks\n\n"
    a = current.find(start_marker)
    b = current.find(end_marker)
    if a != -1 and b != -1 and a < b:
        rest = current[b + len(end_marker):].lstrip("\n")
        updated = current[:a] + section + rest
    else:
        updated = f"{current}\n{section}"
    with open(path, "w", encoding="utf-8") as f:
        f.write(updated)


def wrk_version():
    out = subprocess.run(["wrk", "-v"], capture_output=True, text=True)
    first = (out.stdout + out.stderr).strip().splitlines()
    line = first[0] if first else "wrk (unknown version)"
    return line.split(" Copyright")[0].strip()


# ---------------------------------------------------------------------------------------------
# The server process


def rss_kib(pid):
    """VmRSS of a process in KiB, or None when it is gone."""
    try:
        with open(f"/proc/{pid}/status") as f:
            for line in f:
                if line.startswith("VmRSS:"):
                    return int(line.split()[1])
    except (OSError, ValueError, IndexError):
        return None
    return None


def free_port():
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _die_with_parent():
    """In the child before exec: SIGTERM when this script dies, even by SIGKILL (Linux)."""
    try:
        libc = ctypes.CDLL(None, use_errno=True)
        libc.prctl(1, signal.SIGTERM)  # PR_SET_PDEATHSIG
    except Exception:  # noqa: BLE001 - best effort
        pass


class Server:
    """A running `bidtrack serve`, stopped by stop() (also at exit)."""

    running = []  # every Server not yet stopped, for the exit handlers

    def __init__(self, binary, database_url, engine):
        self.binary = binary
        self.database_url = database_url
        self.engine = engine
        self.port = free_port()
        self.base = f"http://127.0.0.1:{self.port}"
        self.log_path = os.path.join(DATA_DIR, f"http-server-{engine.lower()}.log")
        self.proc = None

    def env(self):
        env = dict(os.environ)
        env["DATABASE_URL"] = self.database_url
        env["BIDTRACK_BIND"] = f"127.0.0.1:{self.port}"
        # A database nobody can sign in to gets an `admin` with this password on first start.
        env.setdefault("BIDTRACK_ADMIN_PASSWORD", "bench-http-admin-" + os.urandom(6).hex())
        env.setdefault("RUST_LOG", "warn")
        env.pop("BIDTRACK_PASSWORD", None)
        return env

    def start(self, ready_timeout=600):
        log_file = open(self.log_path, "wb")
        self.proc = subprocess.Popen(
            [self.binary, "serve"],
            env=self.env(),
            stdin=subprocess.DEVNULL,
            stdout=log_file,
            stderr=subprocess.STDOUT,
            preexec_fn=_die_with_parent,
        )
        log_file.close()
        Server.running.append(self)
        deadline = time.monotonic() + ready_timeout
        while True:
            if self.proc.poll() is not None:
                raise BenchError(
                    f"{self.engine}: the server exited with status {self.proc.returncode} before "
                    f"answering /healthz:\n{self.log_tail()}"
                )
            try:
                status, _, _ = request(self.base, "GET", "/healthz", timeout=2)
                if status == 200:
                    return
            except OSError:
                pass
            if time.monotonic() > deadline:
                raise BenchError(
                    f"{self.engine}: /healthz did not answer 200 within {ready_timeout} s:\n"
                    f"{self.log_tail()}"
                )
            time.sleep(0.2)

    def log_tail(self, lines=20):
        try:
            with open(self.log_path, encoding="utf-8", errors="replace") as f:
                tail = f.read().splitlines()[-lines:]
        except OSError:
            return "(no server log)"
        return "\n".join("    " + l for l in tail) or "    (empty server log)"

    def log_size(self):
        try:
            return os.path.getsize(self.log_path)
        except OSError:
            return 0

    def log_errors_since(self, offset, limit=5):
        """The distinct ERROR messages the server logged after `offset`."""
        try:
            with open(self.log_path, "rb") as f:
                f.seek(offset)
                text = f.read().decode("utf-8", errors="replace")
        except OSError:
            return []
        seen = []
        for line in text.splitlines():
            if " ERROR " not in line:
                continue
            msg = re.sub(r"^\S+Z\s+ERROR\s+", "", line)
            msg = re.sub(r"latency=\d+ ms", "latency=… ms", msg)
            if msg not in seen:
                seen.append(msg)
        return seen[:limit]

    def stop(self):
        if self.proc is None:
            return
        if self.proc.poll() is None:
            try:
                self.proc.send_signal(signal.SIGTERM)
                self.proc.wait(timeout=15)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
            except ProcessLookupError:
                pass
        if self in Server.running:
            Server.running.remove(self)

    def cli(self, *args, password=None, check=True):
        """Runs a one-shot `bidtrack` command on the same database."""
        env = self.env()
        env.pop("BIDTRACK_ADMIN_PASSWORD", None)
        env.pop("BIDTRACK_BIND", None)
        if password is not None:
            env["BIDTRACK_PASSWORD"] = password
        out = subprocess.run(
            [self.binary, *args],
            env=env,
            stdin=subprocess.DEVNULL,
            capture_output=True,
            text=True,
            timeout=300,
        )
        if check and out.returncode != 0:
            raise BenchError(
                f"`bidtrack {' '.join(args)}` failed ({out.returncode}):\n{out.stderr.strip()}"
            )
        return out


def stop_all_servers():
    for server in list(Server.running):
        try:
            server.stop()
        except Exception:  # noqa: BLE001 - keep stopping the others
            pass


# ---------------------------------------------------------------------------------------------
# HTTP without redirects


def request(base, method, path, headers=None, body=None, timeout=120):
    """One request; returns (status, headers, body bytes). Redirects are not followed."""
    u = urllib.parse.urlsplit(base)
    conn = http.client.HTTPConnection(u.hostname, u.port, timeout=timeout)
    try:
        conn.request(method, path, body=body, headers=headers or {})
        resp = conn.getresponse()
        data = resp.read()
        return resp.status, resp.msg, data
    finally:
        conn.close()


def set_cookies(msg):
    """The name=value pairs of a response's Set-Cookie headers."""
    out = {}
    for value in msg.get_all("Set-Cookie") or []:
        pair = value.split(";", 1)[0]
        if "=" in pair:
            name, val = pair.split("=", 1)
            out[name.strip()] = val.strip()
    return out


class HiddenInputs(html.parser.HTMLParser):
    def __init__(self):
        super().__init__()
        self.fields = {}

    def handle_starttag(self, tag, attrs):
        if tag == "input":
            a = dict(attrs)
            if a.get("type") == "hidden" and a.get("name"):
                self.fields[a["name"]] = a.get("value") or ""


def api_json(base, token, path):
    status, _, data = request(base, "GET", path, {"Authorization": f"Bearer {token}"})
    if status != 200:
        raise BenchError(f"GET {path} answered {status}: {data[:300]!r}")
    return json.loads(data)


# ---------------------------------------------------------------------------------------------
# The bench user: a viewer with a token and a browser session


def ensure_user(server):
    out = server.cli("user", "add", "--role", "viewer", "--name", "Benchmark (HTTP)", BENCH_USER,
                     password=BENCH_PASSWORD, check=False)
    if out.returncode != 0:
        # It exists already (from an earlier run): make sure its password is the bench's one.
        listed = server.cli("user", "list")
        if BENCH_USER not in listed.stdout:
            raise BenchError(f"`bidtrack user add {BENCH_USER}` failed:\n{out.stderr.strip()}")
        server.cli("user", "passwd", BENCH_USER, password=BENCH_PASSWORD)


def create_token(server):
    out = server.cli("token", "create", "--user", BENCH_USER, "--name", "bench/http.py")
    lines = [l.strip() for l in out.stdout.splitlines() if l.strip()]
    if not lines:
        raise BenchError("`bidtrack token create` printed no token")
    return lines[-1]


def login(base):
    """Signs in on the login page as the test client does; returns the session cookie value."""
    status, msg, data = request(base, "GET", "/login")
    if status != 200:
        raise BenchError(f"GET /login answered {status}")
    cookies = set_cookies(msg)
    csrf_cookie = cookies.get("bidtrack_login_csrf")
    parser = HiddenInputs()
    parser.feed(data.decode("utf-8", errors="replace"))
    csrf_field = parser.fields.get("csrf")
    if not csrf_cookie or not csrf_field:
        raise BenchError("the login page set no CSRF cookie or has no csrf field")
    form = urllib.parse.urlencode({
        "csrf": csrf_field,
        "next": "/",
        "username": BENCH_USER,
        "password": BENCH_PASSWORD,
    })
    status, msg, data = request(base, "POST", "/login", {
        "Content-Type": "application/x-www-form-urlencoded",
        "Cookie": f"bidtrack_login_csrf={csrf_cookie}",
    }, body=form)
    session = set_cookies(msg).get("bidtrack_session")
    if status not in (302, 303) or not session:
        raise BenchError(f"POST /login answered {status} without a session cookie")
    return session


def logout(base, session):
    """Best effort: ends the session so that the database does not collect them."""
    try:
        status, _, data = request(base, "GET", "/", {"Cookie": f"bidtrack_session={session}"})
        parser = HiddenInputs()
        parser.feed(data.decode("utf-8", errors="replace"))
        csrf = parser.fields.get("csrf")
        if csrf:
            request(base, "POST", "/logout", {
                "Content-Type": "application/x-www-form-urlencoded",
                "Cookie": f"bidtrack_session={session}",
            }, body=urllib.parse.urlencode({"csrf": csrf}))
    except Exception:  # noqa: BLE001
        pass


def revoke_token(base, token):
    """Best effort: revokes the bench token (one is created per run)."""
    try:
        tokens = api_json(base, token, "/api/v1/tokens")
        items = tokens.get("items", tokens) if isinstance(tokens, dict) else tokens
        mine = [t for t in items if t.get("name") == "bench/http.py"]
        for t in mine:
            request(base, "DELETE", f"/api/v1/tokens/{t['id']}",
                    {"Authorization": f"Bearer {token}"})
    except Exception:  # noqa: BLE001
        pass


def unit_ids(base, token):
    """Unit code -> id, over every page of /api/v1/units."""
    ids = {}
    page = 1
    while True:
        data = api_json(base, token, f"/api/v1/units?per_page=500&page={page}")
        items = data["items"] if isinstance(data, dict) else data
        for u in items:
            ids[u["code"]] = u["id"]
        total = data.get("total", len(ids)) if isinstance(data, dict) else len(ids)
        if not items or len(ids) >= total or not isinstance(data, dict):
            return ids
        page += 1


# ---------------------------------------------------------------------------------------------
# wrk

UNITS = {"us": 1e-3, "ms": 1.0, "s": 1e3, "m": 60e3, "h": 3600e3}
DURATION_RE = r"([\d.]+)(us|ms|s|m|h)\b"


def parse_wrk(output):
    """requests/s, p50 (ms), p99 (ms), completed requests, and a list of errors from wrk's
    --latency output."""
    errors = []
    rps = re.search(r"^Requests/sec:\s+([\d.]+)", output, re.M)
    p50 = re.search(r"^\s+50(?:\.0+)?%\s+" + DURATION_RE, output, re.M)
    p99 = re.search(r"^\s+99(?:\.0+)?%\s+" + DURATION_RE, output, re.M)
    done = re.search(r"^\s+(\d+) requests in ", output, re.M)
    non2xx = re.search(r"Non-2xx or 3xx responses:\s+(\d+)", output)
    sock = re.search(
        r"Socket errors: connect (\d+), read (\d+), write (\d+), timeout (\d+)", output)
    if non2xx and int(non2xx.group(1)) > 0:
        errors.append(f"{non2xx.group(1)} non-2xx/3xx responses")
    if sock and any(int(g) > 0 for g in sock.groups()):
        errors.append("socket errors: " + sock.group(0).split(": ", 1)[1])
    if not (rps and p50 and p99 and done):
        errors.append("could not read requests/s and latencies from wrk's output")
        return None, errors
    completed = int(done.group(1))
    to_ms = lambda m: float(m.group(1)) * UNITS[m.group(2)]  # noqa: E731
    return (float(rps.group(1)), to_ms(p50), to_ms(p99), completed), errors


def run_wrk(server, url, header, connections, seconds, timeout_s, warmup=False):
    threads = min(2, connections)
    log_offset = server.log_size()
    cmd = ["wrk", "-t", str(threads), "-c", str(connections), "-d", f"{seconds}s",
           "--timeout", f"{timeout_s}s", "--latency", "-H", header, url]
    out = subprocess.run(cmd, capture_output=True, text=True, timeout=seconds + timeout_s + 60,
                         preexec_fn=_die_with_parent)
    text = out.stdout + out.stderr
    if out.returncode != 0:
        raise BenchError(f"wrk failed ({out.returncode}) on {url}:\n{text}")
    figures, errors = parse_wrk(text)
    if figures and figures[3] == 0 and not warmup:
        errors.append(
            f"no request completed in {seconds} s (each answer takes longer than the run; "
            f"raise BENCH_HTTP_SECONDS)")
    if errors:
        logged = server.log_errors_since(log_offset)
        logged = ("\nThe server logged:\n" + "\n".join("    " + l for l in logged)
                  if logged else "")
        raise BenchError(
            f"{server.engine}: wrk on {url} with {connections} connections"
            f"{' (warm-up)' if warmup else ''}: {'; '.join(errors)}. "
            f"Figures of failing requests are worthless; wrk said:\n{text}{logged}"
        )
    return figures, text


def cpu_ticks(pid):
    """utime + stime of a process, in clock ticks (None when it is gone)."""
    try:
        with open(f"/proc/{pid}/stat") as f:
            fields = f.read().rsplit(")", 1)[1].split()
        return int(fields[11]) + int(fields[12])
    except (OSError, ValueError, IndexError):
        return None


def wait_idle(pid, limit=120.0):
    """Waits until the server stops using CPU: wrk drops the answers still in flight when a run
    ends, and the server may still be working on them, which must not slow the next run."""
    deadline = time.monotonic() + limit
    quiet = 0
    last = cpu_ticks(pid)
    while last is not None and time.monotonic() < deadline:
        time.sleep(0.2)
        now = cpu_ticks(pid)
        if now is None:
            return
        quiet = quiet + 1 if now - last <= 1 else 0
        last = now
        if quiet >= 2:
            return
    if last is not None:
        log(f"warning: the server was still busy {limit:.0f} s after a run")


class RssSampler:
    """The maximum VmRSS of a process, sampled every 100 ms while running."""

    def __init__(self, pid):
        self.pid = pid
        self.peak_kib = 0
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)

    def _run(self):
        while not self._stop.is_set():
            kib = rss_kib(self.pid)
            if kib is not None:
                self.peak_kib = max(self.peak_kib, kib)
            self._stop.wait(0.1)

    def __enter__(self):
        self._thread.start()
        return self

    def __exit__(self, *exc):
        self._stop.set()
        self._thread.join()


# ---------------------------------------------------------------------------------------------
# One engine


def precheck(base, path, header, kind):
    name, value = header.split(": ", 1)
    status, msg, data = request(base, "GET", path, {name: value})
    if status != 200:
        where = msg.get("Location")
        raise BenchError(
            f"GET {path} answered {status}" + (f" (to {where})" if where else "")
            + f", not 200: {data[:300]!r}"
        )
    if kind == "json":
        try:
            json.loads(data)
        except ValueError:
            raise BenchError(f"GET {path}: 200 but not JSON: {data[:200]!r}") from None
    else:
        text = data.decode("utf-8", errors="replace")
        if 'action="/login"' in text:
            raise BenchError(f"GET {path}: 200 but the login page")
    return len(data)


def timed_precheck(base, path, header, kind):
    """The pre-check, then the time of one more answer (the server warm), in seconds."""
    size = precheck(base, path, header, kind)
    start = time.monotonic()
    precheck(base, path, header, kind)
    return size, time.monotonic() - start


def run_length(seconds, connections, throughput):
    """BENCH_HTTP_SECONDS, or longer when each of `connections` waits about
    connections / throughput for an answer: a run shorter than a few answers per connection
    measures only the first ones (wrk drops what is in flight at the end)."""
    expected = connections / throughput if throughput > 0 else 0
    return max(seconds, min(MAX_SECONDS, math.ceil(3 * expected)))


def sqlite_scratch(packages):
    source = os.path.join(DATA_DIR, f"reports-{packages}-{SEED}.db")
    if not os.path.isfile(source):
        raise BenchError(
            f"{source} is missing: run `cargo bench --bench reports` first (it generates it)")
    scratch = os.path.join(DATA_DIR, f"http-{packages}-{SEED}.db")
    if os.path.isfile(scratch) and os.path.getmtime(scratch) > os.path.getmtime(source):
        log(f"SQLite: reusing {os.path.relpath(scratch, ROOT)}")
    else:
        log(f"SQLite: copying {os.path.relpath(source, ROOT)} to {os.path.relpath(scratch, ROOT)}")
        tmp = scratch + ".copying"
        shutil.copyfile(source, tmp)
        for suffix in ("-wal", "-shm"):
            if os.path.exists(scratch + suffix):
                os.remove(scratch + suffix)
        if os.path.exists(source + "-wal"):
            shutil.copyfile(source + "-wal", scratch + "-wal")
        os.replace(tmp, scratch)
    return f"sqlite://{scratch}?mode=rwc"


def postgres_url(server_url, packages):
    name = f"bidtrack_bench_{packages}_{SEED}"
    u = urllib.parse.urlsplit(server_url)
    return urllib.parse.urlunsplit((u.scheme, u.netloc, "/" + name, u.query, u.fragment)), name


def postgres_count(url):
    """The number of packages as psql sees it; None when psql is not installed."""
    if not shutil.which("psql"):
        return None
    out = subprocess.run(["psql", url, "-Atc", "SELECT count(*) FROM packages"],
                         capture_output=True, text=True, timeout=300)
    if out.returncode != 0:
        return out.stderr.strip() or "psql failed"
    try:
        return int(out.stdout.strip())
    except ValueError:
        return out.stdout.strip()


class Skip(Exception):
    """An engine that cannot be benchmarked here (not a failure)."""


def bench_engine(engine, database_url, binary, settings, packages):
    seconds, runs, connections = settings["seconds"], settings["runs"], settings["connections"]
    server = Server(binary, database_url, engine)
    log(f"{engine}: starting the server on port {server.port} (log: "
        f"{os.path.relpath(server.log_path, ROOT)})")
    try:
        server.start()
        time.sleep(2)
        idle_kib = rss_kib(server.proc.pid)
        if idle_kib is None:
            raise BenchError(f"{engine}: cannot read the server's memory")
        log(f"{engine}: ready, idle RSS {idle_kib / 1024:.1f} MiB")

        ensure_user(server)
        token = create_token(server)
        session = login(server.base)
        bearer = f"Authorization: Bearer {token}"
        cookie = f"Cookie: bidtrack_session={session}"

        total = api_json(server.base, token, "/api/v1/packages?per_page=1").get("total")
        if total != packages:
            raise Skip(f"{engine}: the database holds {total} packages, not {packages}")

        ids = unit_ids(server.base, token)
        for code in (PROVINCE, DISTRICT):
            if code not in ids:
                raise BenchError(f"{engine}: unit {code} not found among {len(ids)} units")
        province, district = ids[PROVINCE], ids[DISTRICT]
        package_id = packages // 2
        requests = [
            ("package by id", f"/api/v1/packages/{package_id}", bearer, "json"),
            (f"package list, {DISTRICT} subtree, 2022, awarded, 50 a page",
             f"/api/v1/packages?unit_id={district}&plan_year=2022&status=awarded&per_page=50",
             bearer, "json"),
            (f"compliance, province {PROVINCE}, 2019, plan",
             f"/api/v1/compliance?unit_id={province}&year=2019&view=plan", bearer, "json"),
            (f"dashboard page, province {PROVINCE}, 2019", f"/?unit_id={province}&year=2019",
             cookie, "html"),
        ]
        single = {}
        for label, path, header, kind in requests:
            size, took = timed_precheck(server.base, path, header, kind)
            single[path] = took
            log(f"{engine}: GET {path} -> 200, {size} bytes, {took * 1000:.1f} ms")
        # The list must not be empty, or it measures nothing.
        listed = api_json(server.base, token, requests[1][1])
        if not listed.get("items"):
            raise BenchError(f"{engine}: GET {requests[1][1]} lists no package")

        rows = []
        with RssSampler(server.proc.pid) as sampler:
            for label, path, header, _ in requests:
                url = server.base + path
                # Best throughput seen so far for this request: one answer at a time at first.
                throughput = 1 / max(single[path], 1e-3)
                for c in sorted(connections):
                    length = run_length(seconds, c, throughput)
                    wait_idle(server.proc.pid)
                    run_wrk(server, url, header, c, min(length, 2), settings["timeout"], warmup=True)
                    figures = []
                    for _ in range(runs):
                        wait_idle(server.proc.pid)
                        f, _ = run_wrk(server, url, header, c, length, settings["timeout"])
                        figures.append(f)
                    rps = statistics.median(f[0] for f in figures)
                    p50 = statistics.median(f[1] for f in figures)
                    p99 = statistics.median(f[2] for f in figures)
                    completed = min(f[3] for f in figures)
                    throughput = max(throughput, rps)
                    log(f"{engine}: {label}, {c} conn, {length} s runs: {rps:.1f} req/s, p50 {p50:.2f} ms, "
                        f"p99 {p99:.2f} ms  (runs: "
                        + ", ".join(f"{f[0]:.1f}/{f[1]:.2f}/{f[2]:.2f}" for f in figures) + ")")
                    rows.append({"engine": engine, "label": label, "path": path,
                                 "connections": c, "rps": rps, "p50": p50, "p99": p99,
                                 "completed": completed, "seconds": length})
                    if server.proc.poll() is not None:
                        raise BenchError(f"{engine}: the server died under load:\n"
                                         f"{server.log_tail()}")
        peak_kib = max(sampler.peak_kib, idle_kib)
        log(f"{engine}: peak RSS under load {peak_kib / 1024:.1f} MiB")
        logout(server.base, session)
        revoke_token(server.base, token)
        return rows, {"engine": engine, "idle": idle_kib / 1024, "peak": peak_kib / 1024}
    finally:
        server.stop()


# ---------------------------------------------------------------------------------------------


def fmt_rps(v):
    return f"{v:.0f}" if v >= 100 else f"{v:.1f}"


def main():
    if not shutil.which("wrk"):
        raise BenchError("wrk is not installed: apt-get install -y wrk")
    settings = {
        "seconds": env_int("BENCH_HTTP_SECONDS", 5),
        "runs": env_int("BENCH_HTTP_RUNS", 3),
        "connections": env_connections(),
    }
    # wrk's default 2 s timeout would count slow answers under 64 connections as socket errors;
    # an answer later than the run itself is not counted at all.
    settings["timeout"] = 2 * max(MAX_SECONDS, settings["seconds"])
    packages = env_int("BENCH_PACKAGES", 1_000_000)
    binary = server_binary()
    os.makedirs(DATA_DIR, exist_ok=True)
    version = wrk_version()
    log(f"server: {binary}; {version}; {settings['runs']} runs of {settings['seconds']} s, "
        f"connections {','.join(map(str, settings['connections']))}")

    rows, memory, notes = [], [], []
    try:
        r, m = bench_engine("SQLite", sqlite_scratch(packages), binary, settings, packages)
    except Skip as e:
        raise BenchError(f"{e} (rerun `cargo bench --bench reports`?)") from None
    rows += r
    memory.append(m)

    pg = os.environ.get("BENCH_DATABASE_URL")
    if pg:
        url, name = postgres_url(pg, packages)
        count = postgres_count(url)
        if count is not None and count != packages:
            msg = f"PostgreSQL skipped: database {name} does not hold {packages} packages ({count})"
            log(msg)
            notes.append(msg)
        else:
            try:
                r, m = bench_engine("PostgreSQL", url, binary, settings, packages)
                rows += r
                memory.append(m)
            except Skip as e:
                msg = f"PostgreSQL skipped: {e}"
                log(msg)
                notes.append(msg)
    else:
        log("BENCH_DATABASE_URL not set: PostgreSQL skipped")

    table = ("| engine | request | connections | requests/s | p50 | p99 |\n"
             "|---|---|---:|---:|---:|---:|\n")
    for row in rows:
        table += (f"| {row['engine']} | {row['label']} | {row['connections']} | "
                  f"{fmt_rps(row['rps'])} | {row['p50']:.2f} ms | {row['p99']:.2f} ms |\n")
    print(table, flush=True)

    seen = []
    paths = ""
    for row in rows:
        if row["label"] not in seen:
            seen.append(row["label"])
            paths += f"- {row['label']}: `GET {row['path']}`\n"
    longer = [row for row in rows if row["seconds"] > settings["seconds"]]
    conn = lambda n: f"{n} connection" + ("" if n == 1 else "s")  # noqa: E731
    notes_lines = ""
    for row in rows:
        said = []
        if row["seconds"] > settings["seconds"]:
            said.append(f"{row['seconds']} s runs")
        if row["completed"] < 2 * row["connections"]:
            said.append(f"only {row['completed']} answers in a run: those still in flight "
                        f"when it ended are missing, read p99 as a lower bound")
        if said:
            notes_lines += (f"- {row['engine']}, {row['label']}, {conn(row['connections'])}: "
                            + "; ".join(said) + "\n")
    if notes_lines:
        notes_lines = (
            f"Each connection waits about connections ÷ requests/s for an answer, and wrk drops "
            f"the answers still in flight when a run ends: where that wait is long, runs are "
            f"longer than {settings['seconds']} s (3 times the wait, at most {MAX_SECONDS} s):"
            f"\n\n{notes_lines}\n"
        )
    rss = "".join(
        f"- {m['engine']}: idle {m['idle']:.0f} MiB, peak under load {m['peak']:.0f} MiB\n"
        for m in memory
    )
    command = os.environ.get("BENCH_COMMAND") or "python3 bench/http.py"
    date = datetime.datetime.now(datetime.timezone.utc).strftime("%Y-%m-%d")
    body = (
        "## HTTP under load\n\n"
        f"`{command}` (BENCH_DATABASE_URL set for PostgreSQL), {date} on {machine()}, "
        f"{version}, load generator on the same cores: the release server on the generated "
        f"database of {packages} packages; for each request and connection count a warm-up, "
        + (f"then the median of {settings['runs']} wrk runs of {settings['seconds']} s "
           if settings["runs"] > 1 else f"then one wrk run of {settings['seconds']} s ")
        + f"(threads = min(2, connections); the server idle again before each run); p50/p99 are "
        f"wrk's latency percentiles.\n\n"
        f"{table}\n"
        f"Requests (a viewer's token; the page with a viewer's session cookie):\n\n{paths}\n"
        + notes_lines
        + "Resident memory of the server process (VmRSS), idle 2 s after start and the peak "
        f"sampled every 100 ms under load:\n\n{rss}"
        + ("".join(f"\n{n}\n" for n in notes))
    )
    write_section("http", body)
    log("BENCHMARKS.md: http section written")


def _on_signal(signum, _frame):
    log(f"bench/http.py: stopped by signal {signum}")
    raise SystemExit(128 + signum)


if __name__ == "__main__":
    atexit.register(stop_all_servers)
    signal.signal(signal.SIGTERM, _on_signal)
    signal.signal(signal.SIGHUP, _on_signal)
    try:
        main()
    except BenchError as e:
        log(f"bench/http.py: {e}")
        sys.exit(1)
    except KeyboardInterrupt:
        log("bench/http.py: interrupted")
        sys.exit(130)
    finally:
        stop_all_servers()
