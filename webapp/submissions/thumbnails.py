"""Video thumbnails: the cover TikTok names, downloaded by the worker, kept in the database and
served from our own origin to the video's creator and to admins.

Covers are downloaded at verification (webapp.submissions.verification) and, for videos that
have none yet (older ones, or a CDN hiccup), by the periodic backfill (jobs.thumbnails, every
THUMBNAIL_BACKFILL_SECONDS) or `flask --app wsgi tiktok thumbnails`, which ask oEmbed for a
fresh link first: TikTok's cover links expire within hours. A video whose cover failed
MAX_FAILURES times in the backfill is left with its placeholder (cover_failures says why).
"""
from __future__ import annotations

import hashlib
import json
import logging
from concurrent.futures import ThreadPoolExecutor
from datetime import datetime

import click
from sqlalchemy import DateTime, ForeignKey, String, func, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Mapped, mapped_column

from webapp.extensions import db
from webapp.submissions.models import LIVE, Submission, VideoThumbnail
from webapp.tiktok import errors as tt
from webapp.tiktok.client import Sources, http_from_config
from webapp.tiktok.covers import fetch_cover
from webapp.tiktok_cli import tiktok_cli
from webapp.timeutil import utcnow

log = logging.getLogger(__name__)
CAPTION_MAX = 4000  # TikTok allows 4.000 characters
# Attempts the backfill makes per video: a CDN hiccup or an expired link passes within a run
# or two; a cover still failing after that (deleted video, a CDN answer we refuse) will not.
MAX_FAILURES = 3


class CoverFailure(db.Model):
    """A video whose cover the backfill could not store: how often, when last, and why."""

    __tablename__ = "cover_failures"

    submission_id: Mapped[int] = mapped_column(ForeignKey("submissions.id"), primary_key=True)
    failures: Mapped[int]
    last_failed_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    last_reason: Mapped[str] = mapped_column(String(64))


def caption_of(description: str | None) -> str | None:
    caption = (description or "").strip()[:CAPTION_MAX]
    return caption or None


def save(submission_id: int, cover_url: str | None, http=None) -> bool:
    """Download the cover and store it as the video's thumbnail; False when there was none,
    or it was refused or failed (nothing is stored then, and nothing raised: a thumbnail is
    decoration, and the backfill tries again later). Call outside a transaction."""
    return _store(submission_id, cover_url, http) is None


def save_many(cover_urls: dict[int, str | None], http=None, concurrency: int = 8) -> int:
    """`save` for a batch ({submission id: cover link}): downloaded `concurrency` at a time,
    stored in one transaction (one by one if that fails); how many were stored. Call outside
    a transaction."""
    http = http or http_from_config()
    wanted = {i: url for i, url in cover_urls.items() if url}
    if not wanted:
        return 0
    with ThreadPoolExecutor(max_workers=max(1, min(concurrency, len(wanted))),
                            thread_name_prefix="cover") as pool:
        covers = dict(zip(wanted, pool.map(lambda url: _download(http, url), wanted.values())))
    got = {i: cover for i, cover in covers.items() if not isinstance(cover, str)}
    # Read together (held here: the session keeps unchanged objects only weakly), written in
    # one flush at the commit.
    loaded = list(db.session.scalars(select(Submission).where(Submission.id.in_(got))))
    thumbs = {t.submission_id: t for t in db.session.scalars(
        select(VideoThumbnail).where(VideoThumbnail.submission_id.in_(got)))}
    try:
        with db.session.no_autoflush:
            for submission_id in sorted(got):
                _put(submission_id, got[submission_id], thumbs.get(submission_id))
        db.session.commit()
    except IntegrityError:  # another worker stored one of them a moment ago
        db.session.rollback()
        for submission_id in sorted(got):
            _put(submission_id, got[submission_id])
            _commit_once()
    return len(got)


def _download(http, cover_url: str):
    """The cover, or why not (a string)."""
    try:
        return fetch_cover(http, cover_url)
    except tt.TikTokError as exc:
        log.info("cover %s not stored: %s: %s", cover_url[:80], exc.reason, exc.message)
        return f"cover: {exc.reason}"


def _store(submission_id: int, cover_url: str | None, http=None) -> str | None:
    """`save`, returning why nothing was stored (None: stored)."""
    if not cover_url:
        return "no cover link"
    cover = _download(http or http_from_config(), cover_url)
    if isinstance(cover, str):
        return cover
    _put(submission_id, cover)
    _commit_once()
    return None


