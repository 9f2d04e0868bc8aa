"""/account/tiktok: connect TikTok (Login Kit OAuth v2) or prove the account with a bio code."""
import hmac
import secrets

from flask import abort, current_app, flash, redirect, render_template, request, session, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required

from webapp.auth import bio, bp, connected_proof, connections, redirect_uri
from webapp.auth.errors import TikTokLinkError
from webapp.auth.messages import link_error
from webapp.extensions import limiter
from webapp.htmx import is_htmx
from webapp.tiktok.client import login_kit, oauth_configured

_STATE_KEY = "tiktok_oauth"


@bp.before_request
def creators_only():
    if request.path.startswith(("/account/tiktok", "/account/handle")) \
            and current_user.is_authenticated and current_user.is_admin:
        abort(404)  # admins have no TikTok account to connect


def _oauth_enabled() -> bool:
    """Login Kit is configured, with a redirect URI from settings (never from the Host header)."""
    return oauth_configured() and redirect_uri.configured(current_app.config) is not None


def _context(**extra) -> dict:
    uid = current_user.id
    conn = connections.get(uid)
    return dict(conn=conn, code=bio.current_code(uid), user=current_user,
                oauth_enabled=_oauth_enabled(),
                proof_pending=connected_proof.pending(current_user, conn), **extra)


@bp.get("/account/tiktok")
@login_required
def tiktok_account():
    """The creator's TikTok page: connection status and the bio-code proof."""
    context = _context()
    if context["proof_pending"]:  # connected before the profile could be read: try (again)
        connected_proof.queue(current_user.id)
    return render_template("auth/tiktok.html", **context)


@bp.post("/account/tiktok/connect")
@login_required
def tiktok_connect():
    """Send the creator to TikTok's consent page with a one-time state (our CSRF guard)."""
    if not _oauth_enabled():
        flash(link_error("not_configured"), "error")
        return redirect(url_for("auth.tiktok_account"))
    state = secrets.token_urlsafe(32)
    session[_STATE_KEY] = {"state": state, "uid": current_user.id}
    return redirect(login_kit().authorize_url(state))


@bp.get("/account/tiktok/callback")
@login_required
def tiktok_callback():
    """TikTok sends the creator back here with a code (or an error) and our state."""
    expected = session.pop(_STATE_KEY, None) or {}
    given = request.args.get("state", "")
    if (not expected or expected.get("uid") != current_user.id
            or not hmac.compare_digest(str(expected.get("state", "")), given)):
        flash(link_error("state"), "error")
        return redirect(url_for("auth.tiktok_account"), 303)
    if not _oauth_enabled():
        flash(link_error("not_configured"), "error")
        return redirect(url_for("auth.tiktok_account"), 303)
    error = request.args.get("error")
    if error or not request.args.get("code"):
        code = "access_denied" if error == "access_denied" else "oauth_error"
        flash(link_error(code, error=(error or "no code")[:60]), "error")
        return redirect(url_for("auth.tiktok_account"))
    try:
        conn = connections.connect(current_user.id, request.args["code"])
    except TikTokLinkError as exc:
        flash(link_error(exc.code, **exc.params), "error")
    else:
        flash(_("Connected: TikTok account @%(handle)s. We now read your views through "
                "TikTok's official API.", handle=conn.username), "success")
    return redirect(url_for("auth.tiktok_account"))


@bp.post("/account/tiktok/disconnect")
@login_required
def tiktok_disconnect():
    """Revoke ViewPay's access at TikTok and forget the tokens."""
    if connections.disconnect(current_user.id):
        flash(_("Disconnected. We will read your views from your public TikTok page."),
              "success")
    return redirect(url_for("auth.tiktok_account"), 303)


def _bio_answer(error: str | None = None, status: int = 200):
    if is_htmx():
        return render_template("auth/_bio.html", **_context(error=error)), status
    if error:
        flash(error, "error")
    return redirect(url_for("auth.tiktok_account"), 303)


@bp.post("/account/tiktok/bio-code")
@login_required
def bio_code():
    """Give the creator their bio code (the same one until it expires)."""
    bio.issue_code(current_user.id)
    return _bio_answer()


@bp.post("/account/tiktok/bio-check")
@limiter.limit("10/minute")
@login_required
def bio_check():
    """Read the creator's TikTok profile and look for the code in the bio."""
    try:
        bio.check_bio(current_user.id)
    except TikTokLinkError as exc:
        return _bio_answer(link_error(exc.code, **exc.params), 422)
    # htmx too: the message rides out of band on the fragment (webapp.htmx)
    flash(_("Verified: this TikTok account is yours. You can remove the code from your bio."),
          "success")
    return _bio_answer()
