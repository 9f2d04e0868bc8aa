import json
from pathlib import Path

import pytest

from webapp.tiktok.answers import MAX_BODY_CHARS
from webapp.tiktok.display import (MAX_QUERY_IDS, DisplayUser, chunked, parse_user_info,
                                   parse_video_list, parse_video_query, user_info_request,
                                   video_list_request, video_query_request)
from webapp.tiktok.errors import (AuthError, Garbled, InvalidParams, NotOwned, RateLimited,
                                  TikTokError, Upstream)
from webapp.tiktok.stats import VideoStats

FIXTURES = Path(__file__).parent / "fixtures" / "tiktok"
VID = "7419557675973129272"
VID2 = "7384337173876444471"
MISSING = "7400000000000000001"


def fixture(name: str) -> str:
    return (FIXTURES / name).read_text(encoding="utf-8")


def envelope(data=None, code="ok", message="") -> str:
    body = {"error": {"code": code, "message": message, "log_id": "20240928052109D0C9B8A7F6"}}
    if data is not None:
        body["data"] = data
    return json.dumps(body)


def one_video(**fields) -> str:
    video = {"id": VID, "create_time": 1727500412, "view_count": 10, "like_count": 1,
             "comment_count": 0, "share_count": 0, **fields}
    return envelope({"videos": [video], "cursor": 0, "has_more": False})


# --- request builders -------------------------------------------------------------------------

def test_user_info_request():
    method, url, kwargs = user_info_request("act.1")
    assert (method, url) == ("GET", "https://open.tiktokapis.com/v2/user/info/")
    assert kwargs["params"] == {"fields": "open_id,union_id,username,display_name,avatar_url"}
    assert kwargs["headers"] == {"Authorization": "Bearer act.1"}
    with pytest.raises(ValueError):
        user_info_request("")


def test_video_query_request_sends_ids_as_strings():
    method, url, kwargs = video_query_request("act.1", [int(VID), VID2])
    assert (method, url) == ("POST", "https://open.tiktokapis.com/v2/video/query/")
    assert kwargs["json"] == {"filters": {"video_ids": [VID, VID2]}}
    assert kwargs["params"]["fields"] == ("id,create_time,share_url,view_count,like_count,"
                                          "comment_count,share_count,video_description,"
                                          "cover_image_url")
    assert kwargs["headers"]["Content-Type"] == "application/json"
    assert kwargs["headers"]["Authorization"] == "Bearer act.1"


@pytest.mark.parametrize("ids", [[], [str(7 * 10**18 + i) for i in range(MAX_QUERY_IDS + 1)],
                                 ["https://www.tiktok.com/@x/video/1"], ["12a"]])
def test_video_query_request_refuses_bad_id_lists(ids):
    with pytest.raises(ValueError):
        video_query_request("act.1", ids)


def test_twenty_ids_are_fine_and_chunked_splits():
    ids = [str(7 * 10**18 + i) for i in range(45)]
    assert len(video_query_request("act.1", ids[:20])[2]["json"]["filters"]["video_ids"]) == 20
    chunks = chunked(ids, 20)
    assert [len(c) for c in chunks] == [20, 20, 5] and sum(chunks, []) == ids
    assert chunked([], 20) == [] and chunked([1, 2]) == [["1", "2"]]


def test_video_list_request():
    _, url, kwargs = video_list_request("act.1")
    assert url.endswith("/v2/video/list/") and kwargs["json"] == {"max_count": 20}
    assert video_list_request("act.1", cursor=1719300000000, max_count=5)[2]["json"] == {
        "max_count": 5, "cursor": 1719300000000}
    for bad in (0, 21):
        with pytest.raises(ValueError):
            video_list_request("act.1", max_count=bad)


# --- Display API answers ----------------------------------------------------------------------

def test_user_info():
    user = parse_user_info(fixture("user_info.json"), 200)
    assert user == DisplayUser(open_id="723f24d7-e717-40f8-a2b6-cb8464cd23b4",
                               union_id="c9c60f44-a68e-4f5d-84dd-ce22faeb0ba1",
                               username="warungkopi.santai", display_name="Warung Kopi Santai",
                               avatar_url=user.avatar_url)
    assert user.as_tiktok_user().handle == "warungkopi.santai"
    basic_only = envelope({"user": {"open_id": "o1", "display_name": "WKS"}})
    assert parse_user_info(basic_only, 200).username is None  # username needs user.info.profile


@pytest.mark.parametrize("text", [envelope({"user": {"display_name": "no id"}}), envelope({}),
                                  envelope({"user": {"open_id": "o", "username": 7}}),
                                  envelope(None), '{"data": {"user": {"open_id": "o"}}}'])
def test_user_info_garbled(text):
    with pytest.raises(Garbled):
        parse_user_info(text, 200)


