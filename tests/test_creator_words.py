"""Words on the creator's pages that name what they are about."""
import re

from tests import factories


def test_the_prove_banner_names_the_account_to_prove(app, act):
    with app.app_context():
        factories.creator()
    act.login("sari@example.com")
    page = act.client.get("/dashboard").get_data(as_text=True)
    banner = re.search(r'<p class="card hint">(.*?)</p>', page, re.S).group(1)
    assert "@sari.dance" in banner and "Buktikan bahwa akun TikTok @sari.dance milikmu" in banner
    assert 'href="/account/tiktok"' in banner


def test_a_cards_trend_line_says_what_it_draws(app, act, sandbox):
    from webapp.tiktok.stats import VideoStats
    from webapp.tracking import services as tracking

    with app.app_context():
        video = factories.approved_video(sandbox, views=1_000)
        tracking.record_snapshot(video["sub_id"], VideoStats(video["vid"], "page", views=1_500))
    act.login("sari@example.com")
    page = act.client.get("/dashboard").get_data(as_text=True)
    trend = re.search(r'<div class="vc-trend">(.*?)</div>', page, re.S).group(1)
    assert "<polyline" in trend and 'aria-label="Tayangan dalam 7 hari terakhir"' in trend
    assert '<span class="vc-trend-label" aria-hidden="true">Tayangan, 7 hari terakhir</span>' in trend


def test_the_earnings_hint_says_how_long_money_waits_even_when_it_waits_not_at_all(app, act):
    with app.app_context():
        factories.creator()
    act.login("sari@example.com")
    app.config["VALIDATION_DAYS"] = 3
    page = act.client.get("/earnings/").get_data(as_text=True)
    assert "Pendapatan baru perlu menunggu 3 hari sebelum bisa ditarik" in page
    # Rp25 is what 1.000.000 views earn (Rp24,89) rounded up: "about", not "equal to".
    assert "Penarikan minimal Rp25: kira-kira pendapatan dari 1.000.000 tayangan." in page
    app.config["VALIDATION_DAYS"] = 0
    page = act.client.get("/earnings/").get_data(as_text=True)
    assert "0 hari" not in page and "Pendapatan baru bisa langsung ditarik." in page


def test_a_creator_proven_by_signing_in_is_not_told_to_remove_a_bio_code(app, act, sandbox):
    from tests.test_oauth import connect_creator

    with app.app_context():
        tt = factories.tiktok_user(sandbox, "sari.dance")
        sari = factories.creator()
        connect_creator(app, sandbox, sari.id, "sari.dance")
        assert sari.identity_proven and sari.tiktok_user_id == tt["user_id"]
    act.login("sari@example.com")
    page = act.client.get("/account/tiktok").get_data(as_text=True)
    bio = re.search(r'<div id="tiktok-bio">.*?</div>', page, re.S).group(0)
    assert "nomor pengguna TikTok" in bio and "bio" not in bio.split("</h2>", 1)[1]


def test_a_withdrawal_request_in_the_ledger_shows_the_amount_it_holds(app, act, sandbox):
    from decimal import Decimal

    from tests.test_earnings_services import key, with_bank
    from webapp.earnings import payouts
    from webapp.extensions import db
    from webapp.submissions.models import Submission

    app.config.update(VALIDATION_DAYS=0, PAYOUT_MINIMUM=Decimal(1))
    with app.app_context():
        video = factories.approved_video(sandbox, views=2_000_000)  # Rp49,78
        with_bank(db.session.get(Submission, video["sub_id"]).creator)
        payout_id = payouts.request_payout(video["creator_id"], Decimal(30), key()).id
    act.login("sari@example.com")
    page = act.client.get("/earnings/ledger").get_data(as_text=True)
    row = re.search(rf'Penarikan #{payout_id} diajukan.*?</div>', page, re.S).group(0)
    assert "<summary>Rp30</summary>" in row and "Rp0<" not in row


def test_the_next_update_is_within_minutes_when_a_video_is_due(app, act, sandbox):
    from datetime import timedelta

    from sqlalchemy import update

    from webapp.extensions import db
    from webapp.submissions.models import Submission
    from webapp.timeutil import utcnow

    def due_in(delta):
        with app.app_context():
            db.session.execute(update(Submission).values(next_refresh_at=utcnow() + delta))
            db.session.commit()
        page = act.client.get("/earnings/").get_data(as_text=True)
        return re.search(r'id="earn-next">(.*?)</p>', page, re.S).group(1)

    app.config["REFRESH_SCAN_SECONDS"] = 30  # as the demo: due videos are looked for twice a minute
    with app.app_context():
        factories.approved_video(sandbox, views=1_000)
    act.login("sari@example.com")
    assert "Pembaruan berikutnya dalam beberapa menit." in due_in(timedelta(0))
    later = due_in(timedelta(hours=1))
    assert "sekitar 60 menit" in later and "beberapa menit" not in later
