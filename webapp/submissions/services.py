"""Submit a video, verify it against TikTok, and review it.

Claims: a video id is held by at most one LIVE submission (a partial unique index); ended ones
(not yours, not found, rejected, superseded) release it. A proven owner's claim supersedes a
live claim of an unproven creator; two proven creators never displace each other.
"""
from dataclasses import dataclass
from datetime import datetime, timedelta

from flask import current_app
from flask_sqlalchemy.pagination import Pagination
from sqlalchemy import case, func, or_, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import selectinload

from webapp.audit import services as audit
from webapp.auth import signals as auth_signals
from webapp.auth.models import User
from webapp.extensions import db
from webapp.submissions import signals, verification
from webapp.submissions.errors import ReviewError, SubmissionError  # noqa: F401 (re-exported)
from webapp.submissions.models import (
    APPROVED, CHECKING, LIVE, PENDING_REVIEW, RECHECKABLE, REJECTED, REVIEWABLE, SUPERSEDED,
    Submission)
from webapp.submissions.verification import (  # noqa: F401 (re-exported)
    VERIFY_JOB, RetryLater, owned_by, queue_verification, verify, verify_many)
from webapp.tiktok import errors as tt
from webapp.tiktok.client import http_from_config
from webapp.tiktok.stats import ParsedUrl
from webapp.tiktok.urls import parse_url
from webapp.timeutil import utcnow


# The creator's own ended claims of a video that a new submission of it answers to (`submit`).
ENDED_MINE = (REJECTED, *RECHECKABLE)


class NeedsAcknowledgement(ReviewError):
    """The creator has not proven their TikTok account: an admin must say they checked."""


def submit(creator_id: int, url_text: str) -> Submission:
    """Store a new submission in CHECKING and queue its verification; nothing is stored on error.

    Only a live claim blocks the video; a proven owner's claim supersedes an unproven one. The
    creator's own earlier claim of the video that ended is not doubled: one whose check said no
    (not found, not theirs, failed) is checked again, as its card advises; one an admin
    rejected stays rejected.
    """
    parsed = _parse(url_text)
    creator = db.session.get(User, creator_id)
    live = live_claim(parsed.video_id)
    if live is not None and not _outranks(creator, live):
        raise SubmissionError("This video has already been submitted.", code="duplicate")
    earlier = _ended_claim(creator_id, parsed.video_id)
    if earlier is not None and earlier.status == REJECTED:
        raise SubmissionError("An admin did not approve this video; it cannot be submitted "
                              "again.", code="rejected_before")
    try:
        if live is not None:  # first, so the partial unique index never sees two live claims
            _supersede([live.id], "claimed by the proven owner of this TikTok account")
        if earlier is not None:  # its card comes back to life instead of a second one
            sub = earlier
            sub.status, sub.verify_attempts, sub.status_detail = CHECKING, 0, None
            sub.canonical_url, sub.submitted_url = (parsed.canonical_url,
                                                    url_text.strip()[:2048])
        else:
            sub = Submission(creator_id=creator_id, video_id=parsed.video_id,
                             canonical_url=parsed.canonical_url,
                             submitted_url=url_text.strip()[:2048], status=CHECKING)
            db.session.add(sub)
        db.session.commit()
    except IntegrityError as exc:  # two tabs (or two creators) submitting the video at once
        db.session.rollback()
        raise SubmissionError("This video has already been submitted.", code="duplicate") from exc
    queue_verification(sub.id)
    return sub


def _ended_claim(creator_id: int, video_id: str) -> Submission | None:
    """The creator's newest claim of the video that was rejected or whose check said no."""
    return db.session.scalar(
        select(Submission).where(Submission.creator_id == creator_id,
                                 Submission.video_id == video_id,
                                 Submission.status.in_(ENDED_MINE))
        .order_by(Submission.id.desc()).limit(1))


