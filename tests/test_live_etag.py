"""The live fragment's ETag (webapp.submissions.live_etag): one statement; it moves with every
change the fragment shows (a video, a count, money, a hold, money becoming available) and
stays put while nothing changes, however much time passes."""
import re
from datetime import timedelta
from decimal import Decimal

import pytest
from sqlalchemy import select, update

import factories
from tests.sql_counter import statements, wire
from tests.test_earnings_services import key, with_bank
from webapp.auth.models import User
from webapp.earnings import payouts, rates
from webapp.earnings.models import LedgerEntry
from webapp.extensions import db
from webapp.submissions import services
from webapp.submissions.cards import trend_start
from webapp.submissions.live_etag import SETTLE_SECONDS, live_etag
from webapp.submissions.models import Submission
from webapp.timeutil import aware, utcnow
from webapp.tracking import decisions
from webapp.tracking.models import Flag
from webapp.tracking.refresh import refresh_submission

HX = {"HX-Request": "true"}


@pytest.fixture
def sari(app, sandbox):
    with app.app_context():
        made = factories.approved_video(sandbox, views=150_247)
        made["tiktok_id"] = db.session.get(User, made["creator_id"]).tiktok_user_id
        with_bank(db.session.get(User, made["creator_id"]))
    return made


def _tag(creator_id, now=None, **kwargs):
    db.session.rollback()  # a fresh snapshot, as a new request would see
    return live_etag(creator_id, locale=kwargs.pop("locale", "id"), now=now or utcnow(),
                     **kwargs)


def _moves(sari, change) -> None:
    now = utcnow()
    before = _tag(sari["creator_id"], now)
    change()
    assert _tag(sari["creator_id"], now) != before


def test_every_change_the_fragment_shows_moves_the_tag(app, sandbox, sari):
    with app.app_context():
        creator_id, admin_id = sari["creator_id"], sari["admin_id"]
        vid = factories.tiktok_video(sandbox, sari["tiktok_id"], views=1000)
        url = f"https://www.tiktok.com/@sari.dance/video/{vid}"
        _moves(sari, lambda: services.submit(creator_id, url))  # a new video
        factories.set_views(sandbox, sari["vid"], 2_000_000)
        _moves(sari, lambda: refresh_submission(sari["sub_id"]))  # a new count, credited
        _moves(sari, lambda: rates.change_submission_rate(  # an adjustment
            sari["sub_id"], Decimal("0.00005"), admin_id, "a better deal"))
        entries = db.session.scalar(select(db.func.count(LedgerEntry.id)))
        # A payout touches no video: the ledger's part alone must move it.
        _moves(sari, lambda: payouts.request_payout(creator_id, Decimal(30), key()))
        assert db.session.scalar(select(db.func.count(LedgerEntry.id))) == entries + 1
        # A language, a page: another fragment.
        now = utcnow()
        tag = _tag(creator_id, now)
        assert _tag(creator_id, now, locale="en") != tag
        assert _tag(creator_id, now, page=2) != tag


def test_a_hold_raised_lifted_and_a_reversal_move_the_tag(app, sandbox, sari):
    with app.app_context():
        factories.set_views(sandbox, sari["vid"], 12_500_000)
        refresh_submission(sari["sub_id"])
        factories.set_views(sandbox, sari["vid"], 500_000_000, likes=25_000_000)
        _moves(sari, lambda: refresh_submission(sari["sub_id"]))  # a spike: held
        flag = db.session.scalar(select(Flag).where(Flag.status == "open"))
        assert flag is not None and flag.kind == "spike"
        # An admin's decision changes no video and books nothing when clearing: the flags' part.
        now = utcnow()
        before = _tag(sari["creator_id"], now)
        stamp = db.session.get(Submission, sari["sub_id"]).updated_at
        decisions.clear(flag.id, sari["admin_id"], "viral on TikTok, checked by hand")
        assert _tag(sari["creator_id"], now) != before
        assert db.session.get(Submission, sari["sub_id"]).updated_at == stamp
        factories.set_views(sandbox, sari["vid"], 9_000_000_000, likes=450_000_000)
        refresh_submission(sari["sub_id"])
        flag = db.session.scalar(select(Flag).where(Flag.status == "open"))
        assert flag is not None
        _moves(sari, lambda: decisions.confirm(flag.id, sari["admin_id"], "bought views"))
        assert db.session.scalar(select(LedgerEntry).where(LedgerEntry.kind == "reversal"))


def test_money_becoming_available_moves_the_tag_at_its_time(app, sari):
    app.config["VALIDATION_DAYS"] = 3
    with app.app_context():
        created = aware(db.session.scalar(select(db.func.max(LedgerEntry.created_at))))
        due = created + timedelta(days=3)
        # Around the moment the credit leaves the validation window (on one Jakarta day).
        before, after = due - timedelta(seconds=5), due + timedelta(seconds=5)
        if trend_start(before) != trend_start(after):
            before, after = due, due + timedelta(seconds=10)
        assert _tag(sari["creator_id"], before) == _tag(sari["creator_id"],
                                                        before - timedelta(seconds=30))
        assert _tag(sari["creator_id"], after) != _tag(sari["creator_id"], before)


