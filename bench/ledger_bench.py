"""How fast the ledger is on this machine, through the real services and database.

    .venv/bin/python bench/ledger_bench.py [N_ENTRIES]

Builds a fresh migrated database (DATABASE_URL, whose schema is DROPPED, or a temp SQLite
file) and measures:
  - credits: snapshot + credit_snapshot per second, one worker and four threads at once
  - balance: totals() (three SUMs) for a creator with N entries
  - payouts: request -> approve -> mark paid cycles per second
  - verify: a full `ledger verify` over everything booked
Prints figures; asserts nothing about speed.
"""
import os
import sys
import tempfile
import threading
import time
import uuid
from decimal import Decimal

sys.path.insert(0, os.path.join(os.path.dirname(__file__), ".."))


def _video(db, creator_id: int, n: int):
    from webapp.submissions.models import APPROVED, Submission

    sub = Submission(creator_id=creator_id, video_id=str(7_000_000_000_000_000_000 + n),
                     canonical_url="https://www.tiktok.com/@bench/video/1", submitted_url="x",
                     status=APPROVED, rate=Decimal("0.00002489"), verify_attempts=0,
                     refresh_failures=0, credited_views=0, credit_seq=0)
    db.session.add(sub)
    db.session.commit()
    return sub.id


def _credit_run(sub_id: int, count: int, start: int) -> None:
    from webapp.earnings import services as earnings
    from webapp.tiktok.stats import VideoStats
    from webapp.tracking import services as tracking

    for views in range(start, start + count):
        snap = tracking.record_snapshot(sub_id, VideoStats(video_id="1", source="page",
                                                           views=views * 100_000))
        earnings.credit_snapshot(sub_id, snap.id)


def main(n: int) -> None:
    from flask_migrate import upgrade

    from webapp import create_app
    from webapp.auth import services as auth
    from webapp.earnings import payouts, services as earnings
    from webapp.earnings.bank import save_account
    from webapp.earnings.verify import verify_ledger
    from webapp.extensions import db

    tmp = tempfile.mkdtemp(prefix="viewpay-ledger-bench-")
    url = os.environ.get("DATABASE_URL") or f"sqlite:///{tmp}/bench.db"
    app = create_app({"SQLALCHEMY_DATABASE_URI": url, "SECRET_KEY": "bench",
                      "REDIS_URL": os.environ.get("REDIS_URL") or None,
                      "PAYOUT_MINIMUM": Decimal(1), "INSTANCE_PATH": tmp,
                      "VALIDATION_DAYS": 0})  # withdraw at once: the bench times the ledger
    with app.app_context():
        if db.engine.dialect.name == "postgresql":
            with db.engine.begin() as conn:
                conn.exec_driver_sql("DROP SCHEMA public CASCADE; CREATE SCHEMA public;")
        upgrade()
        print(f"database: {db.engine.dialect.name}, {n} credits")
        creator = auth.create_user("bench@example.com", "password123", handle="bench.creator")
        admin = auth.create_admin("admin@example.com", "password123")
        creator_id, admin_id = creator.id, admin.id
        save_account(creator_id, "bca", "1234567890", "Bench Creator")
        sub_id = _video(db, creator_id, 0)
        started = time.perf_counter()
        _credit_run(sub_id, n, 1)
        took = time.perf_counter() - started
        print(f"credits, one worker:      {n / took:8.0f} /s  (snapshot + credit, each committed)")
        thread_subs = [_video(db, creator_id, i) for i in range(1, 5)]

    def worker(sub_id):
        with app.app_context():
            _credit_run(sub_id, n // 4, 1)
            db.session.remove()

    threads = [threading.Thread(target=worker, args=(s,)) for s in thread_subs]
    started = time.perf_counter()
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    took = time.perf_counter() - started
    print(f"credits, four threads:    {4 * (n // 4) / took:8.0f} /s")

    with app.app_context():
        entries = earnings.ledger_version(creator_id)[0]
        started = time.perf_counter()
        for _ in range(50):
            totals = earnings.totals(creator_id)
        took = (time.perf_counter() - started) / 50
        print(f"balance over {entries} entries: {took * 1000:6.2f} ms  ({totals.balance})")
        cycles = max(n // 20, 10)
        started = time.perf_counter()
        for _ in range(cycles):
            payout = payouts.request_payout(creator_id, Decimal(1), uuid.uuid4().hex)
            payouts.approve(payout.id, admin_id)
            payouts.mark_paid(payout.id, admin_id, "BENCH-REF")
        took = time.perf_counter() - started
        print(f"payout cycles:            {cycles / took:8.0f} /s  (request, approve, paid)")
        started = time.perf_counter()
        problems = verify_ledger()
        took = time.perf_counter() - started
        print(f"ledger verify:            {took * 1000:8.0f} ms  ({len(problems)} mismatches)")


if __name__ == "__main__":
    main(int(sys.argv[1]) if len(sys.argv) > 1 else 2000)