def submit_many(creator_id: int, url_texts: list[str], *, queue: bool = True
                ) -> list[Submission | SubmissionError]:
    """Submit a creator's links in one transaction; for each link (in order) its new
    submission or the SubmissionError `submit` would have raised for it.

    Same validation and duplicate rules as `submit`: a link naming a video already live (or
    earlier in the same list) is refused; one that may outrank a live claim, or that the
    creator claimed before, goes through `submit` on its own. `queue=False`: the caller
    verifies them at once (verify_many), so no verify job is queued.
    """
    results: list = [None] * len(url_texts)
    parsed: dict[int, ParsedUrl] = {}
    seen: set[str] = set()
    for i, url_text in enumerate(url_texts):
        try:
            parsed[i] = _parse(url_text)
        except SubmissionError as exc:
            results[i] = exc
            continue
        if parsed[i].video_id in seen:  # the same video twice in one list
            results[i] = SubmissionError("This video has already been submitted.",
                                         code="duplicate")
            del parsed[i]
            continue
        seen.add(parsed[i].video_id)
    live = set(db.session.scalars(select(Submission.video_id).where(
        Submission.video_id.in_(seen), Submission.status.in_(LIVE)))) if seen else set()
    # Videos the creator claimed before: `submit` checks the ended claim again or refuses.
    mine = set(db.session.scalars(select(Submission.video_id).where(
        Submission.video_id.in_(seen), Submission.creator_id == creator_id,
        Submission.status.in_(ENDED_MINE)))) if seen else set()
    # The outrank rule, or the earlier claim, decides those one by one.
    claimed = live | mine
    alone = [i for i, p in parsed.items() if p.video_id in claimed]
    batch = {i: Submission(creator_id=creator_id, video_id=p.video_id,
                           canonical_url=p.canonical_url,
                           submitted_url=url_texts[i].strip()[:2048], status=CHECKING)
             for i, p in parsed.items() if p.video_id not in claimed}
    try:
        db.session.add_all(batch.values())
        db.session.commit()
    except IntegrityError:  # a claim made meanwhile: each link on its own then
        db.session.rollback()
        alone, batch = sorted(alone + list(batch)), {}
    for i, sub in batch.items():
        results[i] = sub
        if queue:
            queue_verification(sub.id)
    for i in alone:
        try:
            results[i] = submit(creator_id, url_texts[i])
        except SubmissionError as exc:
            results[i] = exc
    return results


def live_claim(video_id: str) -> Submission | None:
    return db.session.scalar(select(Submission).where(Submission.video_id == video_id,
                                                      Submission.status.in_(LIVE)))


def _outranks(creator: User, live: Submission) -> bool:
    """A proven creator whom TikTok names as the video's author beats an unproven claimant."""
    if not creator.identity_proven or live.creator.identity_proven or live.creator_id == creator.id:
        return False
    if live.author_id_seen:  # the live claim was verified: TikTok already told us the author
        return live.author_id_seen == creator.tiktok_user_id
    try:  # not checked yet (or only by oEmbed, which names no id): ask TikTok now
        return verification.proves_owner(live.video_id, creator)
    except tt.TikTokError as exc:
        raise SubmissionError("TikTok did not answer; try again in a minute.",
                              code="tiktok_down") from exc


