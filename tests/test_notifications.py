"""In-app notifications: each event tells its creator once, in the reader's language, to them
alone; the bell counts what is unread and answers its poll with 304 while nothing changed."""
import re
import uuid
from decimal import Decimal

import pytest
from flask_babel import force_locale, gettext
from sqlalchemy import func, select

from tests import factories
from webapp.earnings import payouts
from webapp.earnings.bank import save_account
from webapp.extensions import db
from webapp.notifications import services as notifications
from webapp.notifications.models import (
    APPROVED, FIRST_RUPIAH, FLAGGED, MILESTONE_VIEWS, PAYOUT_APPROVED, PAYOUT_PAID, REJECTED,
    TRACKING_STOPPED, Notification, OutboxMail)
from webapp.submissions import services as submissions
from webapp.tracking import manual
from webapp.tracking.models import ENGAGEMENT, Flag
from webapp.tracking.refresh import refresh_submission


def kinds_of(user_id: int) -> list[tuple[str, str]]:
    """(kind, key) of the user's notifications, oldest first."""
    return [tuple(row) for row in db.session.execute(
        select(Notification.kind, Notification.key).where(Notification.user_id == user_id)
        .order_by(Notification.id))]


def test_every_event_tells_its_creator_once(app, ctx, sandbox):
    app.config["PAYOUT_MINIMUM"] = Decimal(1)  # a withdrawal from a few thousand views
    video = factories.approved_video(sandbox, views=5_000)
    sari, admin, sub_id, vid = video["creator_id"], video["admin_id"], video["sub_id"], video["vid"]
    told = [(APPROVED, str(sub_id))]
    assert kinds_of(sari) == told

    # A rejection carries the admin's reason.
    tt_user = sandbox_user(sandbox)
    other = factories.tiktok_video(sandbox, tt_user, views=10)
    rejected = submissions.submit(sari, f"https://www.tiktok.com/@sari.dance/video/{other}").id
    submissions.verify(rejected)
    submissions.reject(rejected, admin, "Repost dari akun lain")
    told.append((REJECTED, str(rejected)))
    assert kinds_of(sari) == told
    assert latest(sari).params["reason"] == "Repost dari akun lain"

    # A count recorded by hand (count_recorded, after its commit): the 10.000 views milestone,
    # once, even when the same count is recorded again.
    for _ in range(2):
        manual.enter_views(sub_id, admin, 12_000, "creator_evidence", "screenshot")
    told.append((MILESTONE_VIEWS, f"{sub_id}:10000"))
    assert kinds_of(sari) == told

    # A refresh (counts_stored, inside the batch's transaction): 100.000 views and the first
    # Rupiah (150.000 x Rp0,00002489 = Rp3,73), told once however often the count repeats.
    factories.set_views(sandbox, vid, 150_000, likes=7_500, comments=300, shares=150)
    for _ in range(2):
        assert refresh_submission(sub_id) == "ok"
    told += [(MILESTONE_VIEWS, f"{sub_id}:100000"), (FIRST_RUPIAH, "first")]
    assert kinds_of(sari) == told
    assert Decimal(latest(sari).params["amount"]) == Decimal("3.7335")

    # A withdrawal approved, then paid.
    save_account(sari, "bca", "1234567890", "Sari Dewi")
    payout = payouts.request_payout(sari, Decimal(2), uuid.uuid4().hex)
    payouts.approve(payout.id, admin)
    payouts.mark_paid(payout.id, admin, "BCA-TRF-0042")
    told += [(PAYOUT_APPROVED, str(payout.id)), (PAYOUT_PAID, str(payout.id))]
    assert kinds_of(sari) == told
    paid = latest(sari).params
    assert (Decimal(paid["amount"]), paid["reference"]) == (Decimal(2), "BCA-TRF-0042")

    # A flag raised by a refresh (views without likes): told with the flag's kind.
    factories.set_views(sandbox, vid, 400_000, likes=10, comments=0, shares=0)
    refresh_submission(sub_id)
    flag = db.session.scalar(select(Flag).where(Flag.submission_id == sub_id))
    assert flag.kind == ENGAGEMENT
    told.append((FLAGGED, f"{sub_id}:{ENGAGEMENT}:{flag.snapshot_id}"))
    assert kinds_of(sari) == told

    # The video goes private: tracking stops, told once for this disappearance.
    factories.set_views(sandbox, vid, 400_000, status="private")
    for _ in range(2):
        assert refresh_submission(sub_id) == "private"
    assert kinds_of(sari)[len(told):] == [(TRACKING_STOPPED, kinds_of(sari)[-1][1])]
    assert latest(sari).params["state"] == "private"

    # Admins are told nothing; every notification mailed once (e-mail is on by default).
    assert kinds_of(admin) == []
    mails = db.session.scalar(select(func.count(OutboxMail.id)).where(OutboxMail.user_id == sari))
    assert mails == len(told) + 1


def sandbox_user(sandbox) -> str:
    """The TikTok user id of the sandbox account approved_video made (@sari.dance)."""
    import requests

    users = requests.get(sandbox.base_url + "/_sandbox/users", timeout=5).json()["users"]
    return next(u["user_id"] for u in users if u["handle"] == "sari.dance")


def latest(user_id: int) -> Notification:
    return db.session.scalar(select(Notification).where(Notification.user_id == user_id)
                             .order_by(Notification.id.desc()).limit(1))


