"""/notifications: the list, the header bell (polled cheaply), marking read, the e-mail choice."""
from flask import abort, flash, make_response, redirect, render_template, request, url_for
from flask_babel import get_locale
from flask_babel import gettext as _
from flask_login import current_user, login_required

from webapp.extensions import limiter
from webapp.notifications import bp, links, messages, services
from webapp.notifications.forms import EmailChoiceForm
from webapp.txn import read_only


@bp.app_template_global("notification_bell")
def notification_bell() -> dict | None:
    """What the header bell shows (creators only; admins get no notifications)."""
    if not current_user.is_authenticated or current_user.is_admin:
        return None
    unread, etag = services.bell_state(current_user.id)
    return {"unread": unread, "etag": f"{etag}-{get_locale()}"}  # its label is worded


@bp.get("/notifications")
@login_required
def index():
    """The user's notifications, newest first, each worded in the reader's language."""
    page = services.page(current_user.id, request.args.get("page", 1, type=int))
    if page.page > 1 and not page.items:
        abort(404)
    items = [(n, messages.words(n.kind, n.params or {})) for n in page.items]
    return render_template("notifications/index.html", page=page, items=items,
                           unread=services.unread_count(current_user.id))


@bp.get("/notifications/bell")
@limiter.exempt
@read_only
@login_required
def bell():
    """The bell alone, for the header's poll: 304 while nothing changed (one indexed query)."""
    state = notification_bell()
    if state is None:
        abort(404)
    if state["etag"] in request.if_none_match:
        response = make_response("", 304)
    else:
        response = make_response(render_template("notifications/_nav.html", bell=state))
    response.set_etag(state["etag"])
    response.headers["Cache-Control"] = "private, no-cache"
    return response


@bp.get("/notifications/<int:notification_id>")
@login_required
def open_one(notification_id: int):
    """Mark one read and go to what it is about (another user's is simply not found)."""
    found = services.open_one(current_user.id, notification_id)
    if found is None:
        abort(404)
    target = found.link if links.is_internal(found.link) else url_for("notifications.index")
    return redirect(target, 303)


@bp.post("/notifications/read")
@login_required
def read_all():
    """Mark every notification read."""
    count = services.mark_all_read(current_user.id)
    if count:
        flash(_("All notifications marked as read."), "success")
    return redirect(url_for("notifications.index"), 303)


@bp.route("/notifications/settings", methods=["GET", "POST"])
@limiter.limit("20/minute", methods=["POST"])
@login_required
def settings():
    """Notifications by e-mail too, or only here."""
    form = EmailChoiceForm(data={"email": services.wants_email(current_user.id)}
                           if request.method == "GET" else None)
    if form.validate_on_submit():
        services.set_email(current_user.id, form.email.data)
        flash(_("Saved: you get notifications by e-mail too.") if form.email.data
              else _("Saved: no more e-mail; notifications stay here."), "success")
        return redirect(url_for("notifications.settings"), 303)
    status = 422 if request.method == "POST" else 200
    return render_template("notifications/settings.html", form=form,
                           email=current_user.email), status