def _supersede(submission_ids: list[int], detail: str) -> list[int]:
    """Move live claims to SUPERSEDED (audited as the system's); the caller commits."""
    moved = []
    for sub in db.session.scalars(select(Submission).where(
            Submission.id.in_(submission_ids))).all():
        was = sub.status
        # An approved claim stops being tracked. Its ledger entries stay where they are:
        # whether that money is held or reversed is the flags' decision (webapp.tracking.flags),
        # never a second write here.
        done = db.session.execute(
            update(Submission).where(Submission.id == sub.id, Submission.status.in_(LIVE))
            .values(status=SUPERSEDED, status_detail=detail[:1000], next_refresh_at=None)
            .execution_options(synchronize_session=False))
        if done.rowcount == 1:
            # What an approved claim earned is held (shown, not withdrawable) until an admin
            # decides (tracking raises the flag, in this transaction).
            signals.claim_superseded.send(sub.id, creator_id=sub.creator_id,
                                          was_approved=was == APPROVED, detail=detail)
        if done.rowcount == 1:
            audit.record(None, "claim_superseded", "submission", sub.id,
                         creator_id=sub.creator_id, submission_id=sub.id, video_id=sub.video_id,
                         previous_status=was, reason=detail)
            moved.append(sub.id)
        db.session.expire(sub)  # reload the new status when next read
    return moved


def supersede_claims_on_account(creator_id: int, tiktok_user_id: str, handle: str) -> list[int]:
    """The creator lost `handle` to the proven owner of that TikTok account: their live claims
    on that account's videos end. The caller (the proof) commits."""
    ids = list(db.session.scalars(select(Submission.id).where(
        Submission.creator_id == creator_id, Submission.status.in_(LIVE),
        or_(Submission.author_id_seen == tiktok_user_id,
            func.lower(Submission.author_handle_seen) == handle.lower()))))
    return _supersede(ids, f"@{handle} was proven by its owner on another account") if ids else []


def other_claims(subs) -> dict[int, list[Submission]]:
    """For each submission, the other claims ever made on its video (the admin sees both)."""
    by_video = {s.video_id: s for s in subs}
    if not by_video:
        return {}
    found: dict[int, list[Submission]] = {s.id: [] for s in subs}
    for other in db.session.scalars(select(Submission).where(
            Submission.video_id.in_(by_video)).order_by(Submission.id)):
        for sub in subs:
            if sub.video_id == other.video_id and sub.id != other.id:
                found[sub.id].append(other)
    return found


def _parse(url_text: str) -> ParsedUrl:
    """The pasted link as a video; short links are resolved server-side, hop by hop."""
    try:
        parsed = parse_url(url_text)
    except tt.InvalidUrl as exc:
        raise SubmissionError(exc.message, code=exc.code) from exc
    if parsed.kind != "short_link":
        return parsed
    try:
        return http_from_config().resolve(parsed)
    except tt.UnsafeUrl as exc:
        # Where a redirect pointed (IP, other host, port...) is the short link's fault, not the
        # creator's paste: one message for all, except the codes that say something useful.
        code = exc.code if exc.code in ("too_many_redirects", "private_address") else "unsafe_url"
        raise SubmissionError(exc.message, code=code) from exc
    except tt.InvalidUrl as exc:  # it led to a profile or a bad id
        raise SubmissionError(exc.message, code=exc.code) from exc
    except tt.NotFound as exc:
        raise SubmissionError("This short link leads to no video.", code="short_not_found") from exc
    except tt.TikTokError as exc:
        raise SubmissionError("TikTok did not answer; try again in a minute.",
                              code="tiktok_down") from exc


def recheck(submission_id: int, admin_id: int) -> None:
    """Send a submission whose check failed back through verification."""
    try:
        claimed = db.session.execute(
            update(Submission).where(Submission.id == submission_id,
                                     Submission.status.in_(RECHECKABLE))
            .values(status=CHECKING, verify_attempts=0, status_detail=None))
    except IntegrityError as exc:  # its video has a live claim by someone else meanwhile
        db.session.rollback()
        raise ReviewError("Another claim on this video is live.") from exc
    if claimed.rowcount != 1:
        db.session.rollback()
        raise ReviewError("This submission is not waiting for a re-check.")
    creator_id = db.session.get(Submission, submission_id).creator_id
    audit.record(admin_id, "recheck", "submission", submission_id, creator_id=creator_id,
                 submission_id=submission_id)
    db.session.commit()
    queue_verification(submission_id)