def test_a_quiet_page_keeps_its_tag_as_time_passes(app, sari):
    """No minute in the tag once everything settled: a watching phone gets 304s for hours."""
    with app.app_context():
        # Later than every part's stamp (the submission's, and its credit's a moment after it,
        # seconds after on a busy machine): nothing settling any more.
        quiet = utcnow() + timedelta(seconds=SETTLE_SECONDS + 1)
        later = quiet + timedelta(hours=2)
        if trend_start(later) != trend_start(quiet):  # the trend's day turned: the next one
            quiet = trend_start(later) + timedelta(days=7, minutes=1)
            later = quiet + timedelta(hours=2)
        assert _tag(sari["creator_id"], quiet) == _tag(sari["creator_id"], later)
        # The trend's window moves by the day: one new tag a day.
        assert _tag(sari["creator_id"], quiet + timedelta(days=1)) != _tag(sari["creator_id"],
                                                                            quiet)


def test_a_change_committed_late_with_an_older_stamp_shows_within_a_minute(app, sandbox, sari):
    """A transaction stamps its rows before it commits: a change may arrive with a stamp older
    than the newest one already seen, moving no maximum. While changes are that recent, the
    tag also carries the minute."""
    with app.app_context():
        vid = factories.tiktok_video(sandbox, sari["tiktok_id"], views=1000)
        newer = services.submit(sari["creator_id"],
                                f"https://www.tiktok.com/@sari.dance/video/{vid}")
        stamp = aware(newer.updated_at)
        now = stamp + timedelta(seconds=5)
        now -= timedelta(seconds=now.timestamp() % 60)  # the start of a minute
        if now < stamp:
            now += timedelta(minutes=1)
        seen = _tag(sari["creator_id"], now)
        # The late commit: the first video's row changes with a stamp older than `stamp`.
        db.session.execute(update(Submission).where(Submission.id == sari["sub_id"])
                           .values(current_views=42, updated_at=stamp - timedelta(seconds=1)))
        db.session.commit()
        assert _tag(sari["creator_id"], now + timedelta(seconds=30)) == seen  # same minute
        assert _tag(sari["creator_id"], now + timedelta(seconds=60)) != seen  # the next one


def test_the_304_is_one_statement_with_the_login_check(app, act, sari):
    act.login("sari@example.com")
    tag = act.hx_get("/dashboard/live").headers["ETag"]
    for _ in range(7):  # psycopg prepares a statement after its fifth run: both kinds counted
        with statements(app) as sent, wire(app) as on_wire:
            response = act.hx_get("/dashboard/live", **{"If-None-Match": tag})
        assert response.status_code == 304 and response.data == b""
        assert response.headers["ETag"] == tag
        if on_wire is None:  # SQLite: the tag, the login's check a column of it; no user loaded
            assert len(sent) == 1, sent
            assert all(t in sent[0]
                       for t in ("submissions", "ledger_entries", "flags", "user_sessions"))
        else:  # PostgreSQL: run on psycopg's connection, one statement, no BEGIN or ROLLBACK
            assert sent == [], sent
            assert [m for m, _ in on_wire if m in ("Query", "Execute")] == ["Execute"], on_wire


def test_a_poll_after_logout_gets_401_not_304(app, act, sari):
    """The cookie and the tag of a login that ended: the one-statement path finds no live
    login and hands over to the ordinary one, which answers 401 (never "nothing changed")."""
    act.login("sari@example.com")
    tag = act.hx_get("/dashboard/live").headers["ETag"]
    cookie = act.client.get_cookie("session").value
    act.logout()
    act.client.set_cookie("session", cookie)  # a copy of the cookie kept from before
    answer = act.hx_get("/dashboard/live", **{"If-None-Match": tag})
    assert answer.status_code == 401 and answer.headers["HX-Redirect"] == "/login"


def test_the_fast_304_speaks_the_language_of_the_page(app, act, sari):
    """The one-statement tag and the ordinary one agree, and switching the language moves the
    tag (the fragment's words change), the user's stored choice taken from the same statement."""
    act.login("sari@example.com")
    tag = act.hx_get("/dashboard/live").headers["ETag"]
    assert act.hx_get("/dashboard/live", **{"If-None-Match": tag}).status_code == 304
    act.english()
    answer = act.hx_get("/dashboard/live", **{"If-None-Match": tag})
    assert answer.status_code == 200 and answer.headers["ETag"] != tag
    assert "updated" in answer.get_data(as_text=True)
    english = answer.headers["ETag"]
    assert act.hx_get("/dashboard/live", **{"If-None-Match": english}).status_code == 304


def test_cards_carry_timestamps_the_page_words_itself(app, act, sari):
    with app.app_context():
        db.session.execute(update(Submission).values(
            next_refresh_at=utcnow() + timedelta(minutes=50)))
        db.session.commit()
    act.login("sari@example.com")
    html = act.hx_get("/dashboard/live").get_data(as_text=True)
    live = re.search(r'<section id="live"[^>]*>', html).group(0)
    assert 'data-now="' in live and 'data-just-now="baru saja"' in live
    assert 'data-soon="segera diperbarui lagi"' in live
    # Indonesian words as the fallback, the moment for static/reltime.js beside them.
    assert re.search(r'diperbarui <time datetime="\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ" '
                     r'data-rel="ago">baru saja</time>', html)
    assert re.search(r'<span class="vc-next">berikutnya dalam sekitar <time datetime="[^"]+" '
                     r'data-rel="in">50 menit</time></span>', html)
    act.english()
    html = act.hx_get("/dashboard/live").get_data(as_text=True)
    assert re.search(r'updated <time datetime="[^"]+" data-rel="ago">just now</time>', html)
