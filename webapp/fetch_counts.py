"""The source chain of a refresh run or a batch of verifications, with failover; returns
values, stores nothing. Outside tracking and submissions so that both can use it (it reads
auth's tokens and asks tiktok's sources, nothing above them).

Per video: the Display API when its creator is connected (token usable), else the public page.
Display is asked for up to 20 of one creator's videos per call. When a Display call fails
(token refused, TikTok down or throttling us, unreadable answer) those videos go to the page for
this run. An id missing from a Display answer stays NotOwned (not owned or not available): it
is recorded as a failed fetch, never as 0 views. Our own Redis or database failing is nobody's
answer: those errors (webapp.outages) propagate so that RQ retries the whole job.

Calls run concurrently in a thread pool (REFRESH_CONCURRENCY), so one job keeps TikTok's budget
busy even when each call takes a while. The threads only do HTTP (through the shared guard: rate
budget, breaker); tokens are read and refreshed in the caller's thread, which owns the database
session, and results are handed back to it as they arrive (iter_counts).
"""
from __future__ import annotations

import logging
import threading
from collections import defaultdict
from concurrent.futures import FIRST_COMPLETED, Future, ThreadPoolExecutor, wait
from typing import Iterable, Iterator

from webapp.auth import tokens
from webapp.outages import INFRA_ERRORS
from webapp.tiktok.client import Sources
from webapp.tiktok.display import chunked
from webapp.tiktok.errors import AuthError, Garbled, Throttled, TikTokError
from webapp.tiktok.stats import VideoStats

log = logging.getLogger(__name__)
Result = VideoStats | TikTokError


def iter_counts(items: Iterable[tuple[int, str, int]], sources: Sources | None = None,
                concurrency: int = 1) -> Iterator[tuple[int, Result]]:
    """items: (submission id, video id, creator id) -> (submission id, stats or the error) for
    each, in the order the answers arrive."""
    run = _Run(sources or Sources())
    by_creator: dict[int, list[tuple[int, str]]] = defaultdict(list)
    for submission_id, video_id, creator_id in items:
        by_creator[creator_id].append((submission_id, video_id))
    display, page = [], []
    for creator_id, videos in by_creator.items():
        token = run.token(creator_id)
        if token is None:
            page += videos
        else:
            display += [(creator_id, token, chunk) for chunk in _chunks(videos)]
    run.expect("display", len(display))
    run.expect("page", len(page))
    pool = ThreadPoolExecutor(max_workers=max(1, concurrency), thread_name_prefix="tiktok")
    try:
        pending = {pool.submit(run.display, *task): ("display", task) for task in display}
        pending.update({pool.submit(run.page, video): ("page", video) for video in page})
        while pending:
            done, _ = wait(pending, return_when=FIRST_COMPLETED)
            for future in done:
                kind, task = pending.pop(future)
                if kind == "page":
                    yield task[0], future.result()  # an outage of ours raises here
                    continue
                answer, retry, to_page = run.after_display(future, *task)
                yield from answer
                if retry is not None:
                    pending[pool.submit(run.display, *retry)] = ("display", retry)
                run.expect("page", len(to_page), add=True)
                pending.update({pool.submit(run.page, video): ("page", video)
                                for video in to_page})
    finally:
        pool.shutdown(wait=True, cancel_futures=True)
        run.give_back()


def _chunks(videos: list[tuple[int, str]]) -> list[dict[str, int]]:
    ids = {video_id: submission_id for submission_id, video_id in videos}
    return [{video_id: ids[video_id] for video_id in chunk} for chunk in chunked(list(ids))]


