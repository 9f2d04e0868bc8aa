"""How fast the core loop runs on this machine, through real parts.

    .venv/bin/python bench/refresh_throughput.py [N_VIDEOS]

Starts the TikTok sandbox on a loopback port, builds a fresh migrated database (DATABASE_URL
or a temp SQLite file) and Redis (REDIS_URL or embedded), then measures:
  - verification: submit + verify N videos (page fetch + ownership check + first snapshot)
  - refresh: `jobs refresh-due` + one forking RQ worker in burst mode over N approved videos
  - the creator's live fragment: a full render vs the 304 answer when nothing changed
Prints figures; asserts nothing about speed.
"""
import os
import sys
import tempfile
import time
from decimal import Decimal

sys.path.insert(0, os.path.join(os.path.dirname(__file__), ".."))


def main(n: int) -> None:
    import requests
    from flask_migrate import upgrade

    import jobs.context
    from jobs.worker import make_worker
    from sandbox.server import serve_in_thread
    from webapp import create_app
    from webapp.auth import services as auth
    from webapp.earnings import services as earnings
    from webapp.extensions import db, jobqueue
    from webapp.submissions import services as subs
    from webapp.tracking.scheduling import enqueue_due_refreshes

    sandbox = serve_in_thread()
    tmp = tempfile.mkdtemp(prefix="viewpay-bench-")
    url = os.environ.get("DATABASE_URL") or f"sqlite:///{tmp}/bench.db"
    app = create_app({
        "SQLALCHEMY_DATABASE_URI": url, "REDIS_URL": os.environ.get("REDIS_URL") or None,
        "TIKTOK_WEB_BASE": sandbox.base_url, "TIKTOK_API_BASE": sandbox.base_url,
        "TIKTOK_VM_BASE": sandbox.base_url + "/_vm", "TIKTOK_VT_BASE": sandbox.base_url + "/_vt",
        "RATELIMIT_ENABLED": False, "SECRET_KEY": "bench", "INSTANCE_PATH": tmp,
    })
    jobs.context.set_app(app)
    with app.app_context():
        if db.engine.dialect.name == "postgresql":
            with db.engine.begin() as conn:
                conn.exec_driver_sql("DROP SCHEMA public CASCADE; CREATE SCHEMA public;")
        upgrade()
        jobqueue.connection.flushdb()
        user = requests.post(sandbox.base_url + "/_sandbox/users",
                             json={"user_id": "6821785806140729777", "handle": "bench.creator"}).json()
        creator = auth.create_user("bench@example.com", "password123", handle="bench.creator")
        admin = auth.create_admin("admin@example.com", "password123")
        base = (int(time.time()) - 86400) << 32
        ids = [str(base + i) for i in range(n)]
        for i, vid in enumerate(ids):
            requests.post(sandbox.base_url + "/_sandbox/videos",
                          json={"video_id": vid, "user_id": user["user_id"], "views": 1000 + i})

        started = time.perf_counter()
        sub_ids = [subs.submit(creator.id, f"https://www.tiktok.com/@bench.creator/video/{vid}").id
                   for vid in ids]
        jobqueue.connection.flushdb()  # measure verification inline, not through the queue
        for sub_id in sub_ids:
            subs.verify(sub_id)
        verify_s = time.perf_counter() - started
        for sub_id in sub_ids:
            subs.approve(sub_id, admin.id)
        for i, vid in enumerate(ids):
            requests.patch(sandbox.base_url + f"/_sandbox/videos/{vid}", json={"views": 5000 + i})

        started = time.perf_counter()
        queued = enqueue_due_refreshes()
        make_worker(app).work(burst=True, with_scheduler=False)
        refresh_s = time.perf_counter() - started
        expected = sum((earnings_for(5000 + i) for i in range(n)), Decimal(0))
        balance = earnings.balance(creator.id)

    client = app.test_client()
    app.config["WTF_CSRF_ENABLED"] = False  # the benchmark logs in directly, not via a form page
    with client:
        client.post("/login", data={"email": "bench@example.com", "password": "password123"})
        full = timed(lambda: client.get("/dashboard/live", headers={"HX-Request": "true"}), 20)
        etag = client.get("/dashboard/live").headers["ETag"]
        cached = timed(lambda: client.get("/dashboard/live", headers={
            "HX-Request": "true", "If-None-Match": etag}), 200)
    sandbox.shutdown()

    engine = url.split(":", 1)[0]
    print(f"database: {engine}, redis: {'REDIS_URL' if os.environ.get('REDIS_URL') else 'embedded'}, videos: {n}")
    print(f"verification (page fetch + owner check + snapshot): {n / verify_s:8.1f} videos/s")
    print(f"refresh via RQ worker ({queued} jobs, fork per job): {n / refresh_s:8.1f} videos/s")
    print(f"live fragment, full render with {n} videos:    {full * 1000:8.2f} ms")
    print(f"live fragment, 304 when unchanged:             {cached * 1000:8.2f} ms")
    print(f"balance {balance} == expected {expected}: {balance == expected}")


def earnings_for(views: int) -> Decimal:
    return Decimal("0.00002489") * views


def timed(call, repeat: int) -> float:
    started = time.perf_counter()
    for _ in range(repeat):
        response = call()
        assert response.status_code in (200, 304), response.status_code
    return (time.perf_counter() - started) / repeat


if __name__ == "__main__":
    main(int(sys.argv[1]) if len(sys.argv) > 1 else 200)
