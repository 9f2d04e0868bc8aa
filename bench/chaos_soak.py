"""Faults at random against a live stack; afterwards nothing is lost, doubled or left stale.

    .venv/bin/python bench/chaos_soak.py --seed 7 --minutes 5 [--videos 80] [--pg-stop]

Starts, as real processes: the TikTok sandbox, its own redis-server (append-only file, so a
restart keeps the queue, as a managed Redis does), two RQ workers and the scheduler, on
DATABASE_URL (its database is wiped: point it at a scratch database such as
postgresql://postgres@127.0.0.1:5432/soak) or a temp SQLite file. Seeds proven creators with
growing videos, then for --minutes injects faults on a schedule drawn from --seed (the same
seed replays the same schedule):

  kill_horse     SIGKILL a worker's work horse mid-job (before or after its commit)
  term_worker    SIGTERM a worker (a dyno shutdown), then start a new one
  redis_restart  shut Redis down and start it again 2 s later
  pg_stop        stop PostgreSQL for 20 s (only with --pg-stop; stops this machine's cluster)
  two_schedulers a second scheduler for 30 s
  refresh_due_x5 `jobs refresh-due` five times at once
  provider       the sandbox answers 5xx / 429 / slowly / garbled for 20 s

Then it waits for two scan intervals plus one refresh cadence and prints one line:
  faults=<by type> lost=0 duplicate=0 stale=0 verify=ok seed=N
lost: verified counts never credited; duplicate: a snapshot credited twice or a balance above
what its videos earned; stale: due videos not refreshed within two scan intervals.
"""
import argparse
import os
import random
import signal
import subprocess
import sys
import tempfile
import time
from collections import Counter

ROOT = os.path.abspath(os.path.join(os.path.dirname(__file__), ".."))
sys.path.insert(0, ROOT)
from _services import free_port, start_redis, stop_redis, wait_port  # noqa: E402
PYTHON = sys.executable
SCAN_SECONDS, CADENCE_SECONDS = 5, 20
FAULTS = ("kill_horse", "term_worker", "redis_restart", "two_schedulers", "refresh_due_x5",
          "provider")


class Stack:
    """The processes of a deployment, started and restarted the way a platform would."""

    def __init__(self, db_url: str, tmp: str):
        self.tmp, self.db_url = tmp, db_url
        self.redis_port, self.sandbox_port = free_port(), free_port()
        self.sandbox_url = f"http://127.0.0.1:{self.sandbox_port}"
        self.env = dict(
            os.environ, DATABASE_URL=db_url, REDIS_URL=f"redis://127.0.0.1:{self.redis_port}/0",
            SECRET_KEY="soak", TIKTOK_WEB_BASE=self.sandbox_url, TIKTOK_API_BASE=self.sandbox_url,
            TIKTOK_VM_BASE=self.sandbox_url + "/_vm", TIKTOK_VT_BASE=self.sandbox_url + "/_vt",
            TIKTOK_CDN_BASE=self.sandbox_url + "/_cdn",
            REFRESH_SCAN_SECONDS=str(SCAN_SECONDS), REFRESH_YOUNG_SECONDS=str(CADENCE_SECONDS),
            REFRESH_OLD_SECONDS=str(CADENCE_SECONDS), CREDIT_GRACE_SECONDS="5",
            VALIDATION_DAYS="0", TIKTOK_TIMEOUT_SECONDS="3", TIKTOK_PAGE_RATE="100000",
            TIKTOK_OEMBED_RATE="100000", TIKTOK_BREAKER_MIN_CALLS="1000000",
            LEDGER_VERIFY_SECONDS="86400", PYTHONPATH=ROOT, INSTANCE_PATH=tmp)
        self.workers: list[subprocess.Popen] = []
        self.scheduler = self.redis = self.sandbox = None
        self.log = open(os.path.join(tmp, "stack.log"), "ab")

    def start(self) -> None:
        self.start_redis()
        self.sandbox = self._spawn([PYTHON, "-m", "sandbox", "--port", str(self.sandbox_port)])
        wait_port(self.sandbox_port, timeout=15)

    def start_processes(self) -> None:
        self.workers = [self.start_worker(), self.start_worker()]
        self.scheduler = self.start_scheduler()

    def _spawn(self, argv) -> subprocess.Popen:
        return subprocess.Popen(argv, cwd=ROOT, env=self.env, stdout=self.log, stderr=self.log,
                                start_new_session=True)

    def start_worker(self) -> subprocess.Popen:
        return self._spawn([PYTHON, "-m", "jobs.worker"])

    def start_scheduler(self) -> subprocess.Popen:
        return self._spawn([PYTHON, "-m", "jobs.scheduler"])

    def start_redis(self) -> None:
        self.redis = start_redis(self.redis_port, self.tmp, self.log, durable=True)

    def stop_redis(self) -> None:
        stop_redis(self.redis_port, self.redis)

    def horses(self) -> list[int]:
        found = []
        for worker in self.workers:
            try:
                with open(f"/proc/{worker.pid}/task/{worker.pid}/children") as f:
                    found += [int(pid) for pid in f.read().split()]
            except OSError:
                continue
        return found

    def alive(self) -> dict:
        return {"workers": sum(w.poll() is None for w in self.workers),
                "scheduler": self.scheduler.poll() is None}

    def stop(self) -> None:
        for proc in self.workers + [self.scheduler, self.sandbox]:
            if proc and proc.poll() is None:
                os.killpg(proc.pid, signal.SIGTERM)
        for proc in self.workers + [self.scheduler, self.sandbox]:
            try:
                proc and proc.wait(timeout=15)
            except subprocess.TimeoutExpired:
                os.killpg(proc.pid, signal.SIGKILL)
        if self.redis and self.redis.poll() is None:
            self.stop_redis()