class _Run:
    """One refresh run's shared state: the sources, tokens per creator, the page budget."""

    def __init__(self, sources: Sources):
        self.sources = sources
        self.guard = sources.guard
        self.tokens: dict[int, str | None] = {}
        self.refreshed: set[int] = set()  # creators whose token this run already refreshed
        self.throttled: Throttled | None = None  # the page budget is spent
        self.lock = threading.Lock()

    def expect(self, source: str, calls: int, add: bool = False) -> None:
        if calls:
            self.guard.expect(source, calls, add=add)

    def give_back(self) -> None:
        """The successes the guard counted go to the breaker; unused budget goes back."""
        try:
            self.guard.finish()
        except INFRA_ERRORS:  # tokens expire with the window; a few successes go uncounted
            log.warning("could not record the run's successes or give back unused budget")

    def token(self, creator_id: int) -> str | None:
        """The creator's usable access token (caller's thread: it may touch the database)."""
        try:
            self.tokens[creator_id] = tokens.access_token(creator_id)
        except INFRA_ERRORS:
            raise
        except Exception:  # a bug or an outage of ours on one creator: the page still works
            log.exception("Display API path failed for creator %s", creator_id)
            self.tokens[creator_id] = None
        return self.tokens[creator_id]

    # In a pool thread: HTTP only.
    def display(self, creator_id: int, token: str, chunk: dict[str, int]):
        return self.sources.display.fetch_many(token, list(chunk))

    def page(self, video: tuple) -> Result:
        """In a pool thread: one page fetch; any answer is a value, only our outages raise.

        video: (submission id, video id[, the Display API's own wait that sent it here])."""
        if self.throttled is not None:  # the page budget is spent: do not wait once per video
            return _sooner(self.throttled, *video[2:])
        try:
            return self.sources.page.fetch(video[1])
        except Throttled as exc:
            with self.lock:
                self.throttled = self.throttled or exc
            return _sooner(exc, *video[2:])
        except TikTokError as exc:
            return exc
        except INFRA_ERRORS:
            raise  # our Redis (the rate budget) or database, not the video: retry the job
        except Exception as exc:  # never let one video's surprise end the batch
            log.exception("page fetch of %s failed unexpectedly", video[1])
            return Garbled(f"unexpected {type(exc).__name__}")

    def after_display(self, future: Future, creator_id: int, token: str, chunk: dict[str, int]):
        """(results, a retry with a fresh token or None, videos left for the page)."""
        try:
            answer = future.result()
        except INFRA_ERRORS:
            raise
        except AuthError as exc:
            fresh = self._fresh_token(creator_id, token, exc)
            if fresh is not None and fresh != token:
                return [], (creator_id, fresh, chunk), []
            log.info("Display API refused creator %s's token, using the page", creator_id)
        except Throttled as exc:
            # Our own budget or pause: the page may have room; if not, the video waits only
            # until the Display API has room again (the sooner of the two).
            return [], None, [(sub_id, video_id, exc) for video_id, sub_id in chunk.items()]
        except TikTokError as exc:
            # Down, throttling us or unreadable: these videos use the page this run.
            log.info("Display API failed for creator %s, using the page: %s", creator_id, exc)
        except Exception:
            log.exception("Display API path failed for creator %s", creator_id)
        else:
            return [(chunk[video_id], answer[video_id]) for video_id in chunk], None, []
        return [], None, [(submission_id, video_id) for video_id, submission_id in chunk.items()]

    def _fresh_token(self, creator_id: int, used: str, exc: AuthError) -> str | None:
        """Refreshed once per run and creator (or marked broken); None: stop using the API."""
        if creator_id not in self.refreshed:
            self.refreshed.add(creator_id)
            try:
                self.tokens[creator_id] = tokens.token_rejected(creator_id, exc)
            except INFRA_ERRORS:
                raise
            except Exception:
                log.exception("refreshing creator %s's token failed", creator_id)
                self.tokens[creator_id] = None
        fresh = self.tokens.get(creator_id)
        return None if fresh == used else fresh


def _sooner(page_wait: Throttled, display_wait: Throttled | None = None) -> Throttled:
    """Of two of our own "wait"s for one video, the one that ends first."""
    if display_wait is None:
        return page_wait
    return min(page_wait, display_wait, key=lambda exc: exc.retry_after or 0)
