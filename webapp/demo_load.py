"""`flask demo load --videos N [--creators M]`: many approved, tracked videos, through the real
services and the sandbox, for the benchmarks and for anyone sizing a deployment.

What goes through what (the sandbox must be running, as for `demo seed`):
- creators: `auth.services.create_user` (given one hash of the demo password, made once for the
  whole load: hashing is slow on purpose), then the bio-code proof `demo seed` gives sari:
  ViewPay issues the code, the command puts it in the sandbox bio (control API),
  `auth.bio.check_bio` reads the profile page over HTTP;
- videos, a chunk of one creator's at a time: created in the sandbox (one control-API call),
  then the batch forms of what the site does for each: `submissions.services.submit_many` (one
  transaction, no verify job: they are verified here at once), `verify_many` (the pages
  fetched concurrently over HTTP, ownership, the statuses in one transaction, the first
  snapshots stored by tracking, the covers) and `approve_many` (an admin's "approve selected":
  rate lock and audit in one transaction, then the first credits by earnings).
Every call counts against TikTok budgets (TIKTOK_PAGE_RATE: 60 page fetches a minute by default,
one per video and one per creator): raise it for a big load (the benches do, by setting it).
"""
import multiprocessing
import os
import secrets
import signal
import time

import click
import requests
from flask import current_app
from flask.cli import with_appcontext
from sqlalchemy import event, func, select
from werkzeug.security import generate_password_hash

from webapp.auth import bio
from webapp.auth import services as auth
from webapp.auth.errors import TikTokLinkError
from webapp.auth.models import User
from webapp.extensions import db
from webapp.submissions import services as submissions
from webapp.submissions.models import APPROVED, PENDING_REVIEW, Submission

EMAIL = "load{n}@example.com"  # load1@example.com ... (password: the demo's)
HANDLE = "load.creator{n}"
TIKTOK_USER_BASE = 7_300_000_000_000_000_000
CHUNK = 50  # videos per task (one creator's): few transactions each, still many tasks


def grouped(n: int) -> str:
    """1.000 / 100.000, as the creators (and the issue) write numbers."""
    return f"{n:,}".replace(",", ".")


def spread(videos: int, creators: int) -> list[int]:
    """How many videos each creator gets: as even as possible, the first ones one more."""
    base, extra = divmod(videos, creators)
    return [base + (1 if i < extra else 0) for i in range(creators)]


class Progress:
    """Counts finished videos; prints each thousand (and the last)."""

    def __init__(self, total: int, step: int = 1000):
        self.total, self.step, self.done = total, step, 0
        self.started, self.statuses = time.monotonic(), {}

    def add(self, statuses: list[str]) -> None:
        before = self.done
        self.done += len(statuses)
        for status in statuses:
            self.statuses[status] = self.statuses.get(status, 0) + 1
        if self.done // self.step != before // self.step or self.done == self.total:
            rate = self.done / max(time.monotonic() - self.started, 1e-9)
            click.echo(f"{grouped(self.done)}/{grouped(self.total)} videos, {rate:.0f}/s")


class Sandbox:
    """The sandbox's control API, over one keep-alive session."""

    def __init__(self, base: str):
        self.base, self.http = base, requests.Session()

    def user(self, user_id: str, handle: str, signature: str) -> None:
        body = {"user_id": user_id, "handle": handle, "signature": signature}
        answer = self.http.post(f"{self.base}/_sandbox/users", json=body, timeout=10)
        if answer.status_code == 409:  # known to this sandbox from an earlier load: update it
            answer = self.http.patch(f"{self.base}/_sandbox/users/{user_id}", json=body,
                                     timeout=10)
        answer.raise_for_status()

    def videos(self, user_id: str, count: int) -> list[str]:
        """`count` public videos posted 1 to 60 days ago (a proven creator's recent video is
        paid without an identity hold), with a real audience's likes, comments and shares;
        one control-API call for them all."""
        made: list[str] = []
        for _ in range(5):
            batch = [_new_video(user_id) for _ in range(count - len(made))]
            answer = self.http.post(f"{self.base}/_sandbox/videos/batch",
                                    json={"videos": batch}, timeout=30)
            answer.raise_for_status()
            made += answer.json()["created"]  # a taken id (409 one by one) is drawn again
            if len(made) == count:
                return made
        raise click.ClickException("the sandbox refused five new video ids in a row")


