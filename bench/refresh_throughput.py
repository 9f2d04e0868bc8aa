"""How fast the refresh pipeline runs on this machine, through real parts, against the raw
write ceiling of the same database measured in the same run.

    DATABASE_URL=postgresql://postgres@127.0.0.1:5432/bench_refresh \\
    REDIS_URL=redis://127.0.0.1:6379/13 .venv/bin/python bench/refresh_throughput.py [N_VIDEOS]

Careful: it wipes the database (DROP SCHEMA public) and flushes the Redis database it is given
(without DATABASE_URL: a temp SQLite file and the embedded Redis). Starts the TikTok sandbox
and WORKERS (2) `python -m jobs.worker` processes, loads N (2000) approved videos of proven
creators with `flask demo load` (real services, the sandbox over HTTP), then prints:
  (a) the raw write ceiling: a plain SQLAlchemy Core loop doing a refresh's three writes
      (snapshot, ledger entry, conditional submission update), 20 videos per transaction, on
      copies of the three tables (same columns and indexes);
  (b) the pipeline's own ceiling, the sandbox without latency or limits: every video due, the
      scan, the workers; page fetches (twice: the first refresh after the load tells nearly
      every video its views milestone, an in-app notification and a mail each, which happens
      once in a video's life; the second is the steady state), then the same with every
      creator on the Display API; and each as a share of (a) (the target is 0,13);
  (c) TikTok's documented Display API limit (600 calls per 60 s sliding window) and 150 ms per
      answer in the sandbox, the same budget in ViewPay, a scheduler tick every second and a
      cadence that asks for twice what the limit allows: Display calls TikTok answered over
      two whole windows after one of warm-up, against the limit (target: 90 %), and 429s.
Budgets and cadence are set through the environment, as an operator would. Asserts nothing.
"""
import os
import signal
import socket
import subprocess
import sys
import tempfile
import time

ROOT = os.path.abspath(os.path.join(os.path.dirname(__file__), ".."))
sys.path.insert(0, ROOT)
PYTHON = sys.executable
WORKERS = int(os.environ.get("BENCH_WORKERS", "2"))
LIMIT_CALLS, LIMIT_WINDOW, LATENCY_MS = 600, 60, 150
MEASURE_WINDOWS = 2
UNLIMITED = "100000000"


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class Bench:
    def __init__(self, n: int):
        import requests

        self.n, self.tmp = n, tempfile.mkdtemp(prefix="viewpay-bench-")
        self.db_url = os.environ.get("DATABASE_URL") or f"sqlite:///{self.tmp}/bench.db"
        port = free_port()
        self.sandbox_url = f"http://127.0.0.1:{port}"
        self.http = requests.Session()
        self.log = open(os.path.join(self.tmp, "processes.log"), "ab")
        self.env = dict(
            os.environ, DATABASE_URL=self.db_url, SECRET_KEY="bench", INSTANCE_PATH=self.tmp,
            TIKTOK_WEB_BASE=self.sandbox_url, TIKTOK_API_BASE=self.sandbox_url,
            TIKTOK_VM_BASE=self.sandbox_url + "/_vm", TIKTOK_VT_BASE=self.sandbox_url + "/_vt",
            TIKTOK_CDN_BASE=self.sandbox_url + "/_cdn",
            TIKTOK_CLIENT_KEY="sandbox-client-key", TIKTOK_CLIENT_SECRET="sandbox-client-secret",
            TIKTOK_REDIRECT_URI="https://viewpay.example/account/tiktok/callback",
            TIKTOK_PAGE_RATE=UNLIMITED, TIKTOK_OEMBED_RATE=UNLIMITED,
            TIKTOK_DISPLAY_RATE=UNLIMITED, RATELIMIT_STORAGE_URI="memory://",
            LOG_LEVEL="WARNING", AUTO_APPROVE_HOURS="0")
        os.environ.update(self.env)  # before webapp.config is imported: this process too
        self.sandbox = self.spawn([PYTHON, "-m", "sandbox", "--port", str(port)])
        subprocess.run([PYTHON, "-m", "sandbox.wait", self.sandbox_url], check=True, cwd=ROOT)
        self.workers: list[subprocess.Popen] = []
        self.app = None

    def spawn(self, argv, **env) -> subprocess.Popen:
        return subprocess.Popen(argv, cwd=ROOT, env=dict(self.env, **env), stdout=self.log,
                                stderr=self.log, start_new_session=True)

    def make_app(self, **config):
        """This process's app (the bench plays the scheduler), configured like the workers:
        by the environment (os.environ is set before webapp is first imported)."""
        import jobs.context
        from webapp import create_app

        self.app = create_app({"RATELIMIT_ENABLED": False, **config})
        jobs.context.set_app(self.app)
        return self.app

    def knobs(self, **values) -> None:
        self.http.post(self.sandbox_url + "/_sandbox/knobs", json=values).raise_for_status()

    def start_workers(self, **env) -> None:
        self.workers = [self.spawn([PYTHON, "-m", "jobs.worker"], **env) for _ in range(WORKERS)]

    def stop_workers(self) -> None:
        for worker in self.workers:
            os.killpg(worker.pid, signal.SIGTERM)
        for worker in self.workers:
            worker.wait(30)
        self.workers = []

    def close(self) -> None:
        if self.workers:
            self.stop_workers()
        os.killpg(self.sandbox.pid, signal.SIGTERM)
        self.sandbox.wait(10)


