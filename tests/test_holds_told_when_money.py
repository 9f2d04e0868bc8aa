"""A creator hears of a hold only where money is held, in words that fit the hold.

A flag raised while a video waits for review (an unproven creator's identity flag is raised at
verification) holds no money yet: nothing is said until the video is approved, and a rejected
video's flags are closed (nothing to review). A proven creator whose video was posted long
before the proof is not asked to prove their account again: they are told an admin checks it.
Through the real services, the sandbox over HTTP and the pages; on both engines."""
import re
from datetime import timedelta

from sqlalchemy import select

from tests import factories
from webapp.earnings import reviews
from webapp.extensions import db
from webapp.notifications.models import APPROVED, FLAGGED, REJECTED, Notification
from webapp.submissions import services as submissions
from webapp.timeutil import aware, utcnow
from webapp.tracking import flags
from webapp.tracking.models import IDENTITY, OPEN, SUPERSEDED, Flag


def notes(user_id) -> list[tuple[str, str | None, str | None]]:
    """(kind, flag variant, link) of the user's notifications, oldest first."""
    return [(n.kind, n.params.get("flag"), n.link) for n in db.session.scalars(
        select(Notification).where(Notification.user_id == user_id).order_by(Notification.id))]


def submitted(sandbox, creator, tt, caption: str, seconds_ago: int = 86400) -> int:
    vid = factories.tiktok_video(sandbox, tt["user_id"], views=150_247, desc=caption,
                                 video_id=factories.video_id(seconds_ago))
    sub = submissions.submit(creator.id, f"https://www.tiktok.com/@{creator.tiktok_handle}"
                                         f"/video/{vid}")
    assert submissions.verify(sub.id) == "pending_review"
    return sub.id


def open_identity(sub_id) -> Flag | None:
    return flags.open_flag(sub_id, IDENTITY)


def test_an_unproven_creator_hears_of_the_hold_when_the_video_is_approved(ctx, sandbox):
    tt = factories.tiktok_user(sandbox, "sari.dance")
    sari, admin = factories.creator(), factories.admin()
    waiting = submitted(sandbox, sari, tt, "Nasi goreng kampung")
    refused = submitted(sandbox, sari, tt, "Es teh manis")
    # Both hold: an unproven creator's video is never approved on its own (auto-approval).
    assert open_identity(waiting) and open_identity(refused)
    assert notes(sari.id) == []  # no money yet, so none is held: nothing to tell
    assert reviews.for_creator(sari.id) == []

    submissions.reject(refused, admin.id, "Bukan konten asli")
    flag = db.session.scalar(select(Flag).where(Flag.submission_id == refused))
    assert (flag.status, flag.decision_reason) == (SUPERSEDED, "video not approved")

    submissions.approve(waiting, admin.id)
    assert notes(sari.id) == [(REJECTED, None, f"/submissions/{refused}"),
                              (APPROVED, None, f"/submissions/{waiting}"),
                              (FLAGGED, "identity", "/account/tiktok")]
    [review] = reviews.for_creator(sari.id)
    assert (review.kind, review.status, review.submission_id, review.caption) == (
        "identity", OPEN, waiting, "Nasi goreng kampung")
    # The same approval told again (a retried signal) tells nobody twice.
    from webapp.submissions import signals
    signals.approved.send(waiting)
    assert len(notes(sari.id)) == 3


def test_a_video_posted_long_before_the_proof_is_checked_not_proven_again(
        app, act, sandbox):
    with app.app_context():
        sari, tt = factories.proven_creator(sandbox)
        admin = factories.admin()
        old = submitted(sandbox, sari, tt, "Tutorial lama", seconds_ago=400 * 86400)
        fresh = submitted(sandbox, sari, tt, "Tutorial baru")
        assert open_identity(old) is not None and open_identity(fresh) is None
        submissions.approve(old, admin.id)
        submissions.approve(fresh, admin.id)
        told = [n for n in notes(sari.id) if n[0] == FLAGGED]
        assert told == [(FLAGGED, "identity_old", f"/submissions/{old}")]
        [review] = reviews.for_creator(sari.id)
        assert (review.kind, review.caption) == ("identity_old", "Tutorial lama")
        sari_email = sari.email

    act.login(sari_email)
    earnings = act.client.get("/earnings/").get_data(as_text=True)
    assert "posted long before you proved your TikTok account" not in earnings  # Indonesian
    section = re.search(r'<section id="reviews".*?</section>', earnings, re.S).group(0)
    assert "diunggah jauh sebelum" in section and "Buktikan" not in section
    assert "“Tutorial lama”" in section
    card = act.client.get(f"/submissions/{old}").get_data(as_text=True)
    assert "diunggah jauh sebelum" in card and "/account/tiktok" not in card.split("<main", 1)[1]
    inbox = act.client.get("/notifications").get_data(as_text=True)
    assert "diunggah jauh sebelum" in inbox and "Buktikan akun TikTok-mu" not in inbox


def test_proving_the_account_releases_and_the_review_says_so(ctx, sandbox):
    tt = factories.tiktok_user(sandbox, "sari.dance")
    sari, admin = factories.creator(), factories.admin()
    sub = submitted(sandbox, sari, tt, "Nasi goreng kampung")
    submissions.approve(sub, admin.id)
    factories.prove(sari, tt["user_id"])  # the proof answers the flag: cleared by the system
    [review] = reviews.for_creator(sari.id)
    assert (review.kind, review.status) == ("identity", "cleared")
    assert db.session.scalar(select(Flag.status).where(Flag.submission_id == sub)) == "cleared"
    assert utcnow() - aware(review.at) < timedelta(minutes=1)


def test_a_proof_that_leaves_an_old_video_held_changes_what_the_hold_says(app, act, sandbox):
    with app.app_context():
        tt = factories.tiktok_user(sandbox, "sari.dance")
        sari, admin = factories.creator(), factories.admin()
        old = submitted(sandbox, sari, tt, "Tutorial lama", seconds_ago=400 * 86400)
        submissions.approve(old, admin.id)
        [review] = reviews.for_creator(sari.id)
        assert review.kind == "identity"  # not proven: prove it
        factories.prove(sari, tt["user_id"])
        flag = open_identity(old)  # still held: posted more than a year before the proof
        assert flag is not None and flags.evidence_of(flag)["proven"] is True
        [review] = reviews.for_creator(sari.id)
        assert review.kind == "identity_old"
        flag_id = flag.id
    act.login("admin@example.com")
    card = act.client.get(f"/admin/flags/{flag_id}").get_data(as_text=True)
    assert "jauh sebelum kreator membuktikan akun" in card
    assert "Kreator belum membuktikan akun TikTok-nya" not in card
    assert "Diunggah jauh sebelum akun terbukti</a></h2>" in card
    tracked = act.client.get("/admin/videos").get_data(as_text=True)
    assert 'href="/admin/flags?kind=identity">Diunggah jauh sebelum akun terbukti</a>' in tracked
    assert "Akun TikTok belum terbukti</a>" not in tracked  # (the filter still offers it)
