"""Batch view lookups: the request parses the URLs and queues one RQ job; the job works through
them and keeps its progress and results in Redis (24 h), where GET /api/jobs/<id> reads them.

Tracked (approved) videos are refreshed through tracking's normal path, so their counts are
stored and credited; any other video is looked up on its public page and only reported. A job
run again (RQ retries it after a Redis or database outage) resumes after the last stored result.
"""
import json
import logging
import re
import uuid

from rq import Retry
from rq.exceptions import NoSuchJobError
from rq.job import Job, JobStatus
from sqlalchemy import select

from webapp.api import links
from webapp.api.errors import ApiError
from webapp.extensions import db, jobqueue
from webapp.outages import INFRA_ERRORS
from webapp.submissions.models import APPROVED, Submission
from webapp.tiktok.client import Sources
from webapp.tiktok.errors import TikTokError
from webapp.tracking import refresh as tracking_refresh
from webapp.tracking.services import latest_snapshot

log = logging.getLogger(__name__)
MAX_URLS = 1000
TTL_SECONDS = 24 * 3600
JOB = "jobs.api.batch_views"
JOB_ID = re.compile(r"[0-9a-f]{32}")
QUEUED, RUNNING, DONE = "queued", "running", "done"
COUNTED = ("ok", "suspect", "inexact")  # refresh outcomes that stored a count


def _keys(job_id: str) -> tuple[str, str, str]:
    base = f"viewpay:api:batch:{job_id}"
    return base, base + ":items", base + ":results"


def start(urls) -> dict:
    """Check the URLs, queue the job; the 202 answer: job id, accepted and rejected URLs."""
    if not isinstance(urls, list) or not urls or not all(isinstance(u, str) for u in urls):
        raise ApiError(422, "invalid_request", "video_urls must be a non-empty list of strings.")
    if len(urls) > MAX_URLS:
        raise ApiError(413, "too_many_urls", f"Send at most {MAX_URLS} URLs per batch.")
    accepted, rejected, items = [], [], []
    for url in urls:
        try:
            parsed = links.parse(url)
        except links.LinkError as exc:
            rejected.append({"url": url, "reason": exc.code})
            continue
        accepted.append({"url": url, "video_id": parsed.video_id})  # None: a short link
        items.append(json.dumps({"url": url, "video_id": parsed.video_id,
                                 "short_url": parsed.short_url}))
    job_id = uuid.uuid4().hex
    meta, items_key, _ = _keys(job_id)
    with jobqueue.connection.pipeline() as pipe:
        pipe.hset(meta, mapping={"status": QUEUED if items else DONE, "total": len(items)})
        pipe.expire(meta, TTL_SECONDS)
        if items:
            pipe.rpush(items_key, *items)
            pipe.expire(items_key, TTL_SECONDS)
        pipe.execute()
    if items:
        jobqueue.enqueue(JOB, job_id, job_id=f"api-batch-{job_id}", timeout=3600,
                         retry=Retry(max=3, interval=[10, 30, 90]))
    return {"job_id": job_id, "accepted": accepted, "rejected": rejected}


def status(job_id: str) -> dict:
    meta, items_key, results_key = _keys(job_id)
    found = jobqueue.connection.hgetall(meta) if JOB_ID.fullmatch(job_id or "") else {}
    if not found:
        raise ApiError(404, "not_found", "No batch job has this id (they are kept 24 hours).")
    results = [json.loads(r) for r in jobqueue.connection.lrange(results_key, 0, -1)]
    state = found[b"status"].decode()
    if state != DONE and _gave_up(job_id):
        # RQ spent its retries (our database or Redis stayed down): the client must not poll
        # "running" forever. Every URL not looked up says so; done counts what was answered.
        state = DONE
        items = jobqueue.connection.lrange(items_key, len(results), -1)
        results += [{"url": item["url"], "video_id": item["video_id"], "views": None,
                     "exact": None, "error": "not_processed"}
                    for item in map(_readable, items)]
    return {"status": state, "done": len(results),
            "total": int(found[b"total"]), "results": results}


def _readable(raw: bytes) -> dict:
    """A stored item, or what is left of it when it cannot be read (what failed the job)."""
    try:
        return json.loads(raw)
    except ValueError:
        return {"url": raw.decode("utf-8", "replace"), "video_id": None}


def _gave_up(job_id: str) -> bool:
    """The job failed for good: failed in RQ with no retry left (a retry waits as scheduled)."""
    try:
        job = Job.fetch(f"api-batch-{job_id}", connection=jobqueue.connection)
    except NoSuchJobError:
        return False  # not picked up yet, or its record expired with a finished run
    return job.get_status(refresh=True) == JobStatus.FAILED


def run(job_id: str) -> int:
    """The job: look up every accepted URL in order; returns how many it did this run."""
    redis = jobqueue.connection
    meta, items_key, results_key = _keys(job_id)
    if not redis.exists(meta):
        return 0  # expired before a worker got to it
    redis.hset(meta, "status", RUNNING)
    items = [json.loads(i) for i in redis.lrange(items_key, 0, -1)]
    sources, seen = Sources(), {}
    start_at = redis.llen(results_key)  # a retried run resumes here
    for item in items[start_at:]:
        result = _look_up(item, sources, seen)
        with redis.pipeline() as pipe:
            pipe.rpush(results_key, json.dumps(result))
            pipe.expire(results_key, TTL_SECONDS)
            pipe.execute()
    redis.hset(meta, "status", DONE)
    return len(items) - start_at


def _look_up(item: dict, sources: Sources, seen: dict) -> dict:
    result = {"url": item["url"], "video_id": item["video_id"], "views": None, "exact": None,
              "error": None}
    try:
        if result["video_id"] is None:
            result["video_id"] = links.resolve(links.parse(item["url"]), sources.http)
        video_id = result["video_id"]
        if video_id not in seen:  # the same video twice in a batch is fetched once
            seen[video_id] = _counts(video_id, sources)
        result.update(seen[video_id])
    except links.LinkError as exc:
        result["error"] = exc.code
    except INFRA_ERRORS:
        raise  # to RQ, which retries the job; it resumes after the last stored result
    except Exception:  # a bug on one URL must not lose the rest of the batch
        db.session.rollback()
        log.exception("batch lookup of %r failed", item["url"])
        result["error"] = "error"
    return result


def _counts(video_id: str, sources: Sources) -> dict:
    sub_id = db.session.scalar(select(Submission.id).where(
        Submission.video_id == video_id, Submission.status == APPROVED))
    db.session.rollback()  # no transaction held open across the network calls
    if sub_id is not None:
        outcome = tracking_refresh.refresh_submission(sub_id)
        if outcome not in COUNTED:
            return {"error": outcome}
        snap = latest_snapshot(sub_id, state=None)
        return {"views": snap.views, "exact": snap.exact}
    try:
        stats = sources.page.fetch(video_id)  # reported only: an untracked video is not stored
    except TikTokError as exc:
        return {"error": exc.reason}
    return {"views": stats.views, "exact": stats.exact}
