"""Admin money pages over HTTP: payouts, CSV batch, rates, video rate changes, held drops,
ledger checks. Admins only, CSRF enforced, 422 on bad input, 409 when it is too late."""
import csv
import io
from decimal import Decimal

import pytest
from sqlalchemy import select

from tests import factories
from tests.conftest import csrf_token, run_worker
from tests.test_earnings_services import RATE, earn, key, new_creator, observe, with_bank
from webapp.earnings import payouts, rates
from webapp.earnings import services as earnings
from webapp.earnings.models import LedgerCheck
from webapp.earnings.verify import verify_ledger
from webapp.extensions import db
from webapp.submissions.models import Submission


@pytest.fixture
def shop(ctx):
    """Sari with Rp 24.893,99 earned and a Rp 20.000 withdrawal waiting; one held drop."""
    admin = factories.admin()
    sari = new_creator("sari")
    video = earn(sari, 150_247)
    earn(sari, 1_000_000_000)
    with_bank(sari)
    payout = payouts.request_payout(sari.id, Decimal(20_000), key())
    dropping = earn(sari, 10_000)
    held = observe(dropping, 10)
    return dict(admin=admin.email, admin_id=admin.id, sari=sari.email, sari_id=sari.id,
                payout=payout.id, video=video.id, held=held.id, dropping=dropping.id)


ADMIN_ONLY = [
    ("get", "/admin/money/payouts"), ("post", "/admin/money/payouts/export.csv"),
    ("post", "/admin/money/payouts/1/approve"), ("get", "/admin/money/payouts/1/reject"),
    ("post", "/admin/money/payouts/1/reject"), ("get", "/admin/money/payouts/1/paid"),
    ("post", "/admin/money/payouts/1/paid"), ("get", "/admin/money/payouts/1/row"),
    ("get", "/admin/money/rates"), ("post", "/admin/money/rates"),
    ("get", "/admin/money/videos"), ("get", "/admin/money/videos/1"),
    ("post", "/admin/money/videos/1/rate"), ("get", "/admin/money/holds"),
    ("post", "/admin/money/holds/1/confirm"), ("post", "/admin/money/holds/1/dismiss"),
    ("get", "/admin/money/ledger"), ("post", "/admin/money/ledger/verify"),
    ("get", "/admin/money/ledger/status"),
]


@pytest.mark.parametrize("method,path", ADMIN_ONLY)
def test_creators_get_403(act, shop, method, path):
    act.login(shop["sari"])
    response = act.hx_post(path) if method == "post" else act.client.get(path)
    assert response.status_code == 403


@pytest.mark.parametrize("method,path", [p for p in ADMIN_ONLY if p[0] == "get"])
def test_login_required(client, method, path):
    response = client.get(path)
    assert response.status_code == 302 and "/login" in response.headers["Location"]


@pytest.mark.parametrize("path", [p for m, p in ADMIN_ONLY if m == "post"])
def test_posts_need_the_csrf_token(act, shop, path):
    act.login(shop["admin"])
    assert act.client.post(path, headers={"HX-Request": "true"}).status_code == 400
    assert payouts.get(shop["payout"]).status == "requested"


def test_unknown_records_are_404(act, shop):
    act.login(shop["admin"])
    for path in ("/admin/money/payouts/999/approve", "/admin/money/payouts/999/reject",
                 "/admin/money/holds/999/confirm"):
        assert act.hx_post(path, {"reason": "x"}).status_code == 404
    assert act.client.get("/admin/money/videos/999").status_code == 404
    assert act.client.get("/admin/money/payouts?status=lost").status_code == 404


def test_payout_queue_approve_and_pay(act, shop):
    act.login(shop["admin"])
    queue = act.client.get("/admin/money/payouts").get_data(as_text=True)
    assert f'id="payout-{shop["payout"]}"' in queue and "BCA ••••7890" in queue
    assert "1234567890" not in queue  # masked in lists; the CSV carries the full number
    # Sari has a held drop (an open cliff flag): approving needs the explicit override.
    assert act.hx_post(f"/admin/money/payouts/{shop['payout']}/approve").status_code == 409
    approved = act.hx_post(f"/admin/money/payouts/{shop['payout']}/approve", {"override": "1"})
    assert approved.status_code == 200 and "admin@example.com" in approved.get_data(as_text=True)
    again = act.hx_post(f"/admin/money/payouts/{shop['payout']}/approve")
    assert again.status_code == 409 and 'role="alert"' in again.get_data(as_text=True)
    form = act.hx_get(f"/admin/money/payouts/{shop['payout']}/paid").get_data(as_text=True)
    assert 'name="reference"' in form
    bad = act.hx_post(f"/admin/money/payouts/{shop['payout']}/paid", {"reference": "x"})
    assert bad.status_code == 422
    bad = act.hx_post(f"/admin/money/payouts/{shop['payout']}/paid", {"reference": "<b>bad</b>"})
    assert bad.status_code == 422
    paid = act.hx_post(f"/admin/money/payouts/{shop['payout']}/paid",
                       {"reference": "BCA 2611250001"})
    assert paid.status_code == 200 and "BCA 2611250001" in paid.get_data(as_text=True)
    assert earnings.totals(shop["sari_id"]).balance == Decimal("4893.98854783")
    assert act.hx_post(f"/admin/money/payouts/{shop['payout']}/paid",
                       {"reference": "BCA 2611250002"}).status_code == 409


