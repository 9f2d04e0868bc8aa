"""The audit trail: who did what to which record, newest first, filterable."""
from flask import abort, render_template, request
from flask_babel import lazy_gettext as _l

from webapp.admin import bp
from webapp.admin import audit_queries as queries
from webapp.htmx import is_htmx

ACTION_LABELS = {
    "approve": _l("Approved a video"),
    "reject": _l("Rejected a video"),
    "recheck": _l("Asked for a re-check"),
    "auto_approve": _l("Approved a video automatically"),
    "manual_views": _l("Entered views by hand"),
    "manual_views_proposed": _l("Proposed a view count"),
    "manual_views_approved": _l("Approved a proposed view count"),
    "manual_views_rejected": _l("Rejected a proposed view count"),
    "views_import": _l("Imported view counts from a file"),
    "confirm_drop": _l("Confirmed a view drop"),
    "dismiss_drop": _l("Dismissed a view drop"),
    "flag_cleared": _l("Cleared a fraud flag"),
    "flag_confirmed": _l("Confirmed a fraud flag"),
    "set_rate": _l("Set the rate for new approvals"),
    "change_rate": _l("Changed a video's rate"),
    "payout_approve": _l("Approved a payout"),
    "payout_reject": _l("Rejected a payout"),
    "payout_paid": _l("Marked a payout paid"),
    "payout_export": _l("Exported the payout batch"),
    "bank_details": _l("Saved bank details"),
    "handle_set": _l("Set the TikTok handle"),
    "handle_released": _l("Released a TikTok handle"),
    "claim_superseded": _l("Claim superseded by the proven owner"),
    "job_retry": _l("Retried a failed job"),
    "job_drop": _l("Dropped a failed job"),
    "refresh_now": _l("Refreshed views now"),
    "api_token_created": _l("Created an API token"),
    "api_token_revoked": _l("Revoked an API token"),
    "password_reset_requested": _l("Asked for a password-reset link"),
    "password_reset": _l("Reset the password by e-mail link"),
}
SUBJECT_LABELS = {
    "job": _l("Background job"),
    "creator": _l("Creator"),
    "api_token": _l("API token"),
    "submission": _l("Video"),
    "payout": _l("Payout"),
    "payouts": _l("Payouts"),
    "rate": _l("Rate"),
    "snapshot": _l("View count"),
    "view_import": _l("View-count import"),
    "bank_account": _l("Bank account"),
    "user": _l("User"),
    "flag": _l("Flag"),
}
MAX_PAGE = 100_000  # far beyond any real trail; keeps the OFFSET a sane number


def _page_number(raw: str | None) -> int:
    """?page as a positive number: junk means page 1, an absurd number is a 404 (never a 500)."""
    try:
        number = int(raw or 1)
    except ValueError:
        return 1
    if number > MAX_PAGE:
        abort(404)
    return max(number, 1)


@bp.get("/audit")
def audit_log():
    """Every recorded action, newest first, narrowed by actor, creator, video and kind."""
    filters = queries.Filters.from_args(request.args)
    page = queries.events(filters, page=_page_number(request.args.get("page")))
    if page.page > 1 and not page.items:
        abort(404)  # past the end: the trail only grows, so this page never existed
    # A history restore asks for the whole page, though it says HX-Request too.
    partial = is_htmx() and not request.headers.get("HX-History-Restore-Request")
    return render_template("admin/_audit_rows.html" if partial else "admin/audit.html",
                           page=page, rows=queries.describe(page.items), filters=filters,
                           actions=ACTION_LABELS, subjects=SUBJECT_LABELS,
                           admins=[] if partial else queries.admin_emails())
