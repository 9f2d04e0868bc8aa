"""The extension's ViewPay pages: the help page (bookmarklet, zip) and /admin/observe, where the
bookmarklet's count is confirmed under the manual-entry rules: bad links change nothing, a lower
count needs the box and a reason, a big jump becomes a proposal, only admins get in."""
import io
import json
import zipfile
from decimal import Decimal
from html import unescape
from urllib.parse import unquote, urlencode

import pytest
from sqlalchemy import func, select

from tests import factories
from tests.conftest import csrf_token
from webapp.earnings.services import earned_by_submission
from webapp.extensions import db
from webapp.tracking.models import ViewSnapshot

RATE = Decimal("0.00002489")


@pytest.fixture
def video(app, sandbox, act):
    """An approved video at 10.000 views, and its admin logged in."""
    with app.app_context():
        made = factories.approved_video(sandbox, views=10_000)
    act.login("admin@example.com")
    return made


def _extension_snaps(app, sub_id) -> list[tuple]:
    with app.app_context():
        return [(s.views, s.state, s.note, s.entered_by_id) for s in db.session.scalars(
            select(ViewSnapshot).where(ViewSnapshot.submission_id == sub_id,
                                       ViewSnapshot.source == "extension")
            .order_by(ViewSnapshot.id))]


def _post(client, video, views, **fields):
    data = {"video_id": video["vid"], "views": str(views), "csrf_token": csrf_token(client),
            **fields}
    return client.post("/admin/observe", data=data)


def test_the_help_page_carries_the_bookmarklet_and_the_zip(client, video):
    page = client.get("/admin/extension")
    assert page.status_code == 200
    html = unescape(page.get_data(as_text=True))
    href = html.split('id="bookmarklet-link" href="', 1)[1].split('"', 1)[0]
    code = unquote(href.removeprefix("javascript:"))
    assert href.startswith("javascript:") and "\n" not in href and "#" not in href
    assert '"http://localhost/admin/observe"' in code and "ViewPayParse.readPage" in code
    assert "// " not in code  # comment lines stay out of the bookmark
    assert client.get("/admin/operations").get_data(as_text=True).count("/admin/extension") == 1
    download = client.get("/admin/extension/viewpay-extension.zip")
    assert download.mimetype == "application/zip"
    with zipfile.ZipFile(io.BytesIO(download.data)) as archive:
        manifest = json.loads(archive.read("manifest.json"))
    assert manifest["manifest_version"] == 3


def test_a_confirmed_count_is_an_extension_entry_and_is_credited(app, client, video):
    query = urlencode({"video_id": video["vid"], "views": "12000", "likes": "600",
                       "seen": "2026-01-05T10:30:00+07:00"})
    page = client.get(f"/admin/observe?{query}")
    html = page.get_data(as_text=True)
    assert page.status_code == 200 and "12.000" in html and "10.000" in html
    assert "observe-decrease" not in html and "observe-four-eyes" not in html
    saved = _post(client, video, 12_000, likes="600", seen="2026-01-05T10:30:00+07:00")
    assert saved.status_code == 303
    assert saved.location.endswith(f"/admin/videos/{video['sub_id']}")
    assert _extension_snaps(app, video["sub_id"]) == [
        (12_000, "ok", "browser extension", video["admin_id"])]
    with app.app_context():
        snap = db.session.scalars(select(ViewSnapshot).where(
            ViewSnapshot.source == "extension")).one()
        assert (snap.likes, snap.fetched_at.replace(tzinfo=None).isoformat()) == (
            600, "2026-01-05T03:30:00")
        assert earned_by_submission(video["creator_id"])[video["sub_id"]] == RATE * 12_000


BAD_LINKS = [
    ({"video_id": "abc", "views": "5"}, 422, "names no TikTok video"),
    ({"video_id": "", "views": "5"}, 422, "names no TikTok video"),
    ({"views": "1.5"}, 422, "not a whole number"),
    ({"views": "-3"}, 422, "not a whole number"),
    ({"views": "5", "likes": "many"}, 422, "not a whole number"),
    ({"views": "5", "seen": "yesterday"}, 422, "not a date and time"),
    ({"views": "5", "seen": "2999-01-01T00:00:00+00:00"}, 422, "in the future"),
    ({"video_id": "7000000000000000001", "views": "5"}, 404, "tracks no approved video"),
]


def test_a_bad_link_is_explained_and_changes_nothing(app, client, video, act):
    act.english()  # the assertions read the English texts
    for args, status, words in BAD_LINKS:
        values = {"video_id": video["vid"], **args}
        page = client.get("/admin/observe?" + urlencode(values))
        html = unescape(page.get_data(as_text=True))
        assert page.status_code == status and words in html, args
        assert "Save this count" not in html
        posted = client.post("/admin/observe", data={**values, "csrf_token": csrf_token(client)})
        assert posted.status_code == status, args
        assert words in unescape(posted.get_data(as_text=True)), args
    assert _extension_snaps(app, video["sub_id"]) == []


def test_a_lower_count_needs_the_box_and_a_reason(app, client, video, act):
    act.english()  # the assertions read the English texts
    page = client.get(f"/admin/observe?video_id={video['vid']}&views=9000")
    assert "observe-decrease" in page.get_data(as_text=True)
    unticked = _post(client, video, 9_000, note="TikTok removed bot views")
    assert unticked.status_code == 422
    assert "Tick the box" in unticked.get_data(as_text=True)
    no_reason = _post(client, video, 9_000, confirm_decrease="y")
    assert no_reason.status_code == 422
    assert "Write why the count went down." in no_reason.get_data(as_text=True)
    assert _extension_snaps(app, video["sub_id"]) == []
    saved = _post(client, video, 9_000, confirm_decrease="y", note="TikTok removed bot views")
    assert saved.status_code == 303
    assert _extension_snaps(app, video["sub_id"]) == [
        (9_000, "ok", "TikTok removed bot views", video["admin_id"])]


def test_a_big_jump_waits_for_a_second_admin(app, client, video, act):
    act.english()  # the assertions read the English texts
    page = client.get(f"/admin/observe?video_id={video['vid']}&views=40000")
    assert "observe-four-eyes" in page.get_data(as_text=True)
    saved = _post(client, video, 40_000)
    assert saved.status_code == 303
    assert "second admin" in client.get(saved.location).get_data(as_text=True)
    assert _extension_snaps(app, video["sub_id"]) == [
        (40_000, "proposed", "browser extension", video["admin_id"])]
    with app.app_context():
        assert earned_by_submission(video["creator_id"])[video["sub_id"]] == RATE * 10_000


def test_only_admins_with_a_csrf_token_save(app, client, act, video):
    no_token = client.post("/admin/observe", data={"video_id": video["vid"], "views": "12000"})
    assert no_token.status_code == 400
    act.logout()
    link = f"/admin/observe?video_id={video['vid']}&views=12000"
    away = client.get(link)
    assert away.status_code == 302 and "/login?next=" in away.location
    act.login("sari@example.com")
    assert client.get(link).status_code == 403
    assert _post(client, video, 12_000).status_code == 403
    with app.app_context():
        assert db.session.scalar(select(func.count(ViewSnapshot.id)).where(
            ViewSnapshot.source == "extension")) == 0
