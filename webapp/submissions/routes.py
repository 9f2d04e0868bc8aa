from flask import (abort, current_app, flash, make_response, redirect, render_template, request,
                   url_for)
from flask_babel import get_locale
from flask_babel import gettext as _
from flask_login import current_user, login_required

from webapp.auth import connections
from webapp.auth.login import session_login
from webapp.extensions import limiter
from webapp.htmx import is_htmx
from webapp.submissions import bp, growth, services, thumbnails
from webapp.submissions.cards import card_words, cards_for
from webapp.submissions.errors import SubmissionError
from webapp.submissions.forms import SubmitVideoForm
from webapp.submissions.live_etag import live_etag, live_etag_for_login
from webapp.submissions.messages import error_message
from webapp.timeutil import utcnow
from webapp.txn import read_only


@bp.app_template_global()
def status_label(status: str):
    from webapp.submissions.messages import status_label as label

    return label(status)


@bp.route("/")
def index():
    """Send each visitor to their home page."""
    if not current_user.is_authenticated:
        return render_template("landing.html")  # figures from webapp/landing.py
    if current_user.is_admin:
        return redirect(url_for("admin.queue"))
    return redirect(url_for("submissions.dashboard"))


@bp.app_template_global()
def video_growth(sub, entries, earned):
    """The detail page's chart of views and earnings (entries and earned come from earnings'
    template globals, which this area cannot import)."""
    return growth.growth(sub, entries, earned)


def _page_number() -> int:
    return max(request.args.get("page", 1, type=int), 1)


def _live_context(creator_id: int, page_number: int = 1, etag: str | None = None) -> dict:
    # The region carries its ETag (taken before the data, so a change meanwhile shows on the
    # next poll): live.js sends it and leaves the region alone on a 304.
    etag = etag or live_etag(creator_id, locale=str(get_locale()), page=page_number)
    totals = services.creator_totals(creator_id)
    page = services.for_creator(creator_id, page=page_number, total=totals.videos)
    config, now = current_app.config, utcnow()
    return dict(
        page=page, submissions=page.items, cards=cards_for(creator_id, page.items, now),
        words=card_words(), totals=totals, creator_id=creator_id, etag=etag, now=now,
        poll_seconds=config["CHECKING_POLL_SECONDS"] if totals.checking else config["POLL_SECONDS"],
    )


@bp.get("/dashboard")
@login_required
def dashboard():
    """The creator's home: submit form, balance and video cards (live); HTMX asks for another
    page of cards as the fragment."""
    if current_user.is_admin:
        return redirect(url_for("admin.queue"))
    context = _live_context(current_user.id, _page_number())
    if is_htmx():
        return render_template("submissions/_live.html", **context)
    return render_template("submissions/dashboard.html", form=SubmitVideoForm(),
                           tiktok=connections.get(current_user.id), **context)


@bp.get("/dashboard/live")
@limiter.exempt
@read_only
def live():
    """The self-replacing balance+videos fragment; 304 when nothing changed.

    Every open creator page asks every POLL_SECONDS and nearly every answer is a 304, so a
    browser sending its last tag gets it from one statement that also checks the login (no
    user loaded); anything else, or a login that is not live, takes the ordinary path."""
    page_number = _page_number()
    login = session_login() if request.if_none_match else None
    if login is not None:
        etag = live_etag_for_login(*login, page=page_number)
        if etag is not None and etag in request.if_none_match:
            return _cacheable(make_response("", 304), etag)
    return _live(page_number)


@login_required
def _live(page_number: int):
    etag = live_etag(current_user.id, locale=str(get_locale()), page=page_number)
    if etag in request.if_none_match:
        return _cacheable(make_response("", 304), etag)
    return _cacheable(make_response(render_template(
        "submissions/_live.html", **_live_context(current_user.id, page_number, etag))), etag)


def _cacheable(response, etag: str):
    response.set_etag(etag)
    response.headers["Cache-Control"] = "private, no-cache"
    return response


@bp.post("/submissions")
@limiter.limit("30/minute")
@login_required
def create():
    """Submit a TikTok link: a fresh form and the new row on success, 422 with the reason otherwise."""
    form = SubmitVideoForm()
    if form.validate_on_submit():
        try:
            services.submit(current_user.id, form.url.data)
        except SubmissionError as exc:
            form.url.errors.append(error_message(exc.code))
        else:
            flash(_("Submitted. We are checking your video on TikTok; it appears below."),
                  "success")
            if not is_htmx():
                return redirect(url_for("submissions.dashboard"))
            return render_template("submissions/_submit_form.html", form=SubmitVideoForm(
                formdata=None), oob_live=True, **_live_context(current_user.id))
    if not is_htmx():
        return render_template("submissions/dashboard.html", form=form,
                               **_live_context(current_user.id)), 422
    return render_template("submissions/_submit_form.html", form=form), 422


@bp.get("/submissions/<int:submission_id>")
@login_required
def detail(submission_id: int):
    """One video: its counts and every ledger entry behind its earnings."""
    sub = services.get_for_creator(current_user.id, submission_id)
    if sub is None:
        abort(404)
    now = utcnow()
    return render_template("submissions/detail.html", sub=sub, now=now,
                           card=cards_for(current_user.id, [sub], now)[0])


@bp.get("/videos/<int:submission_id>/thumbnail")
@login_required
def thumbnail(submission_id: int):
    """The stored cover, to its creator or an admin; 404 when there is none (or not theirs).
    Versioned URLs (?v=<etag>) are cached for good, since a new cover gets a new etag."""
    sub = thumbnails.viewable(submission_id, current_user)
    if sub is None or not sub.has_thumbnail:
        abort(404)
    if sub.thumbnail_etag in request.if_none_match:
        response = make_response("", 304)
    else:
        thumb = thumbnails.stored(submission_id)
        if thumb is None:
            abort(404)
        response = make_response(thumb.data)
        response.mimetype = thumb.content_type
    response.set_etag(sub.thumbnail_etag)
    forever = request.args.get("v") == sub.thumbnail_etag
    response.headers["Cache-Control"] = ("private, max-age=31536000, immutable" if forever
                                         else "private, max-age=3600")
    return response
