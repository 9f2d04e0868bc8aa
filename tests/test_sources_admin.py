"""The circuit breaker opens when TikTok keeps failing, and admins see it on the queue page."""
import requests

from tests import factories
from tests.test_oauth import sandbox_log
from webapp.auth import services as auth
from webapp.extensions import db
from webapp.submissions import services as submissions
from webapp.submissions.models import Submission
from webapp.tracking.refresh import refresh_submission


def test_breaker_opens_stops_calls_and_shows_on_the_admin_page(app, act, sandbox):
    app.config.update(TIKTOK_BREAKER_MIN_CALLS=3, TIKTOK_BREAKER_COOLDOWN_SECONDS=600)
    with app.app_context():
        tt = factories.tiktok_user(sandbox, "sari.dance")
        creator, admin = factories.creator(), factories.admin()
        auth.set_locale(admin, "en")
        vid = factories.tiktok_video(sandbox, tt["user_id"], views=500)
        sub = submissions.submit(creator.id, f"https://www.tiktok.com/@sari.dance/video/{vid}")
        submissions.verify(sub.id)
        sub_id = submissions.approve(sub.id, admin.id).id
        requests.post(sandbox.base_url + "/_sandbox/knobs", timeout=5,
                      json={"error_rate": 1.0, "error_surfaces": ["page"]})
        # Two failures after the verification's success: 1 of 3 worked -> open.
        assert [refresh_submission(sub_id) for _ in range(2)] == ["upstream", "upstream"]
        requests.post(sandbox.base_url + "/_sandbox/requests/clear", timeout=5)
        assert refresh_submission(sub_id) == "throttled"  # paused: TikTok is left alone
        assert sandbox_log(sandbox, "/@") == []
        sub = db.session.get(Submission, sub_id)
        assert sub.refresh_failures == 2 and sub.current_views == 500

    act.login("admin@example.com")
    html = act.client.get("/admin/").get_data(as_text=True)
    assert 'id="tiktok-sources"' in html
    row = html.split('id="source-page"')[1].split("</tr>")[0]
    assert "paused: too many failures" in row and "next try in" in row
    assert "33%" in row  # 1 of 3 calls worked
    assert "Approved videos whose last refresh failed: 1" in html
    fragment = act.hx_get("/admin/sources").get_data(as_text=True)
    assert fragment.startswith('<section id="tiktok-sources"')
    assert 'hx-trigger="every 30s"' in fragment
    oembed_row = fragment.split('id="source-oembed"')[1].split("</tr>")[0]
    assert "working" in oembed_row


def test_the_sources_panel_is_for_admins_only(app, act, sandbox):
    with app.app_context():
        factories.creator()
    act.login("sari@example.com")
    assert act.client.get("/admin/sources").status_code == 403
