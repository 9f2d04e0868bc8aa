"""What one request costs in CPU, without a server or a load generator: the WSGI app called in a
loop, counted by cProfile (Python calls) or by callgrind (instructions).

    .venv/bin/python bench/request_profile.py [--requests 2000] [--top 25] [--only trivial]
    .venv/bin/python bench/request_profile.py --instructions [--requests 100]

Wall-clock figures on a shared machine move with the neighbours' load; calls and instructions
per request do not, so they decide. Three requests, as bench/pages.py measures them:
  trivial      /_bench/trivial, anonymous (what every request pays)
  trivial_in   /_bench/trivial with a creator's session cookie (what every logged-in one pays)
  login        GET /login, anonymous (a form, a CSRF token, a new session cookie)
  live304      GET /dashboard/live with the creator's cookie and the fragment's ETag: the 304
               a creator's open page gets every POLL_SECONDS
On PostgreSQL (BENCH_DATABASE_URL, default postgresql://postgres@127.0.0.1:5432/bench_req,
created and migrated if need be; one creator is added, nothing is dropped) with a redis-server
of its own. --instructions runs this script under `valgrind --tool=callgrind` with collection
off, switched on only around each kind's requests (callgrind's client requests, from a tiny C
helper built with gcc), and prints instructions per request.
"""
import argparse
import cProfile
import io
import os
import pstats
import re
import shutil
import subprocess
import sys
import tempfile
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import _services  # noqa: E402

ROOT = os.path.abspath(os.path.join(os.path.dirname(__file__), ".."))
DEFAULT_DB = "postgresql://postgres@127.0.0.1:5432/bench_req"
EMAIL, PASSWORD = "profile@example.com", "profile-12345"
KINDS = ("trivial", "trivial_in", "login", "live304")
# The browser of the login also makes the measured requests: Flask-Login's session protection
# would otherwise see another client and rewrite the session cookie on every request.
AGENT = "request-profile"
WARM_UP = 30  # each kind: templates compiled, pools filled, lazy imports done


def ensure_database(url: str) -> None:
    import psycopg
    from sqlalchemy.engine import make_url

    parsed = make_url(url)
    if not parsed.database or parsed.database.lower() == "test":
        sys.exit("BENCH_DATABASE_URL must name a scratch database of its own (never 'test')")
    admin = parsed.set(drivername="postgresql", database="postgres").render_as_string(False)
    with psycopg.connect(admin, autocommit=True) as conn:
        if not conn.execute("SELECT 1 FROM pg_database WHERE datname = %s",
                            (parsed.database,)).fetchone():
            conn.execute(f'CREATE DATABASE "{parsed.database}"')


def make_app(db_url: str, redis_url: str, tmp: str):
    # As gunicorn runs it in bench/pages.py: configuration from the environment, wsgi.py's app.
    os.environ.update(DATABASE_URL=db_url, REDIS_URL=redis_url, SECRET_KEY="bench-profile",
                      INSTANCE_PATH=tmp, BENCH_TRIVIAL_ENDPOINT="1", LOG_LEVEL="WARNING")
    sys.path.insert(0, ROOT)
    from flask_migrate import upgrade

    from webapp import create_app
    from webapp.auth import services

    app = create_app()
    with app.app_context():
        upgrade()
        if services.find_by_email(EMAIL) is None:
            services.create_user(EMAIL, PASSWORD, handle="profile.bench")
    return app


def session_cookie(app) -> str:
    client = app.test_client()
    client.environ_base["HTTP_USER_AGENT"] = AGENT
    page = client.get("/login").get_data(as_text=True)
    token = re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', page).group(1)
    answer = client.post("/login", data={"email": EMAIL, "password": PASSWORD,
                                         "csrf_token": token})
    assert answer.status_code == 302, answer.status_code
    return f"session={client.get_cookie('session').value}"


def requests_of(app) -> dict:
    """kind: a function making one such request through the WSGI app (the server's part)."""
    from werkzeug.test import EnvironBuilder

    browser = {"User-Agent": AGENT}
    logged_in = {**browser, "Cookie": session_cookie(app)}
    live = {**logged_in, "HX-Request": "true"}
    first = []  # the fragment's ETag, asked for as the browser does (raw WSGI, its cookie)
    body = app(EnvironBuilder("/dashboard/live", headers=live, environ_base={
        "REMOTE_ADDR": "127.0.0.1"}).get_environ(), lambda status, headers, *_: first.extend(
        (status, dict(headers))))
    getattr(body, "close", lambda: None)()
    if "ETag" not in first[1]:
        raise RuntimeError(f"live: {first[0]}")
    etag = first[1]["ETag"]
    environs = {kind: EnvironBuilder(path, headers=headers, environ_base={
        "REMOTE_ADDR": "127.0.0.1"}).get_environ() for kind, path, headers in (
        ("trivial", "/_bench/trivial", browser),
        ("trivial_in", "/_bench/trivial", logged_in),
        ("login", "/login", browser),
        ("live304", "/dashboard/live", {**live, "If-None-Match": etag}))}
    expected = dict.fromkeys(KINDS, "200 OK") | {"live304": "304 NOT MODIFIED"}

    def make(kind):
        environ = environs[kind]

        def one():
            answer = []
            body = app(dict(environ, **{"wsgi.input": io.BytesIO()}),
                       lambda status, headers, exc_info=None: answer.extend((status, headers)))
            try:
                b"".join(body)
            finally:
                getattr(body, "close", lambda: None)()
            status, headers = answer
            if status != expected[kind]:
                raise RuntimeError(f"{kind}: {status}")
            # The logged-in cookie stays valid as it is: a session rewritten on every request
            # (Flask-Login's session protection seeing another client) is a broken setup.
            if kind in ("trivial_in", "live304") and any(name == "Set-Cookie" for name, _ in headers):
                raise RuntimeError(f"{kind}: the session cookie was rewritten")
        return one

    return {kind: make(kind) for kind in KINDS}


