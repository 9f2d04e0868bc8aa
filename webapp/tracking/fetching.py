"""The source chain of a refresh run, with failover; returns values, stores nothing.

Per video: the Display API when its creator is connected (token usable), else the public page.
Display is asked for up to 20 of one creator's videos per call. When a Display call fails
(token refused, TikTok down or throttling us, unreadable answer) those videos go to the page for
this run. An id missing from a Display answer stays NotOwned (not owned or not available): it
is recorded as a failed fetch, never as 0 views. Our own Redis or database failing is nobody's
answer: those errors (webapp.outages) propagate so that RQ retries the whole job.
"""
from __future__ import annotations

import logging
from collections import defaultdict
from typing import Iterable

from webapp.auth import tokens
from webapp.outages import INFRA_ERRORS
from webapp.tiktok.client import Sources
from webapp.tiktok.display import chunked
from webapp.tiktok.errors import AuthError, Garbled, Throttled, TikTokError
from webapp.tiktok.stats import VideoStats

log = logging.getLogger(__name__)
Result = VideoStats | TikTokError


def fetch_counts(items: Iterable[tuple[int, str, int]],
                 sources: Sources | None = None) -> dict[int, Result]:
    """items: (submission id, video id, creator id) -> {submission id: stats or the error}."""
    sources = sources or Sources()
    by_creator: dict[int, list[tuple[int, str]]] = defaultdict(list)
    for submission_id, video_id, creator_id in items:
        by_creator[creator_id].append((submission_id, video_id))
    results: dict[int, Result] = {}
    for_page: list[tuple[int, str]] = []
    for creator_id, videos in by_creator.items():
        try:
            for_page += _via_display(sources, creator_id, videos, results)
        except INFRA_ERRORS:
            raise
        except Exception:  # a bug or an outage of ours on one creator: the page still works
            log.exception("Display API path failed for creator %s", creator_id)
            for_page += [v for v in videos if v[0] not in results]
    _via_page(sources, for_page, results)
    return results


def _via_display(sources: Sources, creator_id: int, videos: list[tuple[int, str]],
                 results: dict[int, Result]) -> list[tuple[int, str]]:
    """Fill `results` from the Display API; return the videos left for the page."""
    token = tokens.access_token(creator_id)
    if not token:
        return videos
    ids_to_sub = {video_id: submission_id for submission_id, video_id in videos}
    left: list[tuple[int, str]] = []
    for chunk in chunked(list(ids_to_sub)):
        answer, token = _query(sources, creator_id, token, chunk)
        if answer is None:
            left += [(ids_to_sub[v], v) for v in chunk]
            continue
        for video_id in chunk:
            results[ids_to_sub[video_id]] = answer[video_id]
    return left


def _query(sources: Sources, creator_id: int, token: str | None, chunk: list[str]):
    """(answer or None, the token for the next chunk or None to stop using the API)."""
    if token is None:
        return None, None
    try:
        return sources.display.fetch_many(token, chunk), token
    except AuthError as exc:
        token = tokens.token_rejected(creator_id, exc)  # refreshed, or marked broken
        if token is None:
            return None, None
        try:
            return sources.display.fetch_many(token, chunk), token
        except TikTokError as again:
            log.info("Display API failed after a token refresh for creator %s: %s",
                     creator_id, again)
            return None, None
    except TikTokError as exc:
        # Down, throttling us or unreadable: this creator's remaining videos use the page.
        log.info("Display API failed for creator %s, using the page: %s", creator_id, exc)
        return None, None


def _via_page(sources: Sources, videos: list[tuple[int, str]], results: dict[int, Result]):
    throttled: Throttled | None = None
    for submission_id, video_id in videos:
        if throttled is not None:  # the page budget is spent: do not wait once per video
            results[submission_id] = throttled
            continue
        try:
            results[submission_id] = sources.page.fetch(video_id)
        except Throttled as exc:
            results[submission_id] = throttled = exc
        except TikTokError as exc:
            results[submission_id] = exc
        except INFRA_ERRORS:
            raise  # our Redis (the rate budget) or database, not the video: retry the job
        except Exception as exc:  # never let one video's surprise end the batch
            log.exception("page fetch of %s failed unexpectedly", video_id)
            results[submission_id] = Garbled(f"unexpected {type(exc).__name__}")