def test_reject_needs_a_reason_and_releases_the_money(act, shop):
    act.login(shop["admin"])
    assert act.hx_post(f"/admin/money/payouts/{shop['payout']}/reject",
                       {"reason": ""}).status_code == 422
    rejected = act.hx_post(f"/admin/money/payouts/{shop['payout']}/reject",
                           {"reason": "Nama tidak cocok"})
    assert rejected.status_code == 200 and "Nama tidak cocok" in rejected.get_data(as_text=True)
    totals = earnings.totals(shop["sari_id"])
    assert totals.available == totals.balance
    act.logout()
    act.login(shop["sari"])
    assert "Nama tidak cocok" in act.client.get("/earnings/").get_data(as_text=True)


def test_csv_export_is_an_attachment_with_exact_amounts(act, shop):
    payouts.approve(shop["payout"], shop["admin_id"], override=True)
    act.login(shop["admin"])
    assert act.client.get("/admin/money/payouts/export.csv").status_code == 405  # no GET side effect
    assert act.client.post("/admin/money/payouts/export.csv").status_code == 400  # CSRF
    response = act.client.post("/admin/money/payouts/export.csv",
                               data={"csrf_token": csrf_token(act.client)})
    assert response.status_code == 200 and response.mimetype == "text/csv"
    assert response.headers["Content-Disposition"].startswith('attachment; filename="viewpay-')
    rows = list(csv.DictReader(io.StringIO(response.get_data(as_text=True))))
    assert [(r["amount_idr"], r["account_number"], r["holder_name"]) for r in rows] == [
        ("20000", "1234567890", "Sari Dewi")]
    page = act.client.get("/admin/money/payouts?status=approved").get_data(as_text=True)
    assert "/admin/money/payouts/export.csv" in page


def test_setting_a_rate(act, shop):
    act.login(shop["admin"])
    for bad in ("", "-1", "0,000000001", "2", "banyak"):
        response = act.hx_post("/admin/money/rates", {"per_view": bad})
        assert response.status_code == 422, bad
        assert 'id="rates"' in response.get_data(as_text=True)
    ok = act.hx_post("/admin/money/rates", {"per_view": "0,00003"})
    assert ok.status_code == 200 and "Rp0,00003" in ok.get_data(as_text=True)
    assert rates.current_rate() == Decimal("0.00003")


def test_changing_a_videos_rate(act, shop):
    act.login(shop["admin"])
    page = act.client.get(f"/admin/money/videos/{shop['video']}").get_data(as_text=True)
    assert "Rp0,00002489" in page and "Rp3,73964783" in page
    url = f"/admin/money/videos/{shop['video']}/rate"
    assert act.hx_post(url, {"per_view": "0,0001", "reason": ""}).status_code == 422
    assert act.hx_post(url, {"per_view": "x", "reason": "bonus"}).status_code == 422
    assert act.hx_post(url, {"per_view": "0,00002489", "reason": "same"}).status_code == 409
    changed = act.hx_post(url, {"per_view": "0,0001", "reason": "Top creator bonus"})
    html = changed.get_data(as_text=True)
    assert changed.status_code == 200 and 'id="video-money"' in html and "<html" not in html
    assert "Rp0,0001" in html and "Top creator bonus" in html and "Rp11,28505217" in html
    assert db.session.get(Submission, shop["video"]).rate == Decimal("0.0001")
    listing = act.client.get("/admin/money/videos?q=sari").get_data(as_text=True)
    assert f"/admin/money/videos/{shop['video']}" in listing
    assert verify_ledger() == []


def test_confirming_and_dismissing_held_drops(act, shop):
    act.login(shop["admin"])
    page = act.client.get("/admin/money/holds", follow_redirects=True).get_data(as_text=True)
    assert "/admin/money/holds" not in page and 'class="card flag flag-open"' in page
    confirmed = act.hx_post(f"/admin/money/holds/{shop['held']}/confirm")
    assert confirmed.status_code == 200 and 'class="hold-ok"' in confirmed.get_data(as_text=True)
    assert earnings.earned_by_submission(shop["sari_id"])[shop["dropping"]] == RATE * 10
    assert act.hx_post(f"/admin/money/holds/{shop['held']}/dismiss").status_code == 409
    with act.app.app_context():
        other = observe(db.session.get(Submission, shop["dropping"]), 1).id
    dismissed = act.hx_post(f"/admin/money/holds/{other}/dismiss")
    assert dismissed.status_code == 200 and 'class="hold-dismissed"' in dismissed.get_data(
        as_text=True)


def test_ledger_checks_run_on_the_worker_and_the_alert_partial_reports_them(act, shop, app):
    act.login(shop["admin"])
    page = act.client.get("/admin/money/ledger").get_data(as_text=True)
    assert 'id="ledger-alert"' not in page
    queued = act.hx_post("/admin/money/ledger/verify").get_data(as_text=True)
    assert 'hx-trigger="every 2s"' in queued and "after=0" in queued
    still = act.hx_get("/admin/money/ledger/status?after=0").get_data(as_text=True)
    assert 'hx-trigger="every 2s"' in still
    from tests.test_ledger_verify import forge_entry

    with app.app_context():
        forge_entry(shop["sari_id"], shop["video"])
    run_worker(app)
    done = act.hx_get("/admin/money/ledger/status?after=0").get_data(as_text=True)
    assert "hx-trigger" not in done and "data-mismatches=\"2\"" in done
    with app.app_context():
        assert db.session.scalar(select(LedgerCheck.trigger)) == "admin"
    html = act.client.get("/admin/flags").get_data(as_text=True)
    assert 'id="ledger-alert"' in html and "/admin/money/ledger" in html