def seed_data(stack: Stack, n_videos: int, rng: random.Random) -> None:
    """Proven creators with growing videos, submitted, verified and approved for real."""
    import requests
    from flask_migrate import upgrade

    from webapp import create_app
    from webapp.auth import services as auth
    from webapp.auth.bio import bind_identity
    from webapp.extensions import db
    from webapp.submissions import services as subs

    app = create_app({"SQLALCHEMY_DATABASE_URI": _sqlalchemy_url(stack.db_url),
                      "REDIS_URL": stack.env["REDIS_URL"], "SECRET_KEY": "soak",
                      "TIKTOK_WEB_BASE": stack.sandbox_url, "TIKTOK_API_BASE": stack.sandbox_url,
                      "RATELIMIT_ENABLED": False, "VERIFY_MAX_ATTEMPTS": 5,
                      "INSTANCE_PATH": stack.tmp})
    with app.app_context():
        if db.engine.dialect.name == "postgresql":
            with db.engine.begin() as conn:
                conn.exec_driver_sql("DROP SCHEMA public CASCADE; CREATE SCHEMA public;")
        upgrade(directory=os.path.join(ROOT, "migrations"))
        admin = auth.create_admin("admin@example.com", "soak-admin-pw-91")
        base = (int(time.time()) - 2 * 86400) << 32
        for c in range(4):
            handle, tt_id = f"soak.creator{c}", str(6_800_000_000_000_000_000 + c)
            requests.post(stack.sandbox_url + "/_sandbox/users",
                          json={"user_id": tt_id, "handle": handle}, timeout=5).raise_for_status()
            creator = auth.create_user(f"c{c}@example.com", "soak-creator-pw-91", handle=handle)
            bind_identity(creator.id, tt_id, handle)
            for v in range(n_videos // 4):
                vid = str(base + c * 1000 + v)
                views = rng.randint(1_000, 200_000)
                requests.post(stack.sandbox_url + "/_sandbox/videos", json={
                    "video_id": vid, "user_id": tt_id, "views": views, "likes": views // 20,
                    "growth_per_hour": rng.randint(500, 20_000)}, timeout=5).raise_for_status()
                sub = subs.submit(creator.id, f"https://www.tiktok.com/@{handle}/video/{vid}")
                subs.verify(sub.id)
                subs.approve(sub.id, admin.id)
        db.session.remove()
        db.engine.dispose()


def _sqlalchemy_url(url: str) -> str:
    for prefix in ("postgres://", "postgresql://"):
        if url.startswith(prefix):
            return "postgresql+psycopg://" + url[len(prefix):]
    return url


def schedule(seed: int, minutes: float, pg_stop: bool) -> list[tuple[float, str]]:
    """(seconds from start, fault): the same seed gives the same schedule."""
    rng = random.Random(seed)
    kinds = FAULTS + (("pg_stop",) if pg_stop else ())
    at, plan = 5.0, []
    while at < minutes * 60:
        plan.append((round(at, 1), rng.choice(kinds)))
        at += rng.uniform(8, 25)
    return plan


def inject(stack: Stack, fault: str, rng: random.Random) -> None:
    import requests

    if fault == "kill_horse":
        horses = stack.horses()
        if horses:
            os.kill(rng.choice(horses), signal.SIGKILL)
    elif fault == "term_worker":
        i = rng.randrange(len(stack.workers))
        os.killpg(stack.workers[i].pid, signal.SIGTERM)
        try:
            stack.workers[i].wait(timeout=60)
        except subprocess.TimeoutExpired:
            os.killpg(stack.workers[i].pid, signal.SIGKILL)
        stack.workers[i] = stack.start_worker()  # the platform starts a new dyno
    elif fault == "redis_restart":
        stack.stop_redis()
        time.sleep(2)
        stack.start_redis()
    elif fault == "pg_stop":
        cluster = os.listdir("/etc/postgresql")[0]
        subprocess.run(["pg_ctlcluster", "--skip-systemctl-redirect", cluster, "main", "stop"],
                       check=True)
        time.sleep(20)
        subprocess.run(["pg_ctlcluster", "--skip-systemctl-redirect", cluster, "main", "start"],
                       check=True)
    elif fault == "two_schedulers":
        second = stack.start_scheduler()
        time.sleep(30)
        os.killpg(second.pid, signal.SIGTERM)
        second.wait(timeout=30)
    elif fault == "refresh_due_x5":
        runs = [stack._spawn([PYTHON, "-m", "flask", "--app", "wsgi", "jobs", "refresh-due"])
                for _ in range(5)]
        for run in runs:
            run.wait(timeout=120)
    elif fault == "provider":
        knobs = rng.choice([{"error_rate": 1.0}, {"error_rate": 0.5},
                            {"latency_ms": 4000}, {"rate_limits": {"page": 0}}])
        requests.post(stack.sandbox_url + "/_sandbox/knobs", json=knobs, timeout=5)
        time.sleep(20)
        requests.post(stack.sandbox_url + "/_sandbox/knobs", json={
            "error_rate": 0.0, "latency_ms": 0, "rate_limits": {"page": None}}, timeout=5)


def judge(stack: Stack) -> dict:
    """lost / duplicate / stale / verify, read from the database after the faults."""
    from sqlalchemy import func, select

    from webapp import create_app
    from webapp.earnings.models import LedgerEntry
    from webapp.earnings.recovery import uncredited
    from webapp.earnings.verify import verify_ledger
    from webapp.extensions import db
    from webapp.submissions.models import APPROVED, Submission
    from webapp.timeutil import utcnow
    from datetime import timedelta

    app = create_app({"SQLALCHEMY_DATABASE_URI": _sqlalchemy_url(stack.db_url),
                      "REDIS_URL": stack.env["REDIS_URL"], "SECRET_KEY": "soak",
                      "CREDIT_GRACE_SECONDS": 5, "INSTANCE_PATH": stack.tmp})
    with app.app_context():
        problems = verify_ledger()
        lost = len(uncredited(grace_seconds=5))
        doubled = db.session.scalar(select(func.count()).select_from(
            select(LedgerEntry.snapshot_id).where(LedgerEntry.snapshot_id.is_not(None))
            .group_by(LedgerEntry.snapshot_id).having(func.count() > 1).subquery()))
        over = [p for p in problems if "earnings" in p.check and p.actual > p.expected]
        overdue = utcnow() - timedelta(seconds=2 * SCAN_SECONDS)
        stale = db.session.scalar(select(func.count(Submission.id)).where(
            Submission.status == APPROVED, Submission.next_refresh_at < overdue))
        db.session.remove()
        db.engine.dispose()
    return {"lost": lost, "duplicate": doubled + len(over), "stale": stale,
            "verify": "ok" if not problems else f"{len(problems)}-mismatches"}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--minutes", type=float, default=5)
    parser.add_argument("--videos", type=int, default=80)
    parser.add_argument("--pg-stop", action="store_true")
    args = parser.parse_args()
    tmp = tempfile.mkdtemp(prefix="viewpay-soak-")
    db_url = os.environ.get("DATABASE_URL") or f"sqlite:///{tmp}/soak.db"
    if args.pg_stop and not db_url.startswith("postgres"):
        sys.exit("--pg-stop needs DATABASE_URL on this machine's PostgreSQL")
    rng = random.Random(args.seed)
    stack = Stack(db_url, tmp)
    faults = Counter()
    try:
        stack.start()
        seed_data(stack, args.videos, rng)
        stack.start_processes()
        started = time.monotonic()
        for at, fault in schedule(args.seed, args.minutes, args.pg_stop):
            time.sleep(max(0.0, started + at - time.monotonic()))
            inject(stack, fault, rng)
            faults[fault] += 1
            print(f"  {time.monotonic() - started:6.1f}s {fault} {stack.alive()}", flush=True)
        time.sleep(CADENCE_SECONDS + 3 * SCAN_SECONDS + 10)  # faults over: let it catch up
        alive = stack.alive()
        result = judge(stack)
    finally:
        stack.stop()
    by_type = ",".join(f"{k}:{v}" for k, v in sorted(faults.items())) or "none"
    print(f"processes alive at the end: {alive} (logs: {tmp}/stack.log)")
    print(f"faults={by_type} lost={result['lost']} duplicate={result['duplicate']} "
          f"stale={result['stale']} verify={result['verify']} seed={args.seed}")


if __name__ == "__main__":
    main()
