import copy
import json
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from webapp.tiktok.errors import (Blocked, Garbled, NotFound, Private, RateLimited, RegionBlocked,
                                  TikTokError, Unavailable, Upstream)
from webapp.tiktok.page import (MAX_PAGE_CHARS, PhotoPage, parse_profile_page, parse_saved_page,
                                parse_video_page)

FIXTURES = Path(__file__).parent / "fixtures" / "tiktok"
VID = "7419557675973129272"


def fixture(name: str) -> str:
    return (FIXTURES / name).read_text(encoding="utf-8")


BASE_ITEM = {
    "id": VID, "desc": "Resep es kopi susu #fyp", "createTime": 1727500412,
    "video": {"id": VID, "duration": 38},
    "author": {"id": "6824703036139742288", "uniqueId": "warungkopi.santai", "nickname": "WKS"},
    "stats": {"playCount": 1600000, "diggCount": 38900, "commentCount": 412, "shareCount": 2117},
    "statsV2": {"playCount": "1585253", "diggCount": "38884", "commentCount": "412",
                "shareCount": "2117", "repostCount": "0"},
}


def item(**changes) -> dict:
    # A change to None removes the key, to model fields TikTok leaves out.
    result = copy.deepcopy(BASE_ITEM)
    for key, value in changes.items():
        if value is None:
            result.pop(key, None)
        else:
            result[key] = value
    return result


def html_with(blob: str, blob_id: str = "__UNIVERSAL_DATA_FOR_REHYDRATION__", head="") -> str:
    return (f'<!DOCTYPE html><html><head><title>TikTok</title>{head}</head><body>'
            f'<div id="app"></div><script id="{blob_id}" type="application/json">{blob}</script>'
            "</body></html>")


def video_page(it: dict | None = None, *, code=0, msg="") -> str:
    detail = {"statusCode": code, "statusMsg": msg}
    if it is not None:
        detail["itemInfo"] = {"itemStruct": it}
    scope = {"webapp.app-context": {"region": "ID"}, "webapp.video-detail": detail}
    return html_with(json.dumps({"__DEFAULT_SCOPE__": scope}))


def profile_page(user: dict | None, *, code=0, msg="") -> str:
    detail = {"statusCode": code, "statusMsg": msg, "userInfo": {"user": user} if user else {}}
    return html_with(json.dumps({"__DEFAULT_SCOPE__": {"webapp.user-detail": detail}}))


# --- the happy paths, one per layout ----------------------------------------------------------

def test_statsv2_is_preferred_over_rounded_stats():
    stats = parse_video_page(fixture("video_page.html"), VID)
    assert (stats.views, stats.likes, stats.comments, stats.shares) == (1585253, 38884, 412, 2117)
    assert stats.exact is True and stats.source == "page" and stats.video_id == VID
    assert stats.author_id == "6824703036139742288" and stats.author_handle == "warungkopi.santai"
    assert stats.create_time == 1727500412 and stats.description.startswith("Resep es kopi")


def test_stats_only_falls_back_flagged_rounded_and_coerces_string_create_time():
    stats = parse_video_page(fixture("video_blob_stats_only.json"), "7384337173876444471")
    assert (stats.views, stats.likes, stats.exact) == (48211, 1204, False)
    assert stats.create_time == 1719300000


@pytest.mark.parametrize("blob_id", ["SIGI_STATE", "sigi-persisted-data"])
def test_sigi_state_layout_with_author_as_handle_string(blob_id):
    text = fixture("video_page_sigi.html").replace('id="SIGI_STATE"', f'id="{blob_id}"')
    stats = parse_video_page(text, "7080213458555737986")
    assert (stats.author_handle, stats.author_id) == ("hijab.simple.id", "6880537608399388624")
    assert (stats.views, stats.exact, stats.create_time) == (312400, False, 1648449523)


def test_sigi_status_and_missing_item():
    text = fixture("video_page_sigi.html").replace('"statusCode":0', '"statusCode":10216')
    with pytest.raises(Private):
        parse_video_page(text, "7080213458555737986")
    with pytest.raises(Garbled, match="no itemStruct"):
        parse_video_page(fixture("video_page_sigi.html"), VID)  # another id: not in ItemModule


def test_next_data_layout_and_its_status():
    stats = parse_video_page(fixture("video_page_next_data.html"), "6957032143716535554")
    assert (stats.views, stats.author_handle, stats.exact) == (70300, "warungkopi.santai", False)
    text = fixture("video_page_next_data.html").replace('"statusCode": 0', '"statusCode": 10231')
    with pytest.raises(RegionBlocked):
        parse_video_page(text, "6957032143716535554")


