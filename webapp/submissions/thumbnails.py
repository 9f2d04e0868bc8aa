"""Video thumbnails: the cover TikTok names, downloaded by the worker, kept in the database and
served from our own origin to the video's creator and to admins.

Covers are downloaded at verification (webapp.submissions.verification) and, for videos that
have none yet (older ones, or a CDN hiccup), by `flask --app wsgi tiktok thumbnails`, which
asks oEmbed for a fresh link first: TikTok's cover links expire within hours.
"""
from __future__ import annotations

import hashlib
import json
import logging

import click
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

from webapp.extensions import db
from webapp.submissions.models import LIVE, Submission, VideoThumbnail
from webapp.tiktok import errors as tt
from webapp.tiktok.client import Sources, http_from_config
from webapp.tiktok.covers import fetch_cover
from webapp.tiktok_cli import tiktok_cli
from webapp.timeutil import utcnow

log = logging.getLogger(__name__)
CAPTION_MAX = 4000  # TikTok allows 4.000 characters


def caption_of(description: str | None) -> str | None:
    caption = (description or "").strip()[:CAPTION_MAX]
    return caption or None


def save(submission_id: int, cover_url: str | None, http=None) -> bool:
    """Download the cover and store it as the video's thumbnail; False when there was none,
    or it was refused or failed (nothing is stored then, and nothing raised: a thumbnail is
    decoration, and `tiktok thumbnails` tries again later). Call outside a transaction."""
    if not cover_url:
        return False
    try:
        cover = fetch_cover(http or http_from_config(), cover_url)
    except tt.TikTokError as exc:
        log.info("cover of submission %s not stored: %s: %s", submission_id, exc.reason,
                 exc.message)
        return False
    etag = hashlib.sha256(cover.data).hexdigest()
    thumb = db.session.get(VideoThumbnail, submission_id)
    if thumb is None:
        thumb = VideoThumbnail(submission_id=submission_id)
        db.session.add(thumb)
    thumb.content_type, thumb.data, thumb.etag, thumb.fetched_at = (
        cover.content_type, cover.data, etag, utcnow())
    db.session.get(Submission, submission_id).thumbnail_etag = etag
    try:
        db.session.commit()
    except IntegrityError:  # another worker stored it a moment ago: theirs is as good
        db.session.rollback()
    return True


def viewable(submission_id: int, viewer) -> Submission | None:
    """The submission when `viewer` may see its thumbnail (its creator, or an admin)."""
    sub = db.session.get(Submission, submission_id)
    if sub is None or not (viewer.is_admin or sub.creator_id == viewer.id):
        return None
    return sub


def stored(submission_id: int) -> VideoThumbnail | None:
    return db.session.get(VideoThumbnail, submission_id)


def missing(limit: int) -> list[int]:
    """Live videos without a thumbnail, newest first."""
    return list(db.session.scalars(
        select(Submission.id).where(Submission.status.in_(LIVE),
                                    Submission.thumbnail_etag.is_(None))
        .order_by(Submission.id.desc()).limit(limit)))


def backfill(limit: int = 100) -> dict:
    """Fetch a fresh cover link (oEmbed: cheap, no counts) and the caption for videos that
    have no thumbnail. Stops early when our TikTok budget says wait."""
    sources, done = Sources(), {"stored": 0, "failed": 0, "deferred": 0}
    ids = missing(limit)
    for number, submission_id in enumerate(ids):
        video_id = db.session.get(Submission, submission_id).video_id
        db.session.rollback()  # no transaction held open across the network calls
        try:
            stats = sources.oembed.fetch(video_id)
        except tt.Throttled:
            done["deferred"] = len(ids) - number
            break
        except tt.TikTokError:
            done["failed"] += 1
            continue
        sub = db.session.get(Submission, submission_id)
        sub.caption = sub.caption or caption_of(stats.description)
        db.session.commit()
        done["stored" if save(submission_id, stats.cover_url, sources.http) else "failed"] += 1
    return done


# Registered on the `tiktok` group when this module loads (the submissions blueprint imports
# it, before create_app adds the group to the CLI).
@tiktok_cli.command("thumbnails")
@click.option("--limit", default=100, show_default=True, help="At most this many videos.")
def thumbnails_cmd(limit: int):
    """Download covers (and captions) of live videos that have no thumbnail yet; prints JSON."""
    click.echo(json.dumps(backfill(limit)))