def _new_video(user_id: str) -> dict:
    age = 86400 + secrets.randbelow(59 * 86400)
    views = 1000 + secrets.randbelow(200_000)
    return {"video_id": str(((int(time.time()) - age) << 32) | secrets.randbits(32)),
            "user_id": user_id, "views": views, "likes": views // 20,
            "comments": views // 500, "shares": views // 1000}


def _admin_id() -> int:
    from webapp.demo import ADMIN, PASSWORD

    admin = auth.find_by_email(ADMIN) or auth.create_admin(ADMIN, PASSWORD)
    return admin.id


def _next_number() -> int:
    """Creators of earlier loads keep their numbers; this load's start after them."""
    return 1 + db.session.scalar(select(func.count(User.id)).where(
        User.email.like(EMAIL.format(n="%"))))


# In each forked load process: the app (inherited) and its own sandbox session.
_proc: dict = {}


def _start_process(app, password_hash: str) -> None:
    # A fork inherits the parent's signal handlers (a test run or a worker may have replaced
    # SIGTERM's): the pool must be able to stop its processes.
    signal.signal(signal.SIGTERM, signal.SIG_DFL)
    _proc.update(app=app, sandbox=Sandbox(app.config["TIKTOK_WEB_BASE"]),
                 password_hash=password_hash)
    with app.app_context():
        db.engine.dispose(close=False)  # the parent's pooled connections are not this process's
        if db.engine.dialect.name == "postgresql":
            event.listen(db.engine, "connect", _no_commit_wait)


def _no_commit_wait(dbapi_connection, _record) -> None:
    """The load's connections only: a commit does not wait for the WAL to reach the disk
    (each service commits several times per video; a crash loses at most the last moment's
    videos, never consistency, and a new load simply adds more). The app's are untouched."""
    with dbapi_connection.cursor() as cursor:
        cursor.execute("SET synchronous_commit TO off")
    dbapi_connection.commit()


def _creator(n: int) -> tuple[int, str, str]:
    """A creator proven by bio code: (user id, handle, TikTok user id)."""
    handle, tiktok_id = HANDLE.format(n=n), str(TIKTOK_USER_BASE + n)
    with _proc["app"].app_context():
        user = auth.create_user(EMAIL.format(n=n), None, handle=handle,
                                password_hash=_proc["password_hash"])
        code = bio.issue_code(user.id).code
        _proc["sandbox"].user(tiktok_id, handle, f"Konten harian {code}")
        try:
            bio.check_bio(user.id)
        except TikTokLinkError as exc:
            raise click.ClickException(f"@{handle}: bio proof failed ({exc}); is the sandbox "
                                       "up and TIKTOK_PAGE_RATE high enough?") from exc
        return user.id, handle, tiktok_id


def _videos(task: tuple[tuple[int, str, str], int, int, int]) -> list[str]:
    """Submit, verify and approve `count` new videos of one creator (the first `leave` of them
    stay waiting for review); their final statuses."""
    (creator_id, handle, tiktok_id), admin_id, count, leave = task
    with _proc["app"].app_context():
        urls = [f"https://www.tiktok.com/@{handle}/video/{video_id}"
                for video_id in _proc["sandbox"].videos(tiktok_id, count)]
        submitted = submissions.submit_many(creator_id, urls, queue=False)
        refused = [s.code for s in submitted if isinstance(s, submissions.SubmissionError)]
        statuses = submissions.verify_many([s.id for s in submitted
                                            if isinstance(s, Submission)])
        waiting = [i for i, status in statuses.items() if status == PENDING_REVIEW]
        approved, _ = submissions.approve_many(waiting[leave:], admin_id)
        statuses.update(dict.fromkeys(approved, APPROVED))
        return refused + list(statuses.values())


@click.command("load")
@click.option("--videos", type=click.IntRange(min=1), required=True,
              help="approved, tracked videos to add")
@click.option("--creators", type=click.IntRange(min=1), default=None,
              help="new proven creators to spread them over (default: one per 20 videos)")
@click.option("--processes", type=click.IntRange(1, 64), default=None,
              help="parallel load processes (default: 2 per CPU; 1 on SQLite)")
@click.option("--pending", type=click.IntRange(min=0), default=0,
              help="of these, leave this many verified but waiting for review")
@with_appcontext
def load(videos: int, creators: int | None, processes: int | None, pending: int) -> None:
    """Add VIDEOS approved, tracked videos over new creators, through the real services (needs
    the sandbox, like `demo seed`); running it again adds more."""
    app = current_app._get_current_object()
    creators = min(creators or max(1, videos // 20), videos)
    sqlite = db.engine.dialect.name == "sqlite"  # one writer at a time anyway
    processes = processes or (1 if sqlite else 2 * (os.cpu_count() or 1))
    admin_id, first = _admin_id(), _next_number()
    from webapp.demo import PASSWORD

    password_hash = generate_password_hash(PASSWORD)  # once: hashing is slow on purpose
    db.session.remove()  # nothing open across the fork
    click.echo(f"loading {grouped(videos)} videos over {grouped(creators)} new creators "
               f"(load{first}@example.com on), {processes} processes")
    started = time.monotonic()
    # Processes, not threads: the services are CPU-bound Python (the GIL would serialise them).
    with multiprocessing.get_context("fork").Pool(processes, _start_process,
                                                   (app, password_hash)) as pool:
        made = pool.map(_creator, range(first, first + creators),
                        chunksize=max(1, min(20, creators // (4 * processes))))
        click.echo(f"{grouped(creators)} creators proven by bio code in "
                   f"{time.monotonic() - started:.0f} s")
        progress = Progress(videos)
        chunks = [(creator, min(CHUNK, count - done))
                  for creator, count in zip(made, spread(videos, creators))
                  for done in range(0, count, CHUNK)]
        leave = spread(min(pending, videos), len(chunks))  # fair, if not exact: capped below
        tasks = [(creator, admin_id, count, min(count, left))
                 for (creator, count), left in zip(chunks, leave)]
        for statuses in pool.imap_unordered(_videos, tasks):
            progress.add(statuses)
        pool.close()  # every task is done: let the processes end on their own, then reap them
        pool.join()
    others = {s: c for s, c in progress.statuses.items() if s not in (APPROVED, PENDING_REVIEW)}
    click.echo(f"done in {time.monotonic() - started:.0f} s: "
               f"{grouped(progress.statuses.get(APPROVED, 0))} approved and tracked, "
               f"{grouped(progress.statuses.get(PENDING_REVIEW, 0))} waiting for review"
               + (f"; neither: {others}" if others else ""))
    if others:
        raise SystemExit(1)