def test_universal_blob_wins_over_an_older_layout_in_the_same_page():
    sigi = json.dumps({"ItemModule": {}, "VideoPage": {"statusCode": 10216}})
    text = video_page(item()).replace("</body>", f'<script id="SIGI_STATE">{sigi}</script></body>')
    assert parse_video_page(text, VID).views == 1585253


def test_id_string_elsewhere_does_not_fool_the_extractor():
    decoy = '<script id="__UNIVERSAL_DATA_FOR_REHYDRATION__" type="application/json">{"x":1}'
    head = (f"<script>var t='{decoy}<\\/script>';document.getElementById("
            f"'__UNIVERSAL_DATA_FOR_REHYDRATION__');</script>"
            f"<!-- {decoy}</script> -->"
            f"<meta name=\"x\" content='{decoy}'>"
            f'<div id="__UNIVERSAL_DATA_FOR_REHYDRATION__">{{"not": "json"</div>')
    detail = {"itemInfo": {"itemStruct": item()}}
    blob = json.dumps({"__DEFAULT_SCOPE__": {"webapp.video-detail": detail}})
    assert parse_video_page(html_with(blob, head=head), VID).views == 1585253


# --- statusCode classification ----------------------------------------------------------------

@pytest.mark.parametrize("code, msg, error, words", [
    (10204, "item_privacy_authorization&status_deleted", Unavailable, "one sighting"),
    (10204, "item doesn't exist", Unavailable, "one sighting"),
    (10204, "author_status,status_reviewing", Unavailable, "under review"),
    (10204, "cross_border_violation_ur", RegionBlocked, "region"),
    (10204, "", Unavailable, "one sighting"),
    (10216, "", Private, "private post"),
    (10217, "", NotFound, "UNCONFIRMED"),
    (10221, "", NotFound, "user not found"),
    (10222, "", Private, "private account"),
    (10231, "", RegionBlocked, "region-locked"),
    (10101, "some_new_reason", Unavailable, "not available now"),
    ("10216", "", Private, "private post"),  # a numeric string is still a code
])
def test_status_codes(code, msg, error, words):
    with pytest.raises(TikTokError) as info:
        parse_video_page(video_page(None, code=code, msg=msg), VID)
    assert type(info.value) is error
    assert info.value.status_code == int(code) and info.value.status_msg == msg
    assert words in info.value.message and msg in info.value.message


def test_10204_deleted_fixture_is_never_not_found():
    with pytest.raises(Unavailable) as info:
        parse_video_page(fixture("video_page_10204_deleted.html"), VID)
    assert not isinstance(info.value, NotFound) and "status_deleted" in info.value.message


@pytest.mark.parametrize("code", [0, None])
def test_status_ok_without_item_is_garbled(code):
    with pytest.raises(Garbled, match="no itemStruct"):
        parse_video_page(video_page(None, code=code), VID)


# --- owner variants -------------------------------------------------------------------------

@pytest.mark.parametrize("changes, author_id, handle", [
    ({"author": None}, None, None),  # gallery-dl #8189: author can be missing
    ({"author": "warungkopi.santai"}, None, "warungkopi.santai"),
    ({"author": "@warungkopi.santai", "authorId": "6824703036139742288"}, "6824703036139742288",
     "warungkopi.santai"),
    ({"author": None, "authorInfo": {"id": "42", "uniqueId": "x.y"}}, "42", "x.y"),
    ({"author": {"uniqueId": "only.handle"}}, None, "only.handle"),
    ({"author": {"id": 6824703036139742288, "uniqueId": ""}}, "6824703036139742288", None),
])
def test_author_variants(changes, author_id, handle):
    stats = parse_video_page(video_page(item(**changes)), VID)
    assert (stats.author_id, stats.author_handle) == (author_id, handle)


@pytest.mark.parametrize("author", [["x"], 12, {"id": "abc"}, {"id": "1", "uniqueId": 5}])
def test_ill_typed_author_is_garbled(author):
    with pytest.raises(Garbled):
        parse_video_page(video_page(item(author=author)), VID)


# --- blocked, never "not found" --------------------------------------------------------------

@pytest.mark.parametrize("text, status, location, words", [
    (fixture("waf_challenge.html"), 200, None, "WAF"),
    ('<html><body><p id="cs">e30=</p></body></html>', 200, None, "WAF"),
    ("", 302, "https://www.tiktok.com/login?redirect_url=https%3A%2F%2Fwww.tiktok.com%2F", "login"),
    (fixture("no_blob.html"), 200, "/login/", "login"),
    ("", 301, "https://www.tiktok.com/", "redirect"),
    (fixture("no_blob.html"), 200, None, "no data blob"),
    (fixture("no_blob.html"), 404, None, "no data blob"),
    ("<html>Access denied</html>", 403, None, "no data blob"),
    ("", 200, None, "no data blob"),
])
def test_blocked_pages(text, status, location, words):
    with pytest.raises(Blocked, match=words):
        parse_video_page(text, VID, status=status, location=location)


