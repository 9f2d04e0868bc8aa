"""An audit event's stored details (the JSON the services record) as the audit page shows them:
each known key under a translated label, its value in words (views and counts with the reader's
thousands separator, rupiah, ids as #n, codes by their labels). An unknown key, or a value its
format does not fit, is shown as stored: nothing is hidden."""
import json
import re
from decimal import Decimal

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_babel import ngettext

from webapp.admin import bp
from webapp.admin.api_tokens import SCOPE_NAMES
from webapp.admin.flags import FLAG_LABELS, NOT_APPROVED
from webapp.admin.forms import REASON_LABELS
from webapp.earnings.bank import bank_name
from webapp.i18n import hours, rupiah, views
from webapp.submissions.messages import PHRASES, admin_status_label

LABELS = {
    "snapshot_id": _l("Count record"), "views_before": _l("Views before"),
    "views_after": _l("Views after"), "views": _l("Views"),
    "thresholds": _l("Second admin needed for"), "reason_code": _l("Why by hand"),
    "note": _l("Note"), "evidence_url": _l("Evidence link"), "kind": _l("Flag"),
    "reason": _l("Reason"), "reversed": _l("Taken back"), "also": _l("Also decided"),
    "previous_status": _l("Status before"), "video_id": _l("TikTok video id"),
    "handle": _l("TikTok handle"), "previous": _l("Before"), "proven_by": _l("Proven by user"),
    "name": _l("Name"), "scope": _l("Scope"), "owner_id": _l("Owner"), "via": _l("Through"),
    "override_flags": _l("Approved despite open flags"), "reference": _l("Transfer reference"),
    "bank": _l("Bank"), "account": _l("Account number"),
    "replaced": _l("Replaced earlier details"),
    "per_view": _l("Rate per view"), "old": _l("Old rate"), "new": _l("New rate"),
    "adjustment": _l("Adjustment"), "func": _l("Job"), "args": _l("Arguments"),
    "queue": _l("Queue"), "error": _l("Error"), "sha256": _l("File fingerprint (SHA-256)"),
    "rows": _l("Rows"), "to_book": _l("Counts to book"), "to_propose": _l("For a second admin"),
    "already_booked": _l("Already booked"), "videos": _l("Queued for a refresh"),
    "entered_by_id": _l("Entered by user"), "payout_ids": _l("Payouts"),
    "acknowledged_unproven": _l("Author checked by the admin"),
    "after_hours": _l("After waiting"),
}
THRESHOLDS = {"jump": _l("a big jump"), "views": _l("a very high count"),
              "amount": _l("a large amount")}
VIA = {"admin": _l("admin pages"), "cli": _l("command line"), "api": _l("API")}
# Reasons the system writes itself (webapp.tracking.decisions, .listeners, .flags); an admin's
# own words stay as typed.
SYSTEM_REASONS = {"TikTok account proven": _l("The creator proved their TikTok account."),
                  NOT_APPROVED: _l("The video was rejected before it was ever approved: it "
                                   "earned nothing to hold.")}
# webapp.tracking.flags.settle_count_flags: "settled by count 1200 (snapshot 34)".
SETTLED = re.compile(r"settled by count (\d+) \(snapshot (\d+)\)")


def _labelled(labels):
    return lambda value: str(labels.get(value, value))


def _ids(value) -> str:
    return ", ".join(f"#{v}" for v in (value if isinstance(value, list) else [value]))


@bp.app_template_global("reason_in_words")
def _reason(value) -> str:
    """A stored decision reason: the system's own in words, an admin's as typed."""
    found = SYSTEM_REASONS.get(value) or PHRASES.get(value)
    if found:
        return str(found)
    settled = SETTLED.fullmatch(value) if isinstance(value, str) else None
    if settled:
        return _("A newer count of %(views)s views settled it (count record #%(id)s).",
                 views=views(int(settled[1])), id=settled[2])
    return value


def _thresholds(value) -> str:
    if not isinstance(value, list):
        raise TypeError(value)
    return ", ".join(str(THRESHOLDS.get(code, code)) for code in value)


def _count(value) -> str:
    if isinstance(value, bool) or not isinstance(value, int):
        raise TypeError(value)
    return views(value)


def _videos(value) -> str:
    """How many videos (refresh_now's detail): "1 video", "12 videos"."""
    return ngettext("%(count)s video", "%(count)s videos", _number(value), count=_count(value))


def _number(value) -> int:
    if isinstance(value, bool) or not isinstance(value, int):
        raise TypeError(value)
    return value


FORMATS = {
    **dict.fromkeys(("views", "views_before", "views_after", "rows", "to_book", "to_propose",
                     "already_booked"), _count),
    "videos": _videos,
    **dict.fromkeys(("snapshot_id", "also", "proven_by", "owner_id", "entered_by_id",
                     "payout_ids", "override_flags"), _ids),
    **dict.fromkeys(("reversed", "adjustment"), lambda v: rupiah(Decimal(str(v)))),
    **dict.fromkeys(("per_view", "old", "new"), lambda v: rupiah(Decimal(str(v)), exact=True)),
    "thresholds": _thresholds,
    "reason_code": _labelled(REASON_LABELS), "kind": _labelled(FLAG_LABELS),
    "previous_status": lambda v: str(admin_status_label(v)), "via": _labelled(VIA),
    "scope": _labelled(SCOPE_NAMES), "bank": lambda v: bank_name(str(v)), "reason": _reason,
    "after_hours": hours,
}


def detail_items(raw: str | None) -> list[tuple[str, str]]:
    """The detail JSON as (label, text) pairs; anything that is not a JSON object is shown as is."""
    if not raw:
        return []
    try:
        data = json.loads(raw)
    except ValueError:
        return [("", raw)]
    if not isinstance(data, dict):
        return [("", _text(data))]
    # An empty list or text says nothing ("also decided: " with no flag after it): left out.
    return [(str(LABELS.get(key, key)), _value(key, value)) for key, value in data.items()
            if value not in ([], {}, "")]


def _value(key: str, value) -> str:
    fmt = FORMATS.get(key)
    if fmt is None or value is None or isinstance(value, bool):
        return _text(value)
    try:
        return fmt(value)
    except (ArithmeticError, TypeError, ValueError, AttributeError):  # an older event's shape
        return _text(value)


def _text(value) -> str:
    if value is None:
        return "–"
    if isinstance(value, bool):
        return _("yes") if value else _("no")
    if isinstance(value, list):
        return ", ".join(_text(v) for v in value)
    if isinstance(value, dict):
        return json.dumps(value, ensure_ascii=False, separators=(", ", ": "))
    return str(value)
