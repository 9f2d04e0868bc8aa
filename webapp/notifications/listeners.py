"""Notifications' answers to news from the areas below it: each event becomes a notification
(and a mail for those who want one).

Two kinds of news:
- sent after the sender committed (approved, rejected, payouts, a recorded count): recorded
  here and committed on its own. The sender's work already stands, so a failure here is
  logged and rolled back instead of turning a done approval or payout into an error page;
- sent inside the sender's transaction (a flag raised, a video gone, a claim superseded, a
  refresh batch's counts): written into that transaction, committed or rolled back with it,
  never committed here.
"""
import functools
import hashlib
import logging

from sqlalchemy import select

from webapp.auth import signals as auth_signals
from webapp.auth.models import User
from webapp.earnings import signals as earnings_signals
from webapp.earnings.models import Payout
from webapp.extensions import db
from webapp.notifications import links, mails, milestones, outbox, services
from webapp.notifications.models import (
    APPROVED, CLAIM_SUPERSEDED, FLAGGED, PAYOUT_APPROVED, PAYOUT_PAID, PAYOUT_REJECTED, REJECTED,
    TAKEN_BACK, TRACKING_STOPPED)
from webapp.submissions import signals as submission_signals
from webapp.submissions.models import APPROVED as VIDEO_APPROVED
from webapp.submissions.models import Submission
from webapp.timeutil import aware
from webapp.tracking import cadence, flags
from webapp.tracking import signals as tracking_signals
from webapp.tracking.models import IDENTITY, OPEN, Flag

log = logging.getLogger(__name__)


def _after_commit(receiver):
    """Record and commit; never fail the sender, whose own work has committed already."""
    @functools.wraps(receiver)
    def run(*args, **kwargs):
        try:
            receiver(*args, **kwargs)
            db.session.commit()
        except Exception:  # noqa: BLE001 - logged; the event itself stands
            db.session.rollback()
            log.exception("notification for %s %s not recorded", receiver.__name__, args)
        return None  # earnings' answer to count_recorded stays the one callers read
    return run


def _in_transaction(receiver):
    """Write into the sender's open transaction without flushing its pending rows early (a
    racing flag's IntegrityError must surface at the sender's commit, where it is caught)."""
    @functools.wraps(receiver)
    def run(*args, **kwargs):
        with db.session.no_autoflush:
            receiver(*args, **kwargs)
        return None
    return run


def _video(sub: Submission, **extra) -> dict:
    return {"submission_id": sub.id, "caption": sub.caption, "video_id": sub.video_id, **extra}


def _video_page(sub: Submission) -> str:
    return links.path_for("submissions.detail", submission_id=sub.id)


@submission_signals.approved.connect
@_after_commit
def _approved(submission_id: int) -> None:
    sub = db.session.get(Submission, submission_id)
    _tell_approved(sub)
    _tell_holds([sub])


@submission_signals.approved_many.connect
@_after_commit
def _approved_many(_sender, submission_ids) -> None:
    """A bulk approval tells each creator once: one video as on its own, several as one
    notification (and one mail) naming how many, not one per video."""
    approved = list(db.session.scalars(select(Submission).where(
        Submission.id.in_(submission_ids)).order_by(Submission.id)))
    by_creator: dict[int, list[Submission]] = {}
    for sub in approved:
        by_creator.setdefault(sub.creator_id, []).append(sub)
    for creator_id, subs in by_creator.items():
        if len(subs) == 1:
            _tell_approved(subs[0])
        else:
            _tell_approved_together(creator_id, subs)
    _tell_holds(approved)  # one query for the whole approval


def _tell_approved(sub: Submission) -> None:
    services.notify(sub.creator_id, APPROVED, str(sub.id), _video(sub), _video_page(sub))


def _tell_holds(subs: list[Submission]) -> None:
    """Flags raised while the videos waited for review held no money then and told no one:
    now that the videos earn, their creators learn what holds the money."""
    by_id = {sub.id: sub for sub in subs}
    for flag in db.session.scalars(select(Flag).where(Flag.submission_id.in_(by_id),
                                                      Flag.status == OPEN).order_by(Flag.id)):
        _tell_flag(by_id[flag.submission_id], flag.kind, flag.snapshot_id,
                   flags.shown_kind(flag.kind, flag.evidence))


def _tell_flag(sub: Submission, kind: str, snapshot_id: int | None, shown: str) -> None:
    # A missing proof is lifted by the creator proving their account: send them there.
    link = (links.path_for("auth.tiktok_account") if shown == IDENTITY
            else _video_page(sub))
    services.notify(sub.creator_id, FLAGGED, f"{sub.id}:{kind}:{snapshot_id or 0}",
                    _video(sub, flag=shown), link)