def test_final_location_that_is_not_login_is_fine():
    url = f"https://www.tiktok.com/@warungkopi.santai/video/{VID}?lang=id-ID"
    assert parse_video_page(fixture("video_page.html"), VID, location=url).views == 1585253


def test_age_gated_item_without_video_is_blocked():
    with pytest.raises(Blocked, match="age-gated"):
        parse_video_page(video_page(item(isContentClassified=True, video=None)), VID)
    assert parse_video_page(video_page(item(isContentClassified=True)), VID).views == 1585253


@pytest.mark.parametrize("status, error", [(429, RateLimited), (500, Upstream), (503, Upstream)])
def test_http_failures(status, error):
    with pytest.raises(error):
        parse_video_page("", VID, status=status)


def test_photo_page_asks_for_the_video_url():
    with pytest.raises(PhotoPage) as info:
        parse_video_page(fixture("photo_page.html"), "7434588292287506190")
    assert isinstance(info.value, Garbled) and "/video/" in info.value.message
    assert info.value.canonical_url.endswith("/photo/7434588292287506190")
    assert info.value.video_url.endswith("/@warungkopi.santai/video/7434588292287506190")


@pytest.mark.parametrize("canonical, error", [
    # some renderings already point the canonical at /video/; still no video-detail to read
    ("https:\\u002F\\u002Fwww.tiktok.com\\u002F@a\\u002Fvideo\\u002F743458829228750", PhotoPage),
    ("https:\\u002F\\u002Fwww.tiktok.com\\u002F", Garbled),  # a bare shell: not a post page
])
def test_page_without_video_detail(canonical, error):
    blob = '{"__DEFAULT_SCOPE__":{"seo.abtest":{"canonical":"%s"}}}' % canonical
    with pytest.raises(TikTokError) as info:
        parse_video_page(html_with(blob), "7434588292287506190")
    assert type(info.value) is error


# --- garbled ----------------------------------------------------------------------------------

@pytest.mark.parametrize("text", [
    html_with("{not json"),
    html_with("[1, 2]"),
    html_with('{"__DEFAULT_SCOPE__": []}'),
    html_with('{"__DEFAULT_SCOPE__": {"webapp.video-detail": "oops"}}'),
    html_with('{"__DEFAULT_SCOPE__": {"webapp.video-detail": {"itemInfo": {"itemStruct": 7}}}}'),
    html_with('{"__DEFAULT_SCOPE__": {"webapp.app-context": {}}}'),
    html_with('{"unknown": "layout"}'),
    html_with("[" * 100_000 + "]" * 100_000),  # deep nesting must not escape as RecursionError
    '<html><script id="__UNIVERSAL_DATA_FOR_REHYDRATION__">{"__DEFAULT_SCOPE__":',  # cut off
    video_page(item(), code="abc"),
    video_page(item(), code=True),
    profile_page({"id": "1", "uniqueId": "a"}),  # a profile where a video was expected
])
def test_garbled_pages(text):
    with pytest.raises(Garbled):
        parse_video_page(text, VID)


@pytest.mark.parametrize("bad", ["1.2M", "-5", "1,585,253", " 12", "12 ", "", "١٢٣", "²",
                                 "1e6", "99999999999999999999", -1, 1.6e6, True, [1]])
def test_bad_statsv2_play_count_is_garbled(bad):
    with pytest.raises(Garbled, match="statsV2.playCount"):
        parse_video_page(video_page(item(statsV2={**BASE_ITEM["statsV2"], "playCount": bad})), VID)


@pytest.mark.parametrize("changes", [
    {"statsV2": None, "stats": {**BASE_ITEM["stats"], "diggCount": -3}},
    {"statsV2": None, "stats": {**BASE_ITEM["stats"], "playCount": 2**63}},
    {"statsV2": None, "stats": {"diggCount": 1}},  # no views anywhere
    {"statsV2": None, "stats": None},
    {"statsV2": "1585253"},
    {"createTime": "yesterday"},
    {"createTime": -1},
    {"desc": 12},
    {"id": "7419557675973129273"},  # another video's item
    {"id": None},
    {"id": "741955767597312927x"},
])
def test_garbled_items(changes):
    with pytest.raises(Garbled):
        parse_video_page(video_page(item(**changes)), VID)