def approve_one(submission_id: int, admin_id: int, *, acknowledged_unproven: bool) -> Submission:
    """An admin's one-by-one approval: an unproven creator's video needs their explicit word."""
    sub = db.session.get(Submission, submission_id)
    if sub is None or not sub.can_approve:
        raise ReviewError("This submission is no longer waiting for review.")
    if sub.creator.identity_proven:
        return approve(submission_id, admin_id)
    if not acknowledged_unproven:
        raise NeedsAcknowledgement("The creator has not proven their TikTok account.")
    return approve(submission_id, admin_id, acknowledged_unproven=True)


def approve(submission_id: int, admin_id: int | None, *, action: str = "approve",
            **detail) -> Submission:
    """Approve once (a double click or a second admin gets ReviewError) and lock today's rate.

    `admin_id` None is the system (auto-approval)."""
    now = utcnow()
    claimed = db.session.execute(
        update(Submission).where(Submission.id == submission_id,
                                 Submission.status == PENDING_REVIEW)
        .values(status=APPROVED, reviewed_by_id=admin_id, reviewed_at=now, next_refresh_at=now))
    if claimed.rowcount != 1:
        db.session.rollback()
        raise ReviewError("This submission is no longer waiting for review.")
    signals.approving.send(submission_id, at=now)  # earnings locks today's rate, same commit
    creator_id = db.session.get(Submission, submission_id).creator_id
    audit.record(admin_id, action, "submission", submission_id, creator_id=creator_id,
                 submission_id=submission_id, **detail)
    db.session.commit()
    signals.approved.send(submission_id)  # earnings credits the count verification stored
    return db.session.get(Submission, submission_id)


def approve_many(submission_ids: list[int], admin_id: int | None, *, action: str = "approve",
                 **detail) -> tuple[list[int], list[int]]:
    """Approve many at once, in one transaction; returns (approved, skipped).

    The rules of `approve` for each: approved once (a conditional UPDATE; a repeated id, a
    double click or a second admin skips it), today's rate locked and the decision audited,
    in the same commit; then their credits, together (approved_many). Only creators whose
    TikTok identity is proven (Display API or bio code) go through in bulk: a handle typed at
    sign-up proves nothing, so those submissions get a look one by one (approve_one).
    """
    wanted = list(dict.fromkeys(submission_ids))
    subs = {s.id: s for s in db.session.scalars(
        select(Submission).where(Submission.id.in_(wanted))
        .options(selectinload(Submission.creator)))} if wanted else {}
    eligible = [i for i in wanted if i in subs and subs[i].can_bulk_approve]
    now = utcnow()
    claimed = set(db.session.scalars(
        update(Submission).where(Submission.id.in_(eligible), Submission.status == PENDING_REVIEW)
        .values(status=APPROVED, reviewed_by_id=admin_id, reviewed_at=now, next_refresh_at=now)
        .returning(Submission.id).execution_options(synchronize_session=False))) \
        if eligible else set()
    approved = [i for i in eligible if i in claimed]  # in the order asked
    if approved:
        signals.approving_many.send(None, submission_ids=approved, at=now)  # today's rate
    for submission_id in approved:
        audit.record(admin_id, action, "submission", submission_id,
                     creator_id=subs[submission_id].creator_id, submission_id=submission_id,
                     **detail)
    db.session.commit()
    if approved:  # earnings credits the counts verification stored, notifications tells
        signals.approved_many.send(None, submission_ids=approved)
    return approved, [i for i in wanted if i not in claimed]


