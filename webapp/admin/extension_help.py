"""The admins' browser extension, ViewPay's side: the help page (install steps, the zip, the
bookmarklet) and the page the bookmarklet opens, where an admin confirms a count seen on TikTok
with their own session and CSRF token. The count enters like the extension's: a manual entry
with source "extension" under every manual-entry rule (tracking.manual.enter_views)."""
import importlib.util
import json
import re
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone
from pathlib import Path
from urllib.parse import quote

from flask import Response, abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user
from flask_wtf import FlaskForm
from sqlalchemy import select
from wtforms import BooleanField, HiddenField, TextAreaField
from wtforms.validators import Length

from webapp.admin import bp
from webapp.admin.forms import VIEW_ERRORS
from webapp.api.observations import NOTE
from webapp.extensions import db
from webapp.i18n import views as views_text
from webapp.submissions.models import APPROVED, Submission
from webapp.timeutil import utcnow
from webapp.tracking import manual
from webapp.tracking.errors import InvalidViews
from webapp.tracking.models import PROPOSED

EXTENSION_DIR = Path(__file__).resolve().parents[2] / "extension"
_VIDEO_ID = re.compile(r"[0-9]{1,20}")
_COUNT = re.compile(r"[0-9]{1,15}")
CLOCK_SKEW = timedelta(minutes=5)  # the admin's laptop clock may run a little ahead


class SeenError(Exception):
    """The bookmarklet's link cannot be used; the message says why, `status` is the answer's."""

    def __init__(self, message, status: int = 422):
        super().__init__(str(message))
        self.message, self.status = message, status


@dataclass(frozen=True)
class Seen:
    """What the bookmarklet read on the TikTok page, checked."""

    sub: Submission
    views: int
    likes: int | None
    seen_at: datetime | None

    @property
    def decrease(self) -> bool:
        return self.sub.current_views is not None and self.views < self.sub.current_views


class ObserveForm(FlaskForm):
    video_id = HiddenField()
    views = HiddenField()
    likes = HiddenField()
    seen = HiddenField()
    note = TextAreaField(_l("Note (the creator sees it)"),
                         filters=[lambda v: v.strip() if isinstance(v, str) else v],
                         validators=[Length(max=manual.NOTE_MAX,
                                            message=VIEW_ERRORS["note_too_long"])])
    confirm_decrease = BooleanField(_l("Yes, the count went down (the note says why)"))


def read_seen(values) -> Seen:
    """The video, count, likes and time the bookmarklet sent; SeenError when unusable."""
    video_id, views = values.get("video_id", ""), values.get("views", "")
    likes, seen = values.get("likes") or None, values.get("seen") or None
    if not _VIDEO_ID.fullmatch(video_id):
        raise SeenError(_l("This link names no TikTok video. Open the video on TikTok and use "
                           "the bookmarklet again."))
    if not _COUNT.fullmatch(views) or (likes is not None and not _COUNT.fullmatch(likes)):
        raise SeenError(_l("The count in this link is not a whole number. Use the bookmarklet "
                           "again on the video page."))
    seen_at = _seen_at(seen) if seen else None
    sub = db.session.scalar(select(Submission).where(
        Submission.video_id == video_id, Submission.status == APPROVED))
    if sub is None:
        raise SeenError(_l("ViewPay tracks no approved video with this id: only approved videos "
                           "take counts."), 404)
    return Seen(sub, int(views), int(likes) if likes else None, seen_at)


def _seen_at(raw: str) -> datetime:
    try:
        when = datetime.fromisoformat(raw)
    except ValueError:
        raise SeenError(_l("The time in this link is not a date and time.")) from None
    when = when if when.tzinfo else when.replace(tzinfo=timezone.utc)
    if when > utcnow() + CLOCK_SKEW:
        raise SeenError(_l("The time in this link is in the future. Check your computer's clock."))
    return when.astimezone(timezone.utc)


def bookmarklet_url(observe_url: str, words: dict) -> str:
    """parse.js and bookmarklet.js as one javascript: link (comment lines dropped)."""
    lines = ["(function(){", f"var OBSERVE={json.dumps(observe_url)};",
             f"var WORDS={json.dumps(words)};"]
    for name in ("src/parse.js", "bookmarklet.js"):
        for line in (EXTENSION_DIR / name).read_text(encoding="utf-8").splitlines():
            line = line.strip()
            if line and not line.startswith("//"):
                lines.append(line)
    lines.append("})();")
    return "javascript:" + quote("\n".join(lines), safe="()[]{};,.=!*_-~")


