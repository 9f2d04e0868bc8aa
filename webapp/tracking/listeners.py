"""Tracking's answers to news from the areas below it (auth, submissions)."""
from webapp.auth import signals as auth_signals
from webapp.submissions import signals as submission_signals
from webapp.tracking import decisions, flags, history, services


@submission_signals.verified.connect
def _first_counts(submission_id: int, stats) -> None:
    services.record_snapshot(submission_id, stats)


@submission_signals.verified_many.connect
def _first_counts_of_many(_sender, found) -> None:
    services.record_first_counts(found)


@submission_signals.rejected.connect
def _nothing_held(submission_id: int) -> None:
    flags.close_unpaid(submission_id, "video not approved")


@submission_signals.may_auto_approve.connect
def _no_open_flag(submission_id: int) -> bool:
    return not flags.has_open_flag(submission_id)


@submission_signals.claim_superseded.connect
def _hold_superseded(submission_id: int, creator_id: int, was_approved: bool,
                     detail: str) -> None:
    if was_approved:
        flags.hold_whole_video(submission_id, creator_id, {"proven": False, "superseded": detail})


@auth_signals.identity_proven.connect
def _release_on_proof(user_id: int) -> None:
    decisions.on_identity_proven(user_id)


@submission_signals.view_history.connect
def _view_history(creator_id: int, submission_ids, since=None) -> dict:
    return history.view_history(creator_id, submission_ids, since)


@submission_signals.open_holds.connect
def _open_holds(creator_id: int, submission_ids) -> dict:
    return history.open_holds(creator_id, submission_ids)
