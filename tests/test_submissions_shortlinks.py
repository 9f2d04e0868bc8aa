"""Short links are resolved server-side, hop by hop, and only ever to TikTok (sandbox over HTTP)."""
import pytest
import requests
from sqlalchemy import func, select

from tests import factories
from tests.test_oauth import sandbox_log
from webapp.auth import services as auth
from webapp.extensions import db
from webapp.submissions import services
from webapp.submissions.errors import SubmissionError
from webapp.submissions.models import Submission


def shortlink(sandbox, code, **body):
    requests.post(sandbox.base_url + "/_sandbox/shortlinks", json={"code": code, **body},
                  timeout=5).raise_for_status()


def stored():
    return db.session.scalar(select(func.count(Submission.id)))


@pytest.fixture
def sari(ctx, sandbox):
    tt = factories.tiktok_user(sandbox, "sari.dance")
    return factories.creator(), tt


@pytest.mark.parametrize("host,url", [
    ("vm", "https://vm.tiktok.com/ZTR45GpSF/"),
    ("vt", "https://vt.tiktok.com/ZTR45GpSF"),
    ("t", "https://www.tiktok.com/t/ZTR45GpSF/"),
    ("vm", "Lihat ini! https://vm.tiktok.com/ZTR45GpSF/ #fyp"),
])
def test_short_links_submit_the_video_they_lead_to(sari, sandbox, host, url):
    creator, tt = sari
    vid = factories.tiktok_video(sandbox, tt["user_id"], views=10)
    shortlink(sandbox, "ZTR45GpSF", video_id=vid, host=host)
    sub = services.submit(creator.id, url)
    assert sub.video_id == vid
    assert sub.canonical_url == f"https://www.tiktok.com/@sari.dance/video/{vid}"
    assert sub.submitted_url == url.strip()
    (hop,) = sandbox_log(sandbox, "/_v" if host != "t" else "/t/")
    assert hop["user_agent"] == "facebookexternalhit/1.1"
    assert sandbox_log(sandbox, "/@") == []  # the video page itself is not fetched on submit


def test_a_redirect_to_an_empty_handle_gets_the_placeholder(sari, sandbox):
    creator, tt = sari
    vid = factories.tiktok_video(sandbox, tt["user_id"])
    shortlink(sandbox, "ZSe4FqkKd", video_id=vid, host="vm", empty_handle=True)
    sub = services.submit(creator.id, "https://vm.tiktok.com/ZSe4FqkKd/")
    assert sub.canonical_url == f"https://www.tiktok.com/@_/video/{vid}"


UNSAFE = [
    ("http://169.254.169.254/latest/meta-data/", "unsafe_url"),  # cloud metadata
    ("http://127.0.0.1:{port}/@sari.dance/video/{vid}", "unsafe_url"),  # loopback, learned
    ("http://10.0.0.1/@sari.dance/video/{vid}", "unsafe_url"),  # private network
    ("http://[fe80::1]/", "unsafe_url"),  # link-local
    ("http://2130706433/", "unsafe_url"),  # 127.0.0.1 spelled as a number
    ("https://evil.example/@sari.dance/video/{vid}", "unsafe_url"),
    ("https://tiktok.com.evil.example/@sari.dance/video/{vid}", "unsafe_url"),
    ("https://tiktok.com@evil.example/@sari.dance/video/{vid}", "unsafe_url"),
    ("https://www.tiktok.com:8443/@sari.dance/video/{vid}", "unsafe_url"),
]


@pytest.mark.parametrize("location,code", UNSAFE)
def test_a_short_link_leading_outside_tiktok_is_refused_and_nothing_is_stored(
        sari, sandbox, location, code):
    creator, tt = sari
    vid = factories.tiktok_video(sandbox, tt["user_id"])
    port = sandbox.base_url.rsplit(":", 1)[1]
    shortlink(sandbox, "Evil1", location=location.format(port=port, vid=vid), host="vm")
    with pytest.raises(SubmissionError) as err:
        services.submit(creator.id, "https://vm.tiktok.com/Evil1/")
    assert err.value.code == code and stored() == 0
    assert len(sandbox_log(sandbox, "/")) == 1  # only the short link; the target never asked


@pytest.mark.parametrize("setup,code", [
    ({"code": "Gone1", "location": "https://www.tiktok.com/?_r=1"}, "short_not_found"),
    ({"code": "Prof1", "location": "https://www.tiktok.com/@sari.dance?_r=1"},
     "profile_not_video"),
])
def test_short_links_that_lead_to_no_video(sari, sandbox, setup, code):
    creator, _ = sari
    shortlink(sandbox, host="vm", **setup)
    with pytest.raises(SubmissionError) as err:
        services.submit(creator.id, f"https://vm.tiktok.com/{setup['code']}/")
    assert err.value.code == code and stored() == 0


def test_an_unknown_short_code_is_not_found(sari, sandbox):
    creator, _ = sari
    with pytest.raises(SubmissionError) as err:
        services.submit(creator.id, "https://vt.tiktok.com/NoSuchCode/")
    assert err.value.code == "short_not_found" and stored() == 0


def test_more_than_three_hops_is_refused(sari, sandbox):
    creator, tt = sari
    vid = factories.tiktok_video(sandbox, tt["user_id"])
    for code, nxt in (("Hop1", "Hop2"), ("Hop2", "Hop3"), ("Hop3", "Hop4")):
        shortlink(sandbox, code, location=f"https://vm.tiktok.com/{nxt}/", host="vm")
    shortlink(sandbox, "Hop4", video_id=vid, host="vm")
    with pytest.raises(SubmissionError) as err:
        services.submit(creator.id, "https://vm.tiktok.com/Hop1/")
    assert err.value.code == "too_many_redirects" and stored() == 0
    assert services.submit(creator.id, "https://vm.tiktok.com/Hop2/").video_id == vid  # 3 hops


def test_the_creator_sees_why_in_their_language(app, act, sandbox):
    with app.app_context():
        factories.tiktok_user(sandbox, "sari.dance")
        auth.set_locale(factories.creator(), "en")
    shortlink(sandbox, "Evil2", location="http://169.254.169.254/latest/meta-data/", host="vm")
    act.login("sari@example.com")
    response = act.hx_post("/submissions", {"url": "https://vm.tiktok.com/Evil2/"})
    assert response.status_code == 422
    assert "This short link leads outside TikTok; it was not followed." in response.get_data(
        as_text=True)
    with app.app_context():
        assert stored() == 0