def _words() -> dict:
    """What the bookmarklet says when it cannot send, in the admin's language now."""
    blocked = _("TikTok shows a security check or CAPTCHA instead of the video: solve it, "
                "reload, then try again.")
    return {
        "waf": blocked, "captcha": blocked,
        "login": _("TikTok asks you to log in. Log in, then open the video again."),
        "no_blob": _("This page carries no video data (TikTok may be blocking it)."),
        "age_gated": _("This video is age-restricted: log in to TikTok to read it."),
        "mismatch": _("This page still holds another video's data. Reload it, then try again."),
        "photo": _("This is a photo post page: open the post's video address and try again."),
        "not_video": _("Open a TikTok video page first, then use the bookmarklet."),
        "profile": _("Open a TikTok video page first, then use the bookmarklet."),
        "Unavailable": _("TikTok says this video is not available (deleted, private or under "
                         "review)."),
        "Private": _("This video is private."),
        "NotFound": _("TikTok says this video or its account does not exist."),
        "RegionBlocked": _("This video is not shown in your region."),
        "garbled": _("This page could not be read. Reload it, then try again."),
        "rounded": _("TikTok shows only a rounded count on this page, so it cannot be sent. "
                     "Reload the page, or type the exact count in ViewPay."),
    }


@bp.get("/extension")
def extension_help():
    """How to install the extension, and the bookmarklet for browsers without it."""
    link = bookmarklet_url(url_for("admin.observe", _external=True), _words())
    return render_template("admin/extension.html", bookmarklet=link,
                           viewpay_url=request.url_root.rstrip("/"))


@bp.get("/extension/viewpay-extension.zip")
def extension_zip():
    """The extension as a zip (the same as `make extension`), to unpack and load."""
    spec = importlib.util.spec_from_file_location("viewpay_extension_build",
                                                  EXTENSION_DIR / "build.py")
    if spec is None or not (EXTENSION_DIR / "build.py").is_file():
        abort(404)
    build = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(build)
    return Response(build.zip_bytes(), mimetype="application/zip", headers={
        "Content-Disposition": "attachment; filename=viewpay-extension.zip"})


def _observe_page(form: ObserveForm, seen: Seen | None, status: int = 200, error=None):
    thresholds = manual.four_eyes_thresholds(seen.sub, seen.views) if seen else []
    return render_template("admin/observe.html", form=form, seen=seen, error=error,
                           thresholds=thresholds), status


@bp.get("/observe")
def observe():
    """The bookmarklet's landing page: the count seen on TikTok beside ViewPay's, to confirm."""
    try:
        seen = read_seen(request.args)
    except SeenError as exc:
        return _observe_page(ObserveForm(formdata=None), None, exc.status, exc.message)
    form = ObserveForm(formdata=None, data={"video_id": seen.sub.video_id, "views": seen.views,
                                            "likes": seen.likes, "seen": request.args.get("seen")})
    return _observe_page(form, seen)


@bp.post("/observe")
def save_observation():
    """Save the confirmed count as the admin's manual entry (source "extension")."""
    form = ObserveForm()
    try:
        seen = read_seen(request.form)
    except SeenError as exc:
        return _observe_page(form, None, exc.status, exc.message)
    if not form.validate_on_submit():
        return _observe_page(form, seen, 422)
    if seen.decrease and form.confirm_decrease.data and not form.note.data:
        form.note.errors.append(_("Write why the count went down."))
        return _observe_page(form, seen, 422)
    try:
        snap = manual.enter_views(
            seen.sub.id, current_user.id, seen.views, "fetch_blocked", form.note.data or NOTE,
            confirm_decrease=form.confirm_decrease.data, four_eyes_ack=True,
            source="extension", observed_at=seen.seen_at, likes=seen.likes)
    except manual.NeedsConfirmation:
        form.confirm_decrease.errors.append(_("Tick the box to confirm the count went down."))
        return _observe_page(form, seen, 422)
    except InvalidViews as exc:
        return _observe_page(form, seen, 422, VIEW_ERRORS.get(exc.code, VIEW_ERRORS["invalid"]))
    if snap.state == PROPOSED:
        flash(_("Saved as a proposal: %(views)s views wait for a second admin's approval.",
                views=views_text(snap.views)), "success")
    else:
        flash(_("Saved: %(views)s views are now the video's count.",
                views=views_text(snap.views)), "success")
    return redirect(url_for("admin.video_detail", submission_id=seen.sub.id), 303)
