"""What pages cost under load, side by side with a do-nothing page of the same app, same run.

    .venv/bin/python bench/pages.py [--videos 100000] [--creators 5000] [--seconds 10] [--reuse]
                                    [--first N] [--rounds R] [--load-only]

On PostgreSQL (BENCH_DATABASE_URL, default postgresql://postgres@127.0.0.1:5432/bench_pages,
created if missing; its schema is dropped unless --reuse), with its own
redis-server and TikTok sandbox on free loopback ports, it:
  1. migrates and loads the data with `flask demo load` (real services, sandbox over HTTP):
     one creator with 5 videos, one with 5.000 (--big), then the rest of VIDEOS over the rest
     of CREATORS, 1.000 of them left waiting for review (the admin queue); with --reuse only
     what is missing, so a stopped load resumes; then VACUUM ANALYZE (--load-only stops here);
  2. starts gunicorn as the Procfile does (2 workers, access log) with BENCH_TRIVIAL_ENDPOINT=1;
  3. logs in through the login form (the big and the small creator, the admin) and makes an
     API token with `flask api create-token`;
  4. measures each page with wrk: p50/p95 at one connection (light load), then requests/s at
     2 threads x 32 connections, waiting before each page until the server has worked off
     what the previous loaded run left queued; prints each figure with its ratio to
     /_bench/trivial. With --rounds R the loaded runs go round the pages R times and each
     page's median is printed (a shared machine's noise moves single runs by a tenth).
Targets (issue 9): live fragment and login page >= 0,5 of trivial; p95 < 50 ms at light load.
wrk comes from Debian (apt-get install wrk); without it a Python load generator stands in.
"""
import argparse
import os
import re
import shutil
import signal
import statistics
import subprocess
import sys
import tempfile
import threading
import time

import requests

from _services import free_port, start_redis, wait_port

ROOT = os.path.abspath(os.path.join(os.path.dirname(__file__), ".."))
BIN = os.path.dirname(sys.executable)
DEFAULT_DB = "postgresql://postgres@127.0.0.1:5432/bench_pages"
SMALL, PENDING = 5, 1000
PASSWORD = "demo12345"  # the demo's, which `demo load` gives its creators
# A polling browser revalidates with the ETag it got last (the tag changes each minute).
FOLLOW_ETAG = """
local etag = nil
request = function()
  if etag then wrk.headers["If-None-Match"] = etag end
  return wrk.format(nil, nil, wrk.headers)
end
response = function(status, headers, body)
  if headers["ETag"] then etag = headers["ETag"] end
end
"""
WRK_SCRIPT = """
done = function(summary, latency, requests)
  io.write(string.format("BENCH requests=%d seconds=%.3f p50=%.3f p95=%.3f errors=%d\\n",
    summary.requests, summary.duration / 1e6, latency:percentile(50) / 1e3,
    latency:percentile(95) / 1e3, summary.errors.status + summary.errors.connect
    + summary.errors.read + summary.errors.write + summary.errors.timeout))
end
"""