def test_a_repeated_or_lower_milestone_is_no_news(app, ctx, sandbox):
    from webapp.notifications import milestones

    video = factories.approved_video(sandbox, views=2_000_000)
    sub_id, sari = video["sub_id"], video["creator_id"]
    # 2.000.000 views at once: only the highest milestone, not the ones it jumped over.
    assert milestones.check([sub_id]) == 2  # 1.000.000 views and the first Rupiah
    db.session.commit()
    assert milestones.check([sub_id, sub_id]) == 0
    # After a confirmed drop to 150.000, 100.000 views is no news.
    manual.enter_views(sub_id, video["admin_id"], 150_000, "correction", "recount",
                       confirm_decrease=True)
    assert [k for k, _ in kinds_of(sari)].count(MILESTONE_VIEWS) == 1


@pytest.fixture
def two_creators(app, sandbox):
    """Sari with three notifications (an approval, a payout paid, a rejection) and Budi."""
    with app.app_context():
        video = factories.approved_video(sandbox, views=1_234)
        budi = factories.creator("budi@example.com", "budi_masak")
        sari = video["creator_id"]
        notifications.notify(sari, PAYOUT_PAID, "7", {"amount": "150000.5", "reference": "TRF-1"},
                             "/earnings/payouts/7")
        notifications.notify(sari, REJECTED, "99", {"submission_id": 99, "caption": None,
                                                    "video_id": "7301234567890123456",
                                                    "reason": "Bukan videomu"})
        db.session.commit()
        ids = list(db.session.scalars(select(Notification.id).where(Notification.user_id == sari)
                                      .order_by(Notification.id)))
        return {"sari": sari, "budi": budi.id, "ids": ids, "sub_id": video["sub_id"]}


def test_the_page_words_them_in_the_readers_language(act, two_creators):
    act.login("sari@example.com")
    html = act.client.get("/notifications").get_data(as_text=True)
    assert 'lang="id"' in html
    assert "Rp150.000,50" in html  # the rupiah filter, Indonesian digits
    assert "Bukan videomu" in html and "…123456" in html  # the reason, the video's last digits
    titles = re.findall(r'class="nt-title">(.*?)</span>\s*<span class="nt-body"', html, re.S)
    assert len(titles) == 3
    # Worded from the catalog when shown (.mo files are built from the .po by `make setup`).
    with act.app.test_request_context(), force_locale("id"):
        money_sent = gettext("Money sent")
    assert money_sent != "Money sent" and money_sent in titles[1]
    act.client.post("/lang/en", data={"csrf_token": csrf(act), "next": "/notifications"})
    html = act.client.get("/notifications").get_data(as_text=True)
    assert 'lang="en"' in html
    assert "Money sent" in html and "Rp150,000.50 was transferred to your account" in html
    assert "Video not approved" in html and "Reason: Bukan videomu" in html
    assert "Video approved" in html
    # Newest first; each item's time is in Jakarta time, labelled.
    assert html.index("Video not approved") < html.index("Money sent") < html.index(
        "Video approved")
    assert html.count(" WIB") >= 3


def csrf(act) -> str:
    from tests.conftest import csrf_token

    return csrf_token(act.client)


def test_bell_counts_unread_and_polls_with_304(act, two_creators):
    act.login("sari@example.com")
    page = act.client.get("/notifications").get_data(as_text=True)
    assert re.search(r'class="nt-count"[^>]*>3<', page)
    first = act.hx_get("/notifications/bell")
    assert first.status_code == 200 and 'data-live-value="3"' in first.get_data(as_text=True)
    etag = first.headers["ETag"]
    assert act.hx_get("/notifications/bell", **{"If-None-Match": etag}).status_code == 304

    # Opening one marks it read and goes where it points.
    opened = act.client.get(f"/notifications/{two_creators['ids'][1]}")
    assert opened.status_code == 303 and opened.headers["Location"] == "/earnings/payouts/7"
    again = act.hx_get("/notifications/bell", **{"If-None-Match": etag})
    assert again.status_code == 200 and 'data-live-value="2"' in again.get_data(as_text=True)

    # Mark all read: the bell has no count left, and says so once.
    done = act.client.post("/notifications/read", data={"csrf_token": csrf(act)},
                           follow_redirects=True)
    assert "nt-count" not in done.get_data(as_text=True).split("<main>")[0]
    assert "nt-unread" not in done.get_data(as_text=True)
    assert 'class="nt-count"' not in act.hx_get("/notifications/bell").get_data(as_text=True)


def test_other_users_cannot_see_them(act, two_creators):
    act.login("budi@example.com")
    for notification_id in two_creators["ids"]:
        assert act.client.get(f"/notifications/{notification_id}").status_code == 404
    html = act.client.get("/notifications").get_data(as_text=True)
    assert "nt-item" not in html and "Bukan videomu" not in html
    act.client.post("/notifications/read", data={"csrf_token": csrf(act)})
    with act.app.app_context():  # Budi's "mark all read" touched none of Sari's
        assert notifications.unread_count(two_creators["sari"]) == 3
    act.logout()
    assert act.client.get("/notifications").status_code == 302  # login first


def test_email_can_be_switched_off(act, two_creators, app, sandbox):
    act.login("sari@example.com")
    act.client.post("/lang/en", data={"csrf_token": csrf(act)})  # to read the message's words
    page = act.client.get("/notifications/settings").get_data(as_text=True)
    assert re.search(r'<input checked id="email"', page)
    saved = act.client.post("/notifications/settings", data={"csrf_token": csrf(act)},
                            follow_redirects=True)
    assert "no more e-mail" in saved.get_data(as_text=True)
    with app.app_context():
        before = db.session.scalar(select(func.count(OutboxMail.id)))
        notifications.notify(two_creators["sari"], APPROVED, "42", {"video_id": "1"})
        db.session.commit()
        assert db.session.scalar(select(func.count(OutboxMail.id))) == before
        assert notifications.unread_count(two_creators["sari"]) == 4  # still told in the app