def _put(submission_id: int, cover, thumb: VideoThumbnail | None | bool = False) -> None:
    """thumb: the video's stored thumbnail, None when it has none, False: not looked up."""
    etag = hashlib.sha256(cover.data).hexdigest()
    if thumb is False:
        thumb = db.session.get(VideoThumbnail, submission_id)
    if thumb is None:
        thumb = VideoThumbnail(submission_id=submission_id)
        db.session.add(thumb)
    thumb.content_type, thumb.data, thumb.etag, thumb.fetched_at = (
        cover.content_type, cover.data, etag, utcnow())
    db.session.get(Submission, submission_id).thumbnail_etag = etag


def _commit_once() -> None:
    try:
        db.session.commit()
    except IntegrityError:  # another worker stored it a moment ago: theirs is as good
        db.session.rollback()


def viewable(submission_id: int, viewer) -> Submission | None:
    """The submission when `viewer` may see its thumbnail (its creator, or an admin)."""
    sub = db.session.get(Submission, submission_id)
    if sub is None or not (viewer.is_admin or sub.creator_id == viewer.id):
        return None
    return sub


def stored(submission_id: int) -> VideoThumbnail | None:
    return db.session.get(VideoThumbnail, submission_id)


def missing(limit: int, retry_given_up: bool = False) -> list[int]:
    """Live videos without a thumbnail that the backfill has not given up on: those never
    tried first, then those that failed least, newest first among equals."""
    failures = func.coalesce(CoverFailure.failures, 0)
    query = (select(Submission.id)
             .outerjoin(CoverFailure, CoverFailure.submission_id == Submission.id)
             .where(Submission.status.in_(LIVE), Submission.thumbnail_etag.is_(None)))
    if not retry_given_up:
        query = query.where(failures < MAX_FAILURES)
    return list(db.session.scalars(query.order_by(failures, Submission.id.desc()).limit(limit)))


def record_failure(submission_id: int, reason: str) -> None:
    """Count one failed attempt (the counter is incremented in SQL: two backfills at once
    count two)."""
    values = dict(last_failed_at=utcnow(), last_reason=reason[:64])
    for _ in range(2):
        counted = db.session.execute(
            update(CoverFailure).where(CoverFailure.submission_id == submission_id)
            .values(failures=CoverFailure.failures + 1, **values)
            .execution_options(synchronize_session=False))
        if counted.rowcount == 0:
            db.session.add(CoverFailure(submission_id=submission_id, failures=1, **values))
        try:
            db.session.commit()
            return
        except IntegrityError:  # another backfill counted the first failure a moment ago
            db.session.rollback()


def _forget_failures(submission_id: int) -> None:
    db.session.execute(db.delete(CoverFailure).where(
        CoverFailure.submission_id == submission_id))
    db.session.commit()


def backfill(limit: int = 100, retry_given_up: bool = False) -> dict:
    """Fetch a fresh cover link (oEmbed: cheap, no counts) and the caption for videos that
    have no thumbnail. Stops early when our TikTok budget says wait (those are "deferred",
    not failures); each failure counts towards MAX_FAILURES."""
    sources, done = Sources(), {"stored": 0, "failed": 0, "deferred": 0}
    ids = missing(limit, retry_given_up)
    for number, submission_id in enumerate(ids):
        video_id = db.session.get(Submission, submission_id).video_id
        db.session.rollback()  # no transaction held open across the network calls
        try:
            stats = sources.oembed.fetch(video_id)
        except tt.RateLimited:  # our budget or breaker (Throttled), or TikTok's 429: no verdict
            done["deferred"] = len(ids) - number
            break
        except tt.TikTokError as exc:
            record_failure(submission_id, f"oembed: {exc.reason}")
            done["failed"] += 1
            continue
        sub = db.session.get(Submission, submission_id)
        sub.caption = sub.caption or caption_of(stats.description)
        db.session.commit()
        reason = _store(submission_id, stats.cover_url, sources.http)
        if reason is None:
            _forget_failures(submission_id)
        else:
            record_failure(submission_id, reason)
        done["stored" if reason is None else "failed"] += 1
    return done


# Registered on the `tiktok` group when this module loads (the submissions blueprint imports
# it, before create_app adds the group to the CLI).
@tiktok_cli.command("thumbnails")
@click.option("--limit", default=100, show_default=True, help="At most this many videos.")
@click.option("--retry-given-up", is_flag=True,
              help=f"Also videos whose cover failed {MAX_FAILURES} times already.")
def thumbnails_cmd(limit: int, retry_given_up: bool):
    """Download covers (and captions) of live videos that have no thumbnail yet; prints JSON."""
    click.echo(json.dumps(backfill(limit, retry_given_up)))
