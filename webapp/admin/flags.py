"""Admin flags: what holds money, the evidence, and clearing or confirming it (audited)."""
from decimal import Decimal, InvalidOperation

from flask import abort, redirect, render_template, request, url_for
from flask_babel import get_locale
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user
from sqlalchemy import select

from webapp.admin import bp
from webapp.admin.charts import sparkline
from webapp.earnings import services as earnings
from webapp.extensions import db
from webapp.htmx import is_htmx
from webapp.i18n import format_decimal
from webapp.submissions.models import Submission
from webapp.tracking import decisions, flags
from webapp.tracking.models import FLAG_KINDS, OK, SUPERSEDED, SUSPECT, ViewSnapshot

FLAG_LABELS = {
    "spike": _l("Sudden jump in views"), "engagement": _l("Views without likes or comments"),
    "cliff": _l("Big drop in views"), "count_mismatch": _l("TikTok count below a manual entry"),
    "identity": _l("TikTok account not proven"),
    # What an identity flag is about when the creator did prove the account (shown_kind).
    "identity_old": _l("Posted long before the proof"),
    "identity_claimed": _l("Claimed by the account's proven owner"),
}
SOURCE_NAMES = {"display": _l("TikTok API"), "page": _l("TikTok page"), "oembed": _l("oEmbed"),
                "manual": _l("Entered by an admin"), "extension": _l("Browser extension")}
STATUS_LABELS = {"open": _l("Open"), "cleared": _l("Cleared"), "confirmed": _l("Confirmed"),
                 "superseded": _l("Settled by a newer count"), "all": _l("All")}
# Stored by webapp.tracking.listeners on the open flags of a video rejected before it was ever
# approved: those flags are closed ("superseded"), but no count settled them.
NOT_APPROVED = "video not approved"
CLOSED_NOT_APPROVED = _l("Closed: the video was not approved")


@bp.app_template_global()
def flag_label(kind: str) -> str:
    return str(FLAG_LABELS.get(kind, kind))


@bp.app_template_global()
def flag_title(flag) -> str:
    """One flag's name as its evidence reads (an identity flag of a proven creator)."""
    return flag_label(flags.shown_kind(flag.kind, flag.evidence))


@bp.app_template_global()
def flag_status_label(status: str, reason: str | None = None) -> str:
    """A flag's status; with its stored reason, a flag closed by its video's rejection says so."""
    if status == SUPERSEDED and reason == NOT_APPROVED:
        return str(CLOSED_NOT_APPROVED)
    return str(STATUS_LABELS.get(status, status))


@bp.app_template_filter()
def ratio(value) -> str:
    """A ratio stored as text in a flag's evidence ("0.00012"), in the reader's digits, every
    stored digit kept ("0,00012"); anything else as stored."""
    if value is None:
        return "–"
    try:
        number = Decimal(str(value))
    except InvalidOperation:
        return str(value)
    return format_decimal(number, format="#,##0.#####", locale=str(get_locale() or "id"),
                          decimal_quantization=False)


@bp.app_template_global()
def source_label(source: str) -> str:
    return str(SOURCE_NAMES.get(source, source))


@bp.app_template_global()
def open_flag_count() -> int:
    return flags.count_open()


@bp.get("/flags")
def flags_page():
    """Open flags first (oldest first): each with its evidence, a chart and the decision."""
    status = request.args.get("status", "open")
    kind = request.args.get("kind") or None
    if status not in STATUS_LABELS or (kind and kind not in FLAG_KINDS):
        abort(404)
    page = flags.page(status, kind, page_number=max(request.args.get("page", 1, type=int), 1))
    return render_template("admin/flags/index.html", page=page, status=status, kind=kind,
                           statuses=STATUS_LABELS, kinds=FLAG_KINDS, cards=_cards(page.items))


@bp.get("/flags/<int:flag_id>")
def flag_detail(flag_id: int):
    flag = flags.get(flag_id) or abort(404)
    return render_template("admin/flags/detail.html", card=_cards([flag])[0],
                           history=flags.for_submission(flag.submission_id))


@bp.post("/flags/<int:flag_id>/clear")
def flag_clear(flag_id: int):
    """Nothing wrong: the held money flows on to pending, then available."""
    return _decide(flag_id, decisions.clear)


@bp.post("/flags/<int:flag_id>/confirm")
def flag_confirm(flag_id: int):
    """The problem is real: held money reversed (or the held count accepted); creator told."""
    return _decide(flag_id, decisions.confirm)


def _decide(flag_id: int, action):
    flag = flags.get(flag_id) or abort(404)
    reason = request.form.get("reason", "")
    error, status = None, 200
    if not " ".join(reason.split()):
        error, status = _("Say why; it is kept in the audit trail and the creator reads it."), 422
    else:
        try:
            action(flag.id, current_user.id, reason)
        except flags.FlagError:
            error, status = _("This flag has already been decided."), 409
    db.session.expire_all()
    card = _cards([flags.get(flag_id)])[0]
    if not is_htmx():
        return redirect(url_for("admin.flag_detail", flag_id=flag_id), 303)
    return render_template("admin/flags/_card.html", card=card, error=error,
                           reason=reason if error else ""), status


@bp.get("/money/holds")
def holds_page():
    """Held drops are flags of the kind "cliff" now (and count mismatches)."""
    return redirect(url_for("admin.flags_page", kind="cliff"), 301)


def _held(flag) -> Decimal:
    """What an open flag holds now: the video's earnings from its snapshot on."""
    if not flag.is_open:
        return Decimal(0)
    return earnings.held_for_submission(flag.submission_id, flag.snapshot_id or 0)


def _cards(items) -> list[dict]:
    """Everything a flag card shows, loaded in a few queries for the whole page."""
    subs = {s.id: s for s in db.session.scalars(select(Submission).where(
        Submission.id.in_({f.submission_id for f in items})))} if items else {}
    cards = []
    for flag in items:
        snaps = list(db.session.execute(
            select(ViewSnapshot.id, ViewSnapshot.fetched_at, ViewSnapshot.views,
                   ViewSnapshot.state, ViewSnapshot.source)
            .where(ViewSnapshot.submission_id == flag.submission_id,
                   ViewSnapshot.state.in_((OK, SUSPECT)))
            .order_by(ViewSnapshot.id.desc()).limit(40)))[::-1]
        series = [(at, views, "raised" if sid == flag.snapshot_id else
                   ("held" if state == SUSPECT else "")) for sid, at, views, state, _ in snaps]
        cards.append(dict(flag=flag, sub=subs.get(flag.submission_id),
                          evidence=flags.evidence_of(flag), held=_held(flag),
                          chart=sparkline(series), snapshots=snaps))
    return cards
