import json
from pathlib import Path

import pytest

from webapp.tiktok.errors import Blocked, Garbled, NotFound, RateLimited, TikTokError, Upstream
from webapp.tiktok.oembed import OEMBED_URL, oembed_request_url, parse_oembed

FIXTURES = Path(__file__).parent / "fixtures" / "tiktok"
VID = "7419557675973129272"
OLD_VID = "6957032143716535554"


def fixture(name: str) -> str:
    return (FIXTURES / name).read_text(encoding="utf-8")


def answer(**changes) -> str:
    data = json.loads(fixture("oembed_video.json"))
    for key, value in changes.items():
        if value is None:
            data.pop(key, None)
        else:
            data[key] = value
    return json.dumps(data)


def test_request_url():
    url = f"https://www.tiktok.com/@_/video/{VID}"
    assert oembed_request_url(url) == (OEMBED_URL, {"url": url})
    assert OEMBED_URL == "https://www.tiktok.com/oembed"


def test_current_shape():
    stats = parse_oembed(fixture("oembed_video.json"), VID, status=200)
    assert (stats.video_id, stats.source) == (VID, "oembed")
    assert stats.author_handle == "warungkopi.santai"
    assert stats.description.startswith("Resep es kopi susu")
    assert (stats.views, stats.likes, stats.comments, stats.shares, stats.author_id) == (None,) * 5


def test_2021_shape_takes_the_handle_from_author_url():
    stats = parse_oembed(fixture("oembed_video_2021.json"), OLD_VID, status=200)
    assert stats.author_handle == "warungkopi.santai" and stats.video_id == OLD_VID


@pytest.mark.parametrize("author_url, handle", [
    ("https://www.tiktok.com/@a.b_c", "a.b_c"),
    ("https://www.tiktok.com/@cchelseam..eow_/", "cchelseam..eow_"),
    ("https://m.tiktok.com/@x-y", "x-y"),
    ("https://tiktok.com/@.0_kurvaaaaaa_", ".0_kurvaaaaaa_"),
])
def test_author_url_forms(author_url, handle):
    text = answer(author_unique_id=None, author_url=author_url)
    assert parse_oembed(text, VID, status=200).author_handle == handle


@pytest.mark.parametrize("changes", [
    {"author_unique_id": None, "author_url": "https://evil.example/@warungkopi.santai"},
    {"author_unique_id": None, "author_url": f"https://www.tiktok.com/@x/video/{VID}"},
    {"author_unique_id": None, "author_url": None},
    {"author_unique_id": "", "author_url": 5},
    {"author_unique_id": 123},
    {"embed_product_id": "7419557675973129273"},
    {"html": '<blockquote data-video-id="7419557675973129273">', "embed_product_id": None},
    {"type": "rich"},
    {"embed_type": "profile"},
    {"title": ["not", "text"]},
])
def test_garbled_answers(changes):
    with pytest.raises(Garbled):
        parse_oembed(answer(**changes), VID, status=200)


def test_handle_with_at_sign_and_numeric_product_id():
    stats = parse_oembed(answer(author_unique_id="@warungkopi.santai", embed_product_id=int(VID)),
                         VID, status=200)
    assert stats.author_handle == "warungkopi.santai"


def test_profile_oembed_is_not_a_video():
    with pytest.raises(Garbled, match="not a video"):
        parse_oembed(fixture("oembed_profile.json"), VID, status=200)


@pytest.mark.parametrize("text, status, error", [
    (fixture("oembed_error_400.json"), 400, NotFound),
    ("", 400, NotFound),  # captures of deleted/private videos recorded no body
    ("Not Found", 404, NotFound),
    ("", 429, RateLimited),
    ("<html>502 Bad Gateway</html>", 502, Upstream),
    ("", 500, Upstream),
    ("", 503, Upstream),
    ("<html>Access Denied</html>", 403, Blocked),
    ("", 302, Upstream),
    ("not json", 200, Garbled),
    ("[]", 200, Garbled),
    ("", 200, Garbled),
    ("[" * 50_000, 200, Garbled),
    (fixture("oembed_error_400.json"), 200, NotFound),  # an error body on a 200 keeps its code
    ('{"code": "weird"}', 200, Garbled),
    ('{"code": 0, "message": "ok"}', 200, Garbled),
])
def test_failures(text, status, error):
    with pytest.raises(TikTokError) as info:
        parse_oembed(text, VID, status=status)
    assert type(info.value) is error


def test_400_is_worded_as_not_proof_of_deletion():
    with pytest.raises(NotFound) as info:
        parse_oembed(fixture("oembed_error_400.json"), VID, status=400)
    assert "deleted, private or invalid" in info.value.message
    assert "not proof" in info.value.message and info.value.status_code == 400


def test_429_carries_retry_after():
    with pytest.raises(RateLimited) as info:
        parse_oembed("", VID, status=429, retry_after=30.0)
    assert info.value.retry_after == 30.0


def test_oversized_body_is_refused():
    with pytest.raises(Upstream, match="too large"):
        parse_oembed(" " * 2_000_000, VID, status=200)