def test_video_query_maps_every_requested_id():
    result = parse_video_query(fixture("video_query.json"), 200, [VID, int(VID2), MISSING])
    assert list(result) == [VID, VID2, MISSING]
    first, second = result[VID], result[VID2]
    assert isinstance(first, VideoStats) and (first.source, first.exact) == ("display", True)
    assert (first.views, first.likes, first.comments, first.shares) == (1585253, 38884, 412, 2117)
    assert first.author_handle == "warungkopi.santai" and first.create_time == 1727500412
    assert second.video_id == VID2 and second.views == 48211  # TikTok sent this id as a number
    assert isinstance(result[MISSING], NotOwned) and MISSING in result[MISSING].message


def test_video_query_without_videos_means_none_owned():
    result = parse_video_query(envelope({"cursor": 0, "has_more": False}), 200, [VID])
    assert isinstance(result[VID], NotOwned)
    extra = one_video(id=MISSING)  # an id we did not ask about is ignored
    assert isinstance(parse_video_query(extra, 200, [VID])[VID], NotOwned)


@pytest.mark.parametrize("fields", [{"view_count": -1}, {"view_count": "1585253"},
                                    {"view_count": None}, {"view_count": 2**63},
                                    {"view_count": True}, {"view_count": 1.5e6},
                                    {"like_count": -2}, {"id": "abc"}, {"id": None},
                                    {"share_url": 5}, {"create_time": "now"}])
def test_video_query_garbled_fields(fields):
    with pytest.raises(Garbled):
        parse_video_query(one_video(**fields), 200, [VID])


def test_video_query_big_counts_and_odd_share_urls():
    text = one_video(view_count=2**63 - 1, share_url="https://www.tiktok.com/@/video/1")
    stats = parse_video_query(text, 200, [VID])[VID]
    assert stats.views == 2**63 - 1 and stats.author_handle is None


@pytest.mark.parametrize("text, status, error, attrs", [
    (fixture("api_error_access_token_invalid.json"), 401, AuthError,
     {"api_code": "access_token_invalid", "needs_refresh": True}),
    (envelope({}, "scope_not_authorized"), 401, AuthError,
     {"api_code": "scope_not_authorized", "needs_refresh": False}),
    (envelope(None, "scope_permission_missed"), 403, AuthError, {"needs_refresh": False}),
    (envelope({}, "rate_limit_exceeded"), 200, RateLimited, {"retry_after": 12.0}),
    (envelope({}, "rate_limit_exceeded"), 429, RateLimited, {"retry_after": 12.0}),
    ("", 429, RateLimited, {"retry_after": 12.0}),
    (envelope({}, "internal_error"), 500, Upstream, {}),
    (envelope({}, "internal_error"), 200, Upstream, {}),
    ("<html>Bad Gateway</html>", 502, Upstream, {"status_code": 502}),
    (envelope({}, "invalid_params", "fields is invalid"), 400, InvalidParams, {"retryable": False}),
    (envelope({}, "something_new"), 400, Garbled, {}),
    (envelope({}, "something_new"), 401, AuthError, {}),
    ("", 401, AuthError, {}),
    (json.dumps({"data": {"videos": []}}), 200, Garbled, {}),
    (json.dumps({"data": {"videos": {}}, "error": {"code": "ok"}}), 200, Garbled, {}),
    (json.dumps({"data": [], "error": {"code": "ok"}}), 200, Garbled, {}),
    ("not json", 200, Garbled, {}),
])
def test_v2_errors(text, status, error, attrs):
    with pytest.raises(TikTokError) as info:
        parse_video_query(text, status, [VID], retry_after=12.0)
    assert type(info.value) is error
    for name, value in attrs.items():
        assert getattr(info.value, name) == value


def test_invalid_params_is_a_value_error_and_garbled():
    with pytest.raises(ValueError) as info:
        parse_user_info(envelope({}, "invalid_params"), 400)
    assert isinstance(info.value, Garbled) and "our request" in info.value.message


def test_video_list():
    page = parse_video_list(fixture("video_list.json"), 200)
    assert (page.cursor, page.has_more) == (1719300000000, True)
    assert [v.video_id for v in page.videos] == [VID, VID2]
    assert page.videos[0].description.startswith("Resep es kopi")  # video_description first
    assert page.videos[1].description == "Ayam geprek level 10"  # else the title
    doc_example = envelope({"videos": [{"id": "7080213458555737986", "title": "video 1"}],
                            "cursor": 1646883959000, "has_more": False})
    assert parse_video_list(doc_example, 200).videos[0].views is None  # counts only if asked for


@pytest.mark.parametrize("data", [{"videos": [], "has_more": "yes"}, {"videos": [], "cursor": -1},
                                  {"videos": ["7080213458555737986"]}])
def test_video_list_garbled(data):
    with pytest.raises(Garbled):
        parse_video_list(envelope(data), 200)


def test_oversized_answer_is_refused():
    with pytest.raises(Upstream):
        parse_video_query(" " * (MAX_BODY_CHARS + 1), 200, [VID])
