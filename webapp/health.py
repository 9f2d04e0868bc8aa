"""`/healthz` for load balancers and uptime checks: no login, no secrets, JSON, 503 when unhealthy.

Unhealthy means the database or Redis does not answer, or the scheduler missed three ticks
(refreshing has stopped). Queue depth and the age of each source's last successful fetch are
reported for the operator; TikTok being quiet does not make ViewPay unhealthy.
"""
import redis
from flask import Blueprint, jsonify
from sqlalchemy import text

from webapp import operations
from webapp.extensions import db, jobqueue, limiter

bp = Blueprint("health", __name__)
PROBE_TIMEOUT = 2.0  # seconds; a health check must answer even when a backend hangs


@bp.get("/healthz")
@limiter.exempt
def healthz():
    """Database, Redis, queues, the scheduler's last tick and each source's last success."""
    body = {"database": {"ok": _database_ok()}, "redis": {"ok": _redis_ok()},
            "queues": None, "scheduler": {"stale": True}, "fetches": None}
    if body["redis"]["ok"]:
        try:
            body.update(queues=operations.queue_depths(), scheduler=operations.scheduler_tick(),
                        fetches=operations.last_fetches())
        except redis.RedisError:
            body["redis"]["ok"] = False  # went away between the probe and the reads
    body["ok"] = (body["database"]["ok"] and body["redis"]["ok"]
                  and not body["scheduler"]["stale"])
    response = jsonify(body)
    response.status_code = 200 if body["ok"] else 503
    response.headers["Cache-Control"] = "no-store"
    return response


def _database_ok() -> bool:
    try:
        db.session.execute(text("SELECT 1"))
        ok = True
    except Exception:  # any failure to answer is "down"; the reason stays out of a public page
        ok = False
    try:
        db.session.rollback()
    except Exception:
        pass  # the session is discarded at the end of the request anyway
    return ok


def _redis_ok() -> bool:
    try:
        pool = jobqueue.connection.connection_pool
        probe = redis.Redis(connection_pool=redis.ConnectionPool(
            connection_class=pool.connection_class,
            **{**pool.connection_kwargs, "socket_timeout": PROBE_TIMEOUT,
               "socket_connect_timeout": PROBE_TIMEOUT}))
        try:
            return bool(probe.ping())
        finally:
            probe.close()
    except Exception:  # refused, timed out, or an embedded server that cannot start
        return False