def reject(submission_id: int, admin_id: int, reason: str) -> Submission:
    reason = (reason or "").strip()
    if not reason:
        raise ReviewError("A rejection needs a reason the creator can read.")
    claimed = db.session.execute(
        update(Submission).where(Submission.id == submission_id,
                                 Submission.status.in_(REVIEWABLE))
        .values(status=REJECTED, reviewed_by_id=admin_id, reviewed_at=utcnow(),
                reject_reason=reason[:1000], next_refresh_at=None))
    if claimed.rowcount != 1:
        db.session.rollback()
        raise ReviewError("This submission is no longer waiting for review.")
    creator_id = db.session.get(Submission, submission_id).creator_id
    audit.record(admin_id, "reject", "submission", submission_id, creator_id=creator_id,
                 submission_id=submission_id, reason=reason)
    db.session.commit()
    signals.rejected.send(submission_id)  # notifications tells the creator why
    return db.session.get(Submission, submission_id)


def auto_approve_due(now: datetime | None = None) -> list[int]:
    """Approve, as the system, verified videos of proven creators that waited AUTO_APPROVE_HOURS
    with no open flag and no admin decision. Off (nothing happens) when the setting is 0."""
    hours = current_app.config["AUTO_APPROVE_HOURS"]
    if hours <= 0:
        return []
    cutoff = (now or utcnow()) - timedelta(hours=hours)
    due = list(db.session.scalars(
        select(Submission.id).join(User, User.id == Submission.creator_id)
        .where(Submission.status == PENDING_REVIEW, Submission.verified_at <= cutoff,
               User.tiktok_user_id.is_not(None))
        .order_by(Submission.verified_at)))
    # A flag open: an admin looks first. One an admin decided a moment ago is skipped.
    clear = [i for i in due if all(signals.answers(signals.may_auto_approve, i))]
    return approve_many(clear, None, action="auto_approve", after_hours=hours)[0]


CARDS_PER_PAGE = 20


def for_creator(creator_id: int, page: int = 1, per_page: int = CARDS_PER_PAGE,
                total: int | None = None) -> Pagination:
    """One page of the creator's videos, newest first (ids never change, so pages are stable).
    `total`: their number when the caller has it (creator_totals), which saves counting them
    all again (5 ms at 5.000 videos)."""
    query = (select(Submission).where(Submission.creator_id == creator_id)
             .order_by(Submission.id.desc()))
    found = db.paginate(query, page=page, per_page=per_page, error_out=False,
                        count=total is None)
    if total is not None:
        found.total = total
    return found


@dataclass(frozen=True)
class CreatorTotals:
    videos: int
    earning: int  # approved videos
    views: int  # their current counts, summed
    checking: int  # still being checked (the live region polls faster meanwhile)


def creator_totals(creator_id: int) -> CreatorTotals:
    """Whole-account figures by one SQL aggregate, whatever the number of videos."""
    approved = Submission.status == APPROVED
    videos, earning, views, checking = db.session.execute(
        select(func.count(Submission.id),
               func.count(case((approved, Submission.id))),
               func.coalesce(func.sum(case((approved, Submission.current_views), else_=0)), 0),
               func.count(case((Submission.status == CHECKING, Submission.id))))
        .where(Submission.creator_id == creator_id)).one()
    return CreatorTotals(int(videos), int(earning), int(views), int(checking))


def get_for_creator(creator_id: int, submission_id: int) -> Submission | None:
    """Another creator's submission is simply not found (the route answers 404)."""
    return db.session.scalar(select(Submission).where(
        Submission.id == submission_id, Submission.creator_id == creator_id))


def review_queue(page: int = 1, per_page: int = 50) -> Pagination:
    query = (select(Submission).where(Submission.status.in_(REVIEWABLE))
             .order_by(Submission.created_at))
    return db.paginate(query, page=page, per_page=per_page, error_out=False)


@auth_signals.handle_released.connect
def _on_handle_released(loser_id: int, handle: str, tiktok_user_id: str, unproven: bool) -> None:
    """An unproven account lost `handle` to the account's proven owner: its claims on that
    account's videos end (in the proof's transaction). A proven loser's videos stay: they are
    recognised by its own TikTok id."""
    if unproven:
        supersede_claims_on_account(loser_id, tiktok_user_id, handle)
