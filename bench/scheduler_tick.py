"""The scheduler's tick at a million tracked videos: how long selecting and leasing the due ones
takes, and the plan PostgreSQL uses for it.

    DATABASE_URL=postgresql://postgres@127.0.0.1:5432/bench_refresh \\
    REDIS_URL=redis://127.0.0.1:6379/13 .venv/bin/python bench/scheduler_tick.py [VIDEOS] [TICKS]

Careful: it wipes the database (DROP SCHEMA public) and flushes the Redis database it is given.
Migrates, then COPYs VIDEOS (1.000.000) submissions of 20 videos per creator: 90 % approved
(next refreshes spread over the coming week, 5 % of them overdue by up to a day), the rest
waiting, rejected or ended. Then times TICKS (20) ticks: the one statement that selects and
leases REFRESH_TICK_LIMIT (1.000) due videos (webapp.tracking.scheduling.lease_due), the
selection alone, and a whole scan round (that statement plus queueing the batch jobs in Redis).
Prints p50/p95 of each, and the EXPLAIN lines that show which index found the due videos.
Asserts nothing.
"""
import os
import random
import statistics
import sys
import tempfile
import time
from datetime import datetime, timedelta, timezone

ROOT = os.path.abspath(os.path.join(os.path.dirname(__file__), ".."))
sys.path.insert(0, ROOT)
PER_CREATOR = 20
STATUSES = ["approved"] * 18 + ["pending_review", "rejected"]


def main(videos: int, ticks: int) -> None:
    if not (os.environ.get("DATABASE_URL") or "").startswith(("postgres://", "postgresql")):
        sys.exit("scheduler_tick.py measures PostgreSQL: set DATABASE_URL")
    tmp = tempfile.mkdtemp(prefix="viewpay-tick-")
    os.environ.setdefault("SECRET_KEY", "bench")
    os.environ.setdefault("INSTANCE_PATH", tmp)
    from flask_migrate import upgrade

    from webapp import create_app
    from webapp.extensions import db, jobqueue

    app = create_app({"RATELIMIT_ENABLED": False})
    with app.app_context():
        with db.engine.begin() as conn:
            conn.exec_driver_sql("DROP SCHEMA public CASCADE; CREATE SCHEMA public;")
        upgrade()
        jobqueue.connection.flushdb()
        started = time.perf_counter()
        fill(db.engine, videos)
        print(f"{videos:,} submissions COPYed in {time.perf_counter() - started:.0f} s".replace(
            ",", "."))
        limit = app.config["REFRESH_TICK_LIMIT"]
        plan = explain(limit)
        times = time_ticks(app, ticks, limit)
    jobs = -(-limit // app.config["REFRESH_BATCH_SIZE"])
    for name, what in (("select", f"due selection of {limit} videos (the SELECT alone)"),
                       ("tick", f"tick: select and lease {limit} (one UPDATE ... RETURNING)"),
                       ("round", f"scan round: the tick + {jobs} batch jobs queued")):
        print(f"{what}: p50 {pct(times[name], 50):.1f} ms, p95 {pct(times[name], 95):.1f} ms")
    print("plan: " + plan)


def fill(engine, videos: int) -> None:
    """Creators and submissions by COPY (what months of submissions would have left)."""
    rng = random.Random(9)
    now = datetime.now(timezone.utc)
    creators = -(-videos // PER_CREATOR)
    raw = engine.raw_connection()
    try:
        cursor = raw.cursor()
        with cursor.copy("COPY users (id, email, password_hash, role, tiktok_handle, "
                         "tiktok_user_id, created_at) FROM STDIN") as copy:
            for n in range(1, creators + 1):
                copy.write_row((n, f"load{n}@example.com", "x", "creator", f"load.creator{n}",
                                str(7_300_000_000_000_000_000 + n), now))
        base = (int(now.timestamp()) - 200 * 86400) << 32
        with cursor.copy("COPY submissions (id, creator_id, video_id, canonical_url, "
                         "submitted_url, status, verify_attempts, video_created_at, rate, "
                         "current_views, last_view_update, next_refresh_at, refresh_failures, "
                         "credited_views, credit_seq, created_at, updated_at) "
                         "FROM STDIN") as copy:
            for n in range(1, videos + 1):
                status = rng.choice(STATUSES)
                posted = now - timedelta(days=rng.uniform(0, 200))
                due = None
                if status == "approved":
                    due = now + timedelta(days=rng.uniform(-1, 0) if rng.random() < 0.05
                                          else rng.uniform(0, 7))
                video_id = str(base + n * 7919)
                url = f"https://www.tiktok.com/@_/video/{video_id}"
                copy.write_row((n, (n - 1) // PER_CREATOR + 1, video_id, url, url, status, 1,
                                posted, 2489, 1000, now, due, 0, 1000, 1, posted, now))
        cursor.execute("SELECT setval('users_id_seq', %s)", (creators,))
        cursor.execute("SELECT setval('submissions_id_seq', %s)", (videos,))
        raw.commit()
        raw.driver_connection.autocommit = True  # VACUUM runs outside a transaction
        for table in ("users", "submissions"):  # as autovacuum leaves a table in service
            cursor.execute(f"VACUUM ANALYZE {table}")
        cursor.execute("CHECKPOINT")  # the load's writes flushed before the clock starts
    finally:
        raw.close()


def explain(limit: int) -> str:
    """The plan line naming how the due videos are found (an index scan, not a full scan)."""
    from webapp.extensions import db
    from webapp.timeutil import utcnow
    from webapp.tracking.scheduling import LEASE_SECONDS, due_videos, lease_statement

    now = utcnow()
    statement = lease_statement(due_videos(now, limit), now + timedelta(seconds=LEASE_SECONDS),
                                "postgresql")
    sql = statement.compile(db.engine, compile_kwargs={"literal_binds": True})
    lines = [row[0] for row in db.session.execute(db.text(f"EXPLAIN {sql}"))]
    db.session.rollback()
    found = [line.strip() for line in lines if "Scan" in line and "submissions" in line]
    return " | ".join(found) or " / ".join(lines)


def time_ticks(app, ticks: int, limit: int) -> dict[str, list[float]]:
    """Milliseconds per tick: the due selection alone (the SELECT), the tick (that selection
    leasing what it finds: one UPDATE ... RETURNING) and, every other tick, a whole scan round
    (the tick plus its batch jobs queued)."""
    from webapp.extensions import db, jobqueue
    from webapp.timeutil import utcnow
    from webapp.tracking import scheduling

    times: dict[str, list[float]] = {"select": [], "tick": [], "round": []}
    for n in range(ticks):
        started = time.perf_counter()
        db.session.scalars(scheduling.due_videos(utcnow(), limit)).all()
        times["select"].append((time.perf_counter() - started) * 1000)
        db.session.rollback()
        started = time.perf_counter()
        leased = scheduling.lease_due(limit)
        times["tick"].append((time.perf_counter() - started) * 1000)
        if n % 2:
            scheduling.enqueue_leased(leased)
            times["round"].append((time.perf_counter() - started) * 1000)
            jobqueue.connection.flushdb()
        assert len(leased) == limit, "fewer videos due than a tick takes: load more"
    return times


def pct(values: list[float], p: int) -> float:
    return statistics.quantiles(values, n=100, method="inclusive")[p - 1] if len(values) > 1 \
        else values[0]


if __name__ == "__main__":
    main(int(sys.argv[1]) if len(sys.argv) > 1 else 1_000_000,
         int(sys.argv[2]) if len(sys.argv) > 2 else 20)