class Stack:
    """redis-server, the sandbox and (later) gunicorn, as processes of their own."""

    def __init__(self, db_url: str, tmp: str):
        self.tmp, self.procs = tmp, []
        redis_port, sandbox_port, self.web_port = free_port(), free_port(), free_port()
        sandbox = f"http://127.0.0.1:{sandbox_port}"
        self.env = dict(
            os.environ, DATABASE_URL=db_url, REDIS_URL=f"redis://127.0.0.1:{redis_port}/0",
            SECRET_KEY="bench-pages", INSTANCE_PATH=tmp, PYTHONPATH=ROOT,
            TIKTOK_WEB_BASE=sandbox, TIKTOK_API_BASE=sandbox, TIKTOK_VM_BASE=sandbox + "/_vm",
            TIKTOK_VT_BASE=sandbox + "/_vt", TIKTOK_CDN_BASE=sandbox + "/_cdn",
            # The load's budgets: one page fetch per video and per creator, as fast as we can.
            TIKTOK_PAGE_RATE="100000000", TIKTOK_OEMBED_RATE="100000000",
            TIKTOK_BREAKER_MIN_CALLS="100000000",
            # The API's per-token limit still counts on Redis; it must not answer 429 here.
            API_RATE_LIMIT="100000000/minute",
            BENCH_TRIVIAL_ENDPOINT="1", LOG_LEVEL="WARNING")
        self.log = open(os.path.join(tmp, "stack.log"), "ab")
        self.procs.append(start_redis(redis_port, tmp, self.log))
        self.spawn([sys.executable, "-m", "sandbox", "--port", str(sandbox_port)])
        wait_port(sandbox_port)
        self.web = f"http://127.0.0.1:{self.web_port}"

    def spawn(self, argv) -> subprocess.Popen:
        proc = subprocess.Popen(argv, cwd=ROOT, env=self.env, stdout=self.log, stderr=self.log,
                                start_new_session=True)
        self.procs.append(proc)
        return proc

    def flask(self, *args) -> str:
        done = subprocess.run([os.path.join(BIN, "flask"), "--app", "wsgi", *args], cwd=ROOT,
                              env=self.env, capture_output=True, text=True)
        if done.returncode != 0:
            sys.exit(f"flask {' '.join(args)} failed:\n{done.stdout}\n{done.stderr}")
        return done.stdout

    def load(self, videos: int, creators: int, pending: int = 0) -> None:
        """`flask demo load`, its progress lines passed through (migrated first: the code may
        have moved on since the last load of a reused database)."""
        self.flask("db", "upgrade")
        argv = [os.path.join(BIN, "flask"), "--app", "wsgi", "demo", "load", "--videos",
                str(videos), "--creators", str(creators), "--pending", str(pending)]
        if subprocess.run(argv, cwd=ROOT, env=self.env).returncode != 0:
            sys.exit("demo load failed")

    def start_web(self) -> None:
        # The Procfile's web process: 2 workers, access log (to a file here).
        self.spawn([os.path.join(BIN, "gunicorn"), "wsgi:app", "--bind",
                    f"127.0.0.1:{self.web_port}", "--workers", "2", "--timeout", "30",
                    "--access-logfile", os.path.join(self.tmp, "access.log")])
        wait_port(self.web_port)

    def stop(self) -> None:
        for proc in reversed(self.procs):
            if proc.poll() is None:
                os.killpg(proc.pid, signal.SIGTERM)
        for proc in self.procs:
            try:
                proc.wait(timeout=15)
            except subprocess.TimeoutExpired:
                os.killpg(proc.pid, signal.SIGKILL)


def _plain(url: str) -> str:
    from sqlalchemy.engine import make_url

    return make_url(url).set(drivername="postgresql").render_as_string(False)


def prepare_database(url: str, reuse: bool) -> None:
    """Create the database if missing; wipe its schema unless --reuse."""
    import psycopg
    from sqlalchemy.engine import make_url

    parsed = make_url(url)
    name = parsed.database
    if not name or name.lower() == "test":
        sys.exit("BENCH_DATABASE_URL must name a scratch database of its own (never 'test')")
    admin_url = parsed.set(drivername="postgresql", database="postgres").render_as_string(False)
    with psycopg.connect(admin_url, autocommit=True) as conn:
        if not conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", (name,)).fetchone():
            conn.execute(f'CREATE DATABASE "{name}"')
    if not reuse:
        with psycopg.connect(_plain(url), autocommit=True) as conn:
            conn.execute("DROP SCHEMA public CASCADE; CREATE SCHEMA public;")


def loaded(url: str, big: int) -> tuple[int, int, bool, bool]:
    """(videos loaded, creators loaded, the big creator is there, the small one is there)."""
    import psycopg

    sizes = ("SELECT count(*) FROM (SELECT creator_id FROM submissions GROUP BY creator_id "
             "HAVING count(*) {}) AS c")
    with psycopg.connect(_plain(url)) as conn:
        videos = conn.execute("SELECT count(*) FROM submissions").fetchone()[0]
        creators = conn.execute("SELECT count(*) FROM users WHERE email LIKE 'load%%'"
                                ).fetchone()[0]
        return (videos, creators, conn.execute(sizes.format(">= %s"), (big,)).fetchone()[0] > 0,
                conn.execute(sizes.format("= %s"), (SMALL,)).fetchone()[0] > 0)