def prepare(bench: Bench) -> None:
    """A fresh schema and Redis, then N videos loaded through the real services."""
    from flask_migrate import upgrade

    from webapp.extensions import db, jobqueue

    app = bench.make_app()
    with app.app_context():
        if db.engine.dialect.name == "postgresql":
            with db.engine.begin() as conn:
                conn.exec_driver_sql("DROP SCHEMA public CASCADE; CREATE SCHEMA public;")
        upgrade()
        jobqueue.connection.flushdb()
        db.engine.dispose()
    started = time.perf_counter()
    subprocess.run([PYTHON, "-m", "flask", "--app", "wsgi", "demo", "load", "--videos",
                    str(bench.n)], cwd=ROOT, env=bench.env, check=True, stdout=bench.log,
                   stderr=bench.log)
    print(f"loaded {bench.n} approved videos with `flask demo load` (verified over HTTP) in "
          f"{time.perf_counter() - started:.0f} s")
    with app.app_context():
        from webapp.submissions.models import Submission

        if jobqueue.connection.exists(jobqueue.queue.key):
            jobqueue.queue.compact()  # the ids of verify jobs `demo load` deleted, if any
        videos = db.session.scalars(db.select(Submission.video_id)).all()
    for video_id in videos:  # every refresh finds more views, so every one credits money
        bench.http.patch(f"{bench.sandbox_url}/_sandbox/videos/{video_id}",
                         json={"growth_per_hour": 36_000}).raise_for_status()


RAW_TABLES = {"submissions": "bench_raw_submissions", "view_snapshots": "bench_raw_snapshots",
              "ledger_entries": "bench_raw_ledger"}


def raw_ceiling(bench: Bench) -> float:
    """(a): a refresh's three writes in a plain Core loop, 20 per transaction, on copies of the
    three tables (their columns, defaults, checks and indexes; no triggers or foreign keys)."""
    import sqlalchemy as sa

    from webapp.extensions import db

    with bench.app.app_context():
        engine = db.engine
    with engine.begin() as conn:
        for source, copy in RAW_TABLES.items():
            _copy_table(conn, source, copy)
        conn.exec_driver_sql(f"INSERT INTO {RAW_TABLES['submissions']} SELECT * FROM submissions")
    meta = sa.MetaData()
    meta.reflect(engine, only=list(RAW_TABLES.values()))
    subs, snaps, ledger = (meta.tables[RAW_TABLES[t]] for t in RAW_TABLES)
    with engine.connect() as conn:
        rows = conn.execute(sa.select(subs.c.id, subs.c.creator_id, subs.c.credit_seq,
                                      subs.c.credited_views, subs.c.rate)).all()
        conn.rollback()
        started = time.perf_counter()
        for start in range(0, len(rows), 20):
            with conn.begin():
                for sub_id, creator_id, seq, views_from, rate in rows[start:start + 20]:
                    now, views = sa.func.now(), views_from + 1000
                    snap_id = conn.execute(snaps.insert().values(
                        submission_id=sub_id, views=views, likes=50, comments=2, shares=1,
                        source="page", exact=True, state="ok", fetched_at=now, created_at=now)
                        .returning(snaps.c.id)).scalar_one()
                    conn.execute(ledger.insert().values(
                        creator_id=creator_id, submission_id=sub_id, snapshot_id=snap_id,
                        kind="accrual", amount=rate * 1000, reserved=0,  # units of 10^-8
                        idempotency_key=f"snapshot:{snap_id}", views_from=views_from,
                        views_to=views, rate=rate, created_at=now))
                    conn.execute(subs.update().where(subs.c.id == sub_id,
                                                     subs.c.credit_seq == seq).values(
                        current_views=views, last_view_update=now, next_refresh_at=now,
                        refresh_failures=0, credit_seq=seq + 1, credited_views=views,
                        credited_snapshot_id=snap_id, updated_at=now))
        elapsed = time.perf_counter() - started
    with engine.begin() as conn:
        for copy in RAW_TABLES.values():
            conn.exec_driver_sql(f"DROP TABLE {copy}")
    return len(rows) / elapsed


