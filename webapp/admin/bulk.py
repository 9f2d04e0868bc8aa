"""Why "approve selected" left videos for a one-by-one look, read from each video as it stands
after the attempt, counted per reason (the admin then knows what to look for)."""
from collections import Counter

from babel.lists import format_list
from flask_babel import get_locale
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from sqlalchemy import select

from webapp.extensions import db
from webapp.submissions.models import (APPROVED, CHECK_FAILED, CHECKING, NOT_FOUND, NOT_YOURS,
                                       PENDING_REVIEW, REJECTED, SUPERSEDED, Submission)

# The order the reasons are listed in; a status not listed here counts as "decided".
REASONS = {
    "not_yours": _l("%(count)s not the creator's video"),
    "unproven": _l("%(count)s from a creator who has not proven their TikTok account"),
    "unverified": _l("%(count)s not verified yet"),
    "decided": _l("%(count)s already decided"),
    "gone": _l("%(count)s no longer exist"),
}
_BY_STATUS = {NOT_YOURS: "not_yours", PENDING_REVIEW: "unproven", NOT_FOUND: "unverified",
              CHECK_FAILED: "unverified", CHECKING: "unverified", APPROVED: "decided",
              REJECTED: "decided", SUPERSEDED: "decided"}


def skip_reasons(submission_ids: list[int]) -> Counter:
    """reason -> how many of `submission_ids` it kept back. A video still waiting was skipped
    because its creator is unproven (approve_many takes every proven creator's one)."""
    statuses = dict(db.session.execute(select(Submission.id, Submission.status).where(
        Submission.id.in_(submission_ids))).all()) if submission_ids else {}
    return Counter(_BY_STATUS.get(statuses[i], "decided") if i in statuses else "gone"
                   for i in submission_ids)


def skipped_message(submission_ids: list[int]) -> str:
    """"2 were left for a one-by-one look: 1 not the creator's video and 1 already decided."""
    counts = skip_reasons(submission_ids)
    reasons = [str(label % {"count": counts[reason]})
               for reason, label in REASONS.items() if counts[reason]]
    return _("%(count)s were left for a one-by-one look: %(reasons)s.",
             count=len(submission_ids), reasons=format_list(reasons, locale=str(get_locale())))