def load_all(stack: "Stack", url: str, args) -> None:
    """The small and the big creator first, then the bulk; with --reuse only what is missing
    (a load that was stopped resumes)."""
    started = time.monotonic()
    stack.flask("db", "upgrade")
    videos, creators, has_big, has_small = loaded(url, args.big)
    if not has_small:
        stack.load(SMALL, 1)
        videos, creators = videos + SMALL, creators + 1
    if not has_big:
        stack.load(args.big, 1)
        videos, creators = videos + args.big, creators + 1
    if videos < args.videos:
        # A stopped load made its creators first: the videos still missing go to as many new
        # ones as keep ~20 a creator, never all to one.
        missing = args.videos - videos
        stack.load(missing, max(args.creators - creators, -(-missing // 20)), pending=PENDING)
    print(f"loaded in {time.monotonic() - started:.0f} s", flush=True)


def settle(url: str) -> None:
    """VACUUM ANALYZE before measuring: otherwise autovacuum works through the rows just
    loaded during the runs, and the planner guesses from statistics of a smaller table."""
    import psycopg

    started = time.monotonic()
    with psycopg.connect(_plain(url), autocommit=True) as conn:
        conn.execute("VACUUM ANALYZE")
    print(f"vacuumed and analysed in {time.monotonic() - started:.0f} s", flush=True)


def creators_by_size(url: str, big_count: int) -> tuple[str, str, str]:
    """The emails of the loaded creators with the most and with exactly SMALL videos, and the
    TikTok id of one of the big one's videos."""
    import psycopg
    from sqlalchemy.engine import make_url

    # The big one: the fewest videos at or above --big (a resumed load may have made one
    # bigger still; the figures are labelled with --big).
    query = ("SELECT u.email FROM users u JOIN submissions s ON s.creator_id = u.id "
             "GROUP BY u.email HAVING count(*) {} ORDER BY count(*), u.email LIMIT 1")
    with psycopg.connect(_plain(url)) as conn:
        big = conn.execute(query.format(">= %s"), (big_count,)).fetchone()
        small = conn.execute(query.format("= %s"), (SMALL,)).fetchone()
        video = big and conn.execute(
            "SELECT s.video_id FROM submissions s JOIN users u ON u.id = s.creator_id "
            "WHERE u.email = %s ORDER BY s.id DESC LIMIT 1", big).fetchone()
    if not big or not small:
        sys.exit("no creator with --big videos or with 5: run without --reuse")
    return big[0], small[0], video[0]


def login(web: str, email: str) -> requests.Session:
    http = requests.Session()
    page = http.get(f"{web}/login", timeout=30).text
    token = re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', page).group(1)
    answer = http.post(f"{web}/login", data={"email": email, "password": PASSWORD,
                                             "csrf_token": token}, allow_redirects=False)
    if answer.status_code != 302:
        sys.exit(f"login of {email} failed: {answer.status_code}")
    return http


def cookie_header(http: requests.Session) -> dict:
    """The browser's cookie and its User-Agent: Flask-Login's session protection would take wrk
    (no User-Agent) for another client and rewrite the session cookie on every request."""
    return {"Cookie": "; ".join(f"{c.name}={c.value}" for c in http.cookies),
            "User-Agent": http.headers["User-Agent"]}


def measure(url: str, headers: dict, connections: int, seconds: int, tmp: str) -> dict:
    """requests/s, p50 and p95 (ms) and errors (non-2xx/3xx, socket) of one wrk run."""
    if not shutil.which("wrk"):
        return python_load(url, headers, connections, seconds)
    script = os.path.join(tmp, "report.lua")
    with open(script, "w") as f:
        f.write(WRK_SCRIPT + (FOLLOW_ETAG if "If-None-Match" in headers else ""))
    argv = ["wrk", f"-t{min(2, connections)}", f"-c{connections}", f"-d{seconds}s",
            "--timeout", "10s", "-s", script, url]
    for name, value in headers.items():
        argv[1:1] = ["-H", f"{name}: {value}"]
    out = subprocess.run(argv, capture_output=True, text=True).stdout
    found = dict(re.findall(r"(\w+)=([\d.]+)", out.split("BENCH", 1)[1]))
    result = {k: float(v) for k, v in found.items()}
    result["rps"] = result["requests"] / result["seconds"]
    return result


def python_load(url: str, headers: dict, connections: int, seconds: int) -> dict:
    """A plain stand-in for wrk: keep-alive connections in threads, latencies of each."""
    latencies, errors, stop = [], [0], time.monotonic() + seconds

    def run():
        http, mine = requests.Session(), dict(headers)
        while time.monotonic() < stop:
            started = time.perf_counter()
            answer = http.get(url, headers=mine, allow_redirects=False)
            latencies.append(time.perf_counter() - started)
            errors[0] += answer.status_code >= 400
            if "If-None-Match" in mine and answer.headers.get("ETag"):
                mine["If-None-Match"] = answer.headers["ETag"]  # as a polling browser does

    threads = [threading.Thread(target=run) for _ in range(connections)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    latencies.sort()
    pick = lambda q: latencies[min(len(latencies) - 1, int(q * len(latencies)))] * 1000  # noqa
    return {"requests": len(latencies), "rps": len(latencies) / seconds, "p50": pick(0.5),
            "p95": pick(0.95), "errors": errors[0]}


def drain(web: str) -> None:
    """Wait until the server has worked off what the last loaded run left queued: wrk stops
    with up to 32 requests still waiting for gunicorn's 2 workers (seconds of a slow page),
    and a light run started then would measure that queue, not the page."""
    fast, deadline = 0, time.monotonic() + 60
    while fast < 3 and time.monotonic() < deadline:
        started = time.perf_counter()
        requests.get(web + "/_bench/trivial", timeout=60)
        fast = fast + 1 if time.perf_counter() - started < 0.005 else 0
        time.sleep(0.05)


def machine() -> str:
    cpu = next((line.split(":", 1)[1].strip() for line in open("/proc/cpuinfo")
                if line.startswith("model name")), "?")
    ram = next(int(line.split()[1]) for line in open("/proc/meminfo")
               if line.startswith("MemTotal")) / 1024 / 1024
    return f"{os.cpu_count()} CPUs ({cpu}), {ram:.0f} GiB RAM"


def pages(stack: Stack, big: str, small: str, video_id: str, token: str,
          big_count: int) -> list[tuple[str, str, dict, int]]:
    """(name, path, headers, expected status) of every page measured."""
    web, n = stack.web, f"{big_count:,}".replace(",", ".")
    big_http, small_http, admin = login(web, big), login(web, small), login(web, "admin@example.com")
    hx = {"HX-Request": "true"}
    etag = big_http.get(f"{web}/dashboard/live", headers=hx).headers["ETag"]
    return [
        ("trivial endpoint (same app)", "/_bench/trivial", {}, 200),
        ("login page (anonymous)", "/login", {}, 200),
        # The same do-nothing page with a creator's cookie: what every logged-in request pays
        # (the login's session row and its user), the ceiling of the creator's pages.
        ("trivial endpoint, logged in", "/_bench/trivial", cookie_header(big_http), 200),
        (f"live fragment 304, {n} videos", "/dashboard/live",
         {**cookie_header(big_http), **hx, "If-None-Match": etag}, 304),
        (f"live fragment 200, {n} videos", "/dashboard/live",
         {**cookie_header(big_http), **hx}, 200),
        ("live fragment 200, 5 videos", "/dashboard/live", {**cookie_header(small_http), **hx},
         200),
        (f"creator dashboard, {n} videos", "/dashboard", cookie_header(big_http), 200),
        (f"earnings summary, {n} videos", "/earnings/", cookie_header(big_http), 200),
        (f"ledger, {n} videos", "/earnings/ledger", cookie_header(big_http), 200),
        ("admin review queue", "/admin/", cookie_header(admin), 200),
        ("admin tracked videos", "/admin/videos", cookie_header(admin), 200),
        ("API video endpoint", f"/api/tiktok/video/{video_id}",
         {"Authorization": f"Bearer {token}"}, 200),
    ]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--videos", type=int, default=100_000)
    parser.add_argument("--creators", type=int, default=5_000)
    parser.add_argument("--big", type=int, default=5_000, help="videos of the big creator")
    parser.add_argument("--seconds", type=int, default=10, help="per wrk run")
    parser.add_argument("--rounds", type=int, default=1,
                        help="loaded runs of each page, interleaved; the median is reported")
    parser.add_argument("--reuse", action="store_true",
                        help="keep the database; load only what it lacks (resumes a load)")
    parser.add_argument("--first", type=int, default=None, metavar="N",
                        help="measure only the first N pages (4: what every request pays)")
    parser.add_argument("--load-only", action="store_true",
                        help="load (and settle) the data, measure nothing: measure later with "
                             "--reuse on a quiet machine")
    args = parser.parse_args()
    if args.videos < args.big + SMALL + args.creators or args.creators < 3:
        sys.exit("needs at least BIG + 5 + CREATORS videos and 3 creators")
    url = os.environ.get("BENCH_DATABASE_URL", DEFAULT_DB)
    tmp = tempfile.mkdtemp(prefix="viewpay-bench-pages-")
    prepare_database(url, args.reuse)
    stack = Stack(url, tmp)
    try:
        load_all(stack, url, args)
        settle(url)
        if args.load_only:
            return
        stack.flask("db", "upgrade")
        big, small, video_id = creators_by_size(url, args.big)
        token = stack.flask("api", "create-token", f"bench-{int(time.time())}").split()[-1]
        stack.start_web()
        measured = pages(stack, big, small, video_id, token, args.big)[:args.first]
        report(stack, measured, args, tmp)
    finally:
        stack.stop()
        shutil.rmtree(tmp, ignore_errors=True)


def report(stack: Stack, measured: list, args, tmp: str) -> None:
    print(f"\nmachine: {machine()}, load average {os.getloadavg()[0]:.1f}; PostgreSQL, Redis, gunicorn 2 workers, wrk on the same "
          f"machine; {args.videos} videos, {args.creators} creators; {args.seconds} s per run"
          + (f", loaded runs in {args.rounds} rounds (median)" if args.rounds > 1 else ""))
    print("| page | req/s (2x32) | ratio to trivial | ratio to trivial logged in "
          "| p50 ms (1 conn) | p95 ms (1 conn) | errors |")
    print("|---|---|---|---|---|---|---|")
    runs = []  # (name, path, headers, light run, loaded runs)
    for name, path, headers, status in measured:
        if "If-None-Match" in headers:  # the tag of this minute
            headers = {**headers, "If-None-Match": requests.get(stack.web + path, headers={
                k: v for k, v in headers.items() if k != "If-None-Match"}).headers["ETag"]}
        answer = requests.get(stack.web + path, headers=headers, allow_redirects=False)
        if answer.status_code != status:  # a broken page is reported, not measured
            print(f"| {name} | answered {answer.status_code}, expected {status} | | | | | |")
            continue
        drain(stack.web)
        runs.append((name, path, headers, measure(stack.web + path, headers, 1, args.seconds,
                                                  tmp), []))
    # Loaded runs page after page, round after round: a neighbour's burst on a shared machine
    # then spoils one run of each page, not every run of one page; the median leaves it out.
    for _ in range(args.rounds):
        for name, path, headers, light, loaded in runs:
            drain(stack.web)
            loaded.append(measure(stack.web + path, headers, 32, args.seconds, tmp))
    ceiling = ceiling_in = None
    for name, path, headers, light, loaded in runs:
        rps = statistics.median(run["rps"] for run in loaded)
        ceiling = ceiling or rps
        if "Cookie" in headers and path == "/_bench/trivial":
            ceiling_in = rps
        logged_in = f"{rps / ceiling_in:.2f}" if ceiling_in and "Cookie" in headers else ""
        # non-2xx/3xx answers and timeouts (10 s), every run of the page
        errors = int(sum(run["errors"] for run in loaded) + light["errors"])
        print(f"| {name} | {rps:.0f} | {rps / ceiling:.2f} | {logged_in} | "
              f"{light['p50']:.1f} | {light['p95']:.1f} | {errors} |", flush=True)


if __name__ == "__main__":
    main()