def _copy_table(conn, source: str, copy: str) -> None:
    conn.exec_driver_sql(f"DROP TABLE IF EXISTS {copy}")
    if conn.dialect.name == "postgresql":
        conn.exec_driver_sql(f"CREATE TABLE {copy} (LIKE {source} INCLUDING ALL)")
        return
    ddl = conn.exec_driver_sql("SELECT type, name, sql FROM sqlite_master WHERE tbl_name = ? "
                               "AND sql IS NOT NULL AND type IN ('table', 'index') "
                               "ORDER BY type DESC", (source,)).all()
    for kind, name, sql in ddl:
        sql = sql.replace(f'"{source}"', copy).replace(f" {source} ", f" {copy} ", 1) \
            .replace(f" {source}(", f" {copy}(", 1)
        if kind == "index":
            sql = sql.replace(name, f"bench_{name}", 1)
        conn.exec_driver_sql(sql)


def pipeline_ceiling(bench: Bench) -> float:
    """(b): every video due at once, the workers already waiting; until all are refreshed."""
    from webapp.extensions import db, jobqueue
    from webapp.submissions.models import Submission
    from webapp.timeutil import utcnow
    from webapp.tracking.scheduling import enqueue_due_refreshes

    bench.knobs(latency_ms=0, rate_limits={"page": None, "oembed": None, "api": None})
    bench.start_workers()
    time.sleep(3)  # the workers are up and listening
    with bench.app.app_context():
        db.session.execute(db.update(Submission).values(next_refresh_at=utcnow()))
        db.session.commit()
        started, since = time.perf_counter(), utcnow()
        enqueue_due_refreshes()
        while not _drained(jobqueue.queue):
            time.sleep(0.05)
        elapsed = time.perf_counter() - started
        refreshed = db.session.scalar(db.select(db.func.count(Submission.id)).where(
            Submission.last_view_update >= since))
    if refreshed != bench.n:
        print(f"    (only {refreshed} of {bench.n} videos got a new count)")
    bench.stop_workers()
    return bench.n / elapsed


def _drained(queue) -> bool:
    """Nothing waiting and nothing running (looked at twice: a job between the two lists)."""
    for _ in range(2):
        if queue.count or queue.started_job_registry.count:
            return False
        time.sleep(0.02)
    return True


def connect_all(bench: Bench) -> None:
    """Every creator connects TikTok (Login Kit, consent at the sandbox): the Display API."""
    from urllib.parse import parse_qs, urlsplit

    from webapp.auth import connections
    from webapp.auth.models import User
    from webapp.extensions import db
    from webapp.tiktok.client import login_kit

    with bench.app.app_context():
        creators = db.session.execute(db.select(User.id, User.tiktok_handle).where(
            User.tiktok_handle.is_not(None))).all()
        for user_id, handle in creators:
            answer = bench.http.get(login_kit().authorize_url("s") + f"&sandbox_user={handle}"
                                    "&sandbox_auto=1", allow_redirects=False)
            code = parse_qs(urlsplit(answer.headers["Location"]).query)["code"][0]
            connections.connect(user_id, code)