def run_calls(make, args) -> None:
    for kind in args.only or KINDS:
        one = make[kind]
        started, cpu = time.perf_counter(), time.process_time()
        for _ in range(args.requests):
            one()
        wall = (time.perf_counter() - started) / args.requests * 1000
        cpu = (time.process_time() - cpu) / args.requests * 1000
        profile = cProfile.Profile()
        profile.enable()
        for _ in range(args.requests):
            one()
        profile.disable()
        stats = pstats.Stats(profile)
        print(f"\n## {kind}: {stats.total_calls / args.requests:.0f} Python calls per request; "
              f"{cpu:.3f} ms CPU, {wall:.3f} ms wall per request without the profiler "
              f"(load average {os.getloadavg()[0]:.1f})")
        if args.top:
            out = io.StringIO()
            pstats.Stats(profile, stream=out).sort_stats(os.environ.get("PROFILE_SORT", "cumulative")).print_stats(args.top)
            print(out.getvalue().split("\n", 6)[-1].rstrip())


CALLGRIND_HELPER = r"""
#include <valgrind/callgrind.h>
void collect(int on) { if (on) { CALLGRIND_ZERO_STATS; CALLGRIND_TOGGLE_COLLECT; }
                       else { CALLGRIND_TOGGLE_COLLECT; CALLGRIND_DUMP_STATS; } }
"""


def run_plain(make, args) -> None:
    """Under callgrind: each kind's requests counted in a dump of their own, nothing else."""
    import ctypes

    helper = ctypes.CDLL(args.helper)
    for kind in args.only or KINDS:
        helper.collect(1)
        for _ in range(args.requests):
            make[kind]()
        helper.collect(0)


def run_instructions(args) -> None:
    if not (shutil.which("valgrind") and shutil.which("gcc")):
        sys.exit("needs valgrind and gcc (apt-get install valgrind gcc)")
    with tempfile.TemporaryDirectory() as tmp:
        source, helper = os.path.join(tmp, "collect.c"), os.path.join(tmp, "collect.so")
        with open(source, "w") as f:
            f.write(CALLGRIND_HELPER)
        subprocess.run(["gcc", "-shared", "-fPIC", "-O1", "-o", helper, source], check=True)
        out = os.path.join(tmp, "callgrind.out")
        argv = ["valgrind", "--tool=callgrind", "--collect-atstart=no",
                f"--callgrind-out-file={out}", sys.executable, os.path.abspath(__file__),
                "--plain", "--helper", helper, "--requests", str(args.requests)]
        for kind in args.only or ():
            argv += ["--only", kind]
        subprocess.run(argv, check=True, capture_output=True)
        dumps = sorted((f for f in os.listdir(tmp) if f.startswith("callgrind.out.")),
                       key=lambda name: int(name.rsplit(".", 1)[1]))
        totals = []
        for name in dumps:
            with open(os.path.join(tmp, name)) as f:
                totals.append(int(re.search(r"^(?:summary|totals): (\d+)", f.read(),
                                            re.M).group(1)))
    print(f"callgrind, {args.requests} requests of each kind, load average "
          f"{os.getloadavg()[0]:.1f} (instructions do not depend on it)")
    for kind, total in zip(args.only or KINDS, totals):
        print(f"{kind}: {total / args.requests / 1e6:.3f} M instructions per request")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--requests", type=int, default=2000)
    parser.add_argument("--top", type=int, default=25, help="functions shown, by cumulative time")
    parser.add_argument("--only", action="append", choices=KINDS)
    parser.add_argument("--instructions", action="store_true", help="callgrind, not cProfile")
    parser.add_argument("--plain", action="store_true", help=argparse.SUPPRESS)
    parser.add_argument("--helper", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.instructions:
        return run_instructions(args)
    url = os.environ.get("BENCH_DATABASE_URL", DEFAULT_DB)
    ensure_database(url)
    tmp = tempfile.mkdtemp(prefix="viewpay-bench-profile-")
    port = _services.free_port()
    log = open(os.path.join(tmp, "redis.log"), "ab")
    redis = _services.start_redis(port, tmp, log)
    try:
        app = make_app(url, f"redis://127.0.0.1:{port}/0", tmp)
        make = requests_of(app)
        for one in make.values():
            for _ in range(WARM_UP):
                one()
        (run_plain if args.plain else run_calls)(make, args)
    finally:
        _services.stop_redis(port, redis)
        shutil.rmtree(tmp, ignore_errors=True)


if __name__ == "__main__":
    main()