def _tell_approved_together(creator_id: int, subs: list[Submission]) -> None:
    # The key names the approval's videos, so a repeated signal tells no one again.
    ids = ",".join(str(sub.id) for sub in subs)
    key = "many:" + hashlib.sha256(ids.encode()).hexdigest()[:32]
    first = subs[0]
    services.notify(creator_id, APPROVED, key,
                    _video(first, count=len(subs)),
                    links.path_for("submissions.dashboard"))


@submission_signals.rejected.connect
@_after_commit
def _rejected(submission_id: int) -> None:
    sub = db.session.get(Submission, submission_id)
    services.notify(sub.creator_id, REJECTED, str(sub.id), _video(sub, reason=sub.reject_reason),
                    _video_page(sub))


def _tell_about_payout(payout_id: int, creator_id: int, kind: str, **extra) -> None:
    """A payout's news: its amount, one more field of the payout, a link to it."""
    payout = db.session.get(Payout, payout_id)
    params = {"amount": str(payout.amount),
              **{name: getattr(payout, field) for name, field in extra.items()}}
    services.notify(creator_id, kind, str(payout_id), params,
                    links.path_for("earnings.payout", payout_id=payout_id))


@earnings_signals.payout_approved.connect
@_after_commit
def _payout_approved(payout_id: int, creator_id: int) -> None:
    _tell_about_payout(payout_id, creator_id, PAYOUT_APPROVED)


@earnings_signals.payout_rejected.connect
@_after_commit
def _payout_rejected(payout_id: int, creator_id: int) -> None:
    _tell_about_payout(payout_id, creator_id, PAYOUT_REJECTED, reason="reject_reason")


@earnings_signals.payout_paid.connect
@_after_commit
def _payout_paid(payout_id: int, creator_id: int) -> None:
    _tell_about_payout(payout_id, creator_id, PAYOUT_PAID, reference="transfer_reference")


@submission_signals.claim_superseded.connect
@_in_transaction
def _claim_superseded(submission_id: int, creator_id: int, was_approved: bool,
                      detail: str) -> None:
    """The creator's claim ended because the TikTok account's proven owner claimed the video
    (`detail` is the audit's English wording; the notification words its own)."""
    sub = db.session.get(Submission, submission_id)
    services.notify(creator_id, CLAIM_SUPERSEDED, str(submission_id),
                    _video(sub, was_approved=was_approved), _video_page(sub))


@tracking_signals.count_recorded.connect
@_after_commit
def _count_recorded(submission_id: int, snapshot_id: int, note: str | None = None) -> None:
    milestones.check([submission_id])


@tracking_signals.counts_stored.connect
@_in_transaction
def _counts_stored(_sender, pairs) -> None:
    """A refresh batch, in its transaction (earnings has booked the credits in it already)."""
    milestones.check([submission_id for submission_id, _ in pairs])


@tracking_signals.flag_raised.connect
@_in_transaction
def _flag_raised(submission_id: int, creator_id: int, kind: str, snapshot_id: int | None,
                 shown: str | None = None) -> None:
    sub = db.session.get(Submission, submission_id)
    if sub.status != VIDEO_APPROVED:
        return  # no money yet, so none held: told at its approval if the flag is still open
    _tell_flag(sub, kind, snapshot_id, shown or kind)


@tracking_signals.money_taken_back.connect
@_in_transaction
def _money_taken_back(submission_id: int, creator_id: int, flag_id: int, amount,
                      reason: str) -> None:
    sub = db.session.get(Submission, submission_id)
    services.notify(creator_id, TAKEN_BACK, str(flag_id),
                    _video(sub, amount=str(amount), reason=reason), _video_page(sub))


@tracking_signals.tracking_stopped.connect
@_in_transaction
def _tracking_stopped(submission_id: int, reason: str, since) -> None:
    sub = db.session.get(Submission, submission_id)
    if sub is None or sub.status != VIDEO_APPROVED:
        return  # a video still being checked: verification words that itself
    # One disappearance, one notification: keyed by the last count before it.
    episode = int(aware(since).timestamp()) if since else 0
    services.notify(sub.creator_id, TRACKING_STOPPED, f"{submission_id}:{episode}",
                    _video(sub, state=cadence.state_of(reason)), _video_page(sub))


@auth_signals.password_reset_requested.connect
@_in_transaction
def _password_reset(user_id: int, token: str) -> None:
    mails.queue_password_reset(db.session.get(User, user_id), token)


@tracking_signals.scan_started.connect
def _resend_unsent(_sender) -> None:
    """The periodic scan: queue again mail whose job was lost or gave up."""
    try:
        queued = outbox.requeue_unsent()
    except Exception:  # noqa: BLE001 - mail must never stop the refresh scan
        db.session.rollback()
        log.exception("could not queue unsent mail again")
        return
    if queued:
        log.info("queued %s unsent mail(s) again", queued)