def limited_rate(bench: Bench) -> tuple[int, int, int, int]:
    """(c): Display calls TikTok answered over MEASURE_WINDOWS whole windows after one window
    of warm-up (a sliding window spent in a burst at the start refills in bursts for a while:
    the sustained rate is what counts), the 429s, the videos refreshed meanwhile."""
    from datetime import datetime, timezone

    from webapp.extensions import db
    from webapp.submissions.models import Submission
    from webapp.timeutil import utcnow
    from webapp.tracking.models import ViewSnapshot
    from webapp.tracking.scheduling import enqueue_due_refreshes

    cadence = max(5, bench.n // (2 * LIMIT_CALLS * 20 // LIMIT_WINDOW))  # twice the limit
    bench.knobs(latency_ms=LATENCY_MS, rate_limits={"api": LIMIT_CALLS},
                rate_window_seconds=LIMIT_WINDOW)
    # ViewPay's own budgets as in production: the Display API's, and the page's default (a
    # Display call refused for budget falls back to the page, as it would there).
    env = dict(TIKTOK_DISPLAY_RATE=str(LIMIT_CALLS), TIKTOK_RATE_WINDOW_SECONDS=str(LIMIT_WINDOW),
               TIKTOK_PAGE_RATE="60", TIKTOK_OEMBED_RATE="120",
               REFRESH_YOUNG_SECONDS=str(cadence), REFRESH_OLD_SECONDS=str(cadence))
    app = bench.make_app(**{k: int(v) for k, v in env.items()})
    with app.app_context():
        db.session.execute(db.update(Submission).values(next_refresh_at=utcnow()))
        db.session.commit()
    bench.start_workers(**env)
    measure = MEASURE_WINDOWS * LIMIT_WINDOW
    warm_until = time.monotonic() + LIMIT_WINDOW
    deadline = warm_until + measure + 5
    started = None
    with app.app_context():
        while time.monotonic() < deadline:  # the scheduler: a tick a second
            if started is None and time.monotonic() >= warm_until:
                bench.http.post(bench.sandbox_url + "/_sandbox/requests/clear")
                started = time.time()
            enqueue_due_refreshes()
            time.sleep(1)
        since, until = (datetime.fromtimestamp(t, timezone.utc)
                        for t in (started, started + measure))
        refreshed = db.session.scalar(db.select(db.func.count(ViewSnapshot.id)).where(
            ViewSnapshot.source == "display", ViewSnapshot.created_at >= since,
            ViewSnapshot.created_at < until))
    bench.stop_workers()
    calls = [c for c in bench.http.get(bench.sandbox_url + "/_sandbox/requests",
                                       params={"path": "/v2/video/query/"}).json()["requests"]
             if started <= c["time"] < started + measure]
    answered = sum(1 for c in calls if c["status"] == 200)
    per_10s = [0] * (measure // 10)
    for c in calls:
        if c["status"] == 200:
            per_10s[min(len(per_10s) - 1, int((c["time"] - started) // 10))] += 1
    print("    Display calls answered per 10 s of the measurement: "
          + " ".join(str(n) for n in per_10s), flush=True)
    return answered, sum(1 for c in calls if c["status"] == 429), refreshed, cadence


def main(n: int, only: str | None = None) -> None:
    load = os.getloadavg()
    bench = Bench(n)
    try:
        prepare(bench)
        if only != "limited":
            raw = raw_ceiling(bench)
            page_first = pipeline_ceiling(bench)
            page = pipeline_ceiling(bench)
        connect_all(bench)
        if only != "limited":
            display = pipeline_ceiling(bench)
        if only != "unlimited":
            answered, throttled, refreshed, cadence = limited_rate(bench)
    finally:
        bench.close()
    engine = bench.db_url.split(":", 1)[0]
    limit = LIMIT_CALLS * MEASURE_WINDOWS
    print(f"database: {engine}, redis: {'REDIS_URL' if os.environ.get('REDIS_URL') else 'embedded'}"
          f", videos: {n}, workers: {WORKERS}, cpus: {os.cpu_count()}, load average at the "
          f"start {load[0]:.1f}, at the end {os.getloadavg()[0]:.1f}")
    if only != "limited":
        _print_ceilings(raw, page_first, page, display)
    if only != "unlimited":
        print(f"(c) Display API limited to {LIMIT_CALLS}/{LIMIT_WINDOW}s, {LATENCY_MS} ms per "
              f"answer, cadence {cadence} s: {answered} calls answered in {MEASURE_WINDOWS} "
              f"windows (after one of warm-up) of {limit} allowed = {answered / limit:.1%} "
              f"(target >= 90 %); {throttled} answered 429; "
              f"{refreshed / (MEASURE_WINDOWS * LIMIT_WINDOW):.0f} videos/s refreshed")


def _print_ceilings(raw: float, page_first: float, page: float, display: float) -> None:
    print(f"(a) raw write ceiling (Core loop, 3 writes, 20/transaction): {raw:8.0f} videos/s")
    print(f"(b) pipeline, unlimited sandbox, page fetches, first refresh after the load "
          f"(milestone notifications): {page_first:.0f} videos/s = {page_first / raw:.3f} of (a)")
    print(f"    pipeline, unlimited sandbox, page fetches:            {page:8.0f} videos/s"
          f"  = {page / raw:.3f} of (a)   (target >= 0.13)")
    print(f"    pipeline, unlimited sandbox, Display API (20 per call): {display:8.0f} videos/s"
          f"  = {display / raw:.3f} of (a)   (target >= 0.13)")


if __name__ == "__main__":
    import argparse

    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("videos", type=int, nargs="?", default=2000)
    parser.add_argument("--only", choices=("unlimited", "limited"),
                        help="run (a)+(b) or (c) alone (the load is always done)")
    args = parser.parse_args()
    main(args.videos, args.only)