def test_int64_edges_and_partial_statsv2():
    top = str(2**63 - 1)
    stats = parse_video_page(video_page(item(statsV2={"playCount": top})), VID)
    assert (stats.views, stats.likes, stats.exact) == (2**63 - 1, None, True)
    stats = parse_video_page(video_page(item(statsV2={}, stats={"playCount": 0})), VID)
    assert (stats.views, stats.exact) == (0, False)


def test_oversized_input_is_refused_without_parsing():
    with pytest.raises(Upstream, match="too large"):
        parse_video_page("<" * (MAX_PAGE_CHARS + 1), VID)


def test_hostile_markup_ends_as_blocked():
    with pytest.raises(Blocked):
        parse_video_page("&<" * 100_000 + "<a b='" * 1000, VID)


# --- profile page -----------------------------------------------------------------------------

def test_profile_page_with_bio():
    user = parse_profile_page(fixture("profile_page.html"))
    assert (user.user_id, user.handle) == ("6824703036139742288", "warungkopi.santai")
    assert user.private is False
    assert "vp-7KQ2-M9XD" in user.signature and user.sec_uid.startswith("MS4wLjABAAAA")
    assert user.nickname == "Warung Kopi Santai"


def test_profile_private_account_still_names_the_user():
    hidden = {"id": "1", "uniqueId": "rahasia", "privateAccount": True}
    user = parse_profile_page(profile_page(hidden, code=10222))
    assert (user.handle, user.private) == ("rahasia", True)
    assert parse_profile_page(profile_page({"id": "1", "privateAccount": True})).private is True


@pytest.mark.parametrize("text, error", [
    (profile_page(None, code=10221, msg="user_not_found"), NotFound),
    (profile_page(None, code=10222), Private),
    (profile_page(None, code=10204), Unavailable),
    (profile_page(None), Garbled),
    (profile_page({"nickname": "no ids"}), Garbled),
    (profile_page({"id": "1", "privateAccount": "yes"}), Garbled),
    (fixture("video_page.html"), Garbled),
    (fixture("waf_challenge.html"), Blocked),
    (fixture("video_page_sigi.html"), Garbled),
])
def test_profile_failures(text, error):
    with pytest.raises(TikTokError) as info:
        parse_profile_page(text)
    assert type(info.value) is error


def test_profile_login_redirect_is_blocked():
    with pytest.raises(Blocked):
        parse_profile_page("", status=302, location="https://www.tiktok.com/login/")


# --- saved pages for the CLI ------------------------------------------------------------------

@pytest.mark.parametrize("name, kind, key, value", [
    ("video_page.html", "video", "views", 1585253),
    ("video_blob_stats_only.json", "video", "video_id", "7384337173876444471"),
    ("video_page_sigi.html", "video", "author_handle", "hijab.simple.id"),
    ("video_page_next_data.html", "video", "video_id", "6957032143716535554"),
    ("profile_page.html", "profile", "handle", "warungkopi.santai"),
])
def test_parse_saved_page(name, kind, key, value):
    result = parse_saved_page(fixture(name))
    assert result["kind"] == kind and result[key] == value
    json.dumps(result)  # must be JSON-able as is
    if kind == "video":
        assert isinstance(result["fetched_at"], str) and result["source"] == "page"


def test_parse_saved_scope_json_and_errors():
    scope = json.loads(fixture("video_blob_stats_only.json"))["__DEFAULT_SCOPE__"]
    assert parse_saved_page(json.dumps(scope))["views"] == 48211
    with pytest.raises(Unavailable):
        parse_saved_page(fixture("video_page_10204_deleted.html"))
    with pytest.raises(Blocked):
        parse_saved_page(fixture("waf_challenge.html"))


# --- properties -------------------------------------------------------------------------------

@settings(max_examples=60, deadline=None)
@given(st.integers(min_value=0, max_value=2**63 - 1))
def test_any_exact_play_count_round_trips(n):
    exact = {**BASE_ITEM["statsV2"], "playCount": str(n)}
    stats = parse_video_page(video_page(item(statsV2=exact)), VID)
    assert stats.views == n and stats.exact


@settings(max_examples=150, deadline=None)
@given(st.one_of(st.text(max_size=300),
                 st.builds(html_with, st.text(max_size=200)),
                 st.builds(lambda s: video_page(item(desc=s, statsV2={"playCount": s})),
                           st.text())))
def test_any_text_fails_only_with_typed_errors(text):
    try:
        parse_video_page(text, VID)
    except TikTokError:
        pass
