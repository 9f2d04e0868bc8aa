"""The TikTok sandbox, exercised the way ViewPay uses it: real HTTP over a socket."""
import json
import pathlib
import re
import subprocess
import sys
import time
from urllib.parse import parse_qs, urlsplit

import pytest
import requests

from sandbox import serve_in_thread
from sandbox.model import rounded

ROOT = pathlib.Path(__file__).resolve().parents[1]
SEED = ROOT / "sandbox" / "seed.json"
KEY, SECRET = "sandbox-client-key", "sandbox-client-secret"
REDIRECT = "https://viewpay.example/auth/tiktok/callback"
SARI, BUDI = "6821785806140729777", "6929196669897835800"  # seed user ids
RATE_VIDEO, BIG_VIDEO = "7614839149684042194", "7688060181837204679"  # seed videos of sari.dance


@pytest.fixture(scope="module")
def server():
    srv = serve_in_thread()
    yield srv
    srv.shutdown()


@pytest.fixture
def sb(server):
    """A session on a freshly reset and seeded sandbox; `sb.url(path)` builds URLs."""
    session = requests.Session()
    session.url = lambda path: server.base_url + path
    assert session.post(session.url("/_sandbox/reset")).ok
    assert session.post(session.url("/_sandbox/seed")).json()["videos"] == 14
    yield session
    session.close()


def blob(page: str, script_id: str = "__UNIVERSAL_DATA_FOR_REHYDRATION__"):
    m = re.search(rf'<script id="{script_id}" type="application/json">(.*?)</script>', page, re.S)
    return json.loads(m.group(1)) if m else None


def detail(sb, path: str) -> dict:
    r = sb.get(sb.url(path), allow_redirects=False)
    assert r.status_code == 200
    return blob(r.text)["__DEFAULT_SCOPE__"]["webapp.video-detail"]


def add_video(sb, **fields) -> dict:
    r = sb.post(sb.url("/_sandbox/videos"), json={"user_id": SARI, "views": 100, **fields})
    assert r.status_code == 201, r.text
    return r.json()


# --- video pages ---------------------------------------------------------------------------------

def test_video_page_has_rounded_stats_and_exact_stats_v2(sb):
    d = detail(sb, f"/@sari.dance/video/{BIG_VIDEO}")
    assert (d["statusCode"], d["statusMsg"]) == (0, "")
    item = d["itemInfo"]["itemStruct"]
    assert item["id"] == BIG_VIDEO and isinstance(item["createTime"], int)
    assert 1 <= item["createTime"] - (int(BIG_VIDEO) >> 32) <= 37
    assert item["stats"]["playCount"] == 1600000 and item["stats"]["diggCount"] == 38900
    assert item["statsV2"]["playCount"] == "1585253" and item["statsV2"]["diggCount"] == "38884"
    assert item["statsV2"]["repostCount"] == "0"
    author = item["author"]
    assert (author["id"], author["uniqueId"]) == (SARI, "sari.dance")
    assert author["secUid"].startswith("MS4wLjABAAAA") and len(author["secUid"]) == 76
    assert {"nickname", "signature", "privateAccount", "verified"} <= author.keys()
    assert item["video"]["duration"] > 0


@pytest.mark.parametrize("n, shown", [(999, 999), (9999, 9999), (10049, 10000), (10050, 10100),
                                      (38884, 38900), (1549999, 1500000), (1585253, 1600000)])
def test_stats_rounding(n, shown):
    assert rounded(n) == shown


@pytest.mark.parametrize("path", ["/@/video/{}", "/@_/video/{}", "/@someone.else/video/{}/"])
def test_handle_in_url_is_ignored(sb, path):
    d = detail(sb, path.format(RATE_VIDEO))
    assert d["itemInfo"]["itemStruct"]["author"]["uniqueId"] == "sari.dance"
    assert d["itemInfo"]["itemStruct"]["statsV2"]["playCount"] == "150247"


@pytest.mark.parametrize("status, code, msg", [
    ("deleted", 10204, "item_privacy_authorization&status_deleted"),
    ("under_review", 10204, "author_status,status_reviewing"),
    ("region", 10204, "cross_border_violation_ur"),
    ("region_locked", 10231, ""),
    ("ambiguous", 10204, ""),
    ("private", 10216, ""),
    ("private_account", 10222, ""),
])
def test_status_codes_come_inside_a_200_page(sb, status, code, msg):
    vid = add_video(sb, video_id="7600000000000000001", status=status)["video_id"]
    d = detail(sb, f"/@sari.dance/video/{vid}")
    assert (d["statusCode"], d["statusMsg"]) == (code, msg) and "itemInfo" not in d


def test_unknown_video_and_private_account(sb):
    d = detail(sb, "/@x/video/7600000000000000999")
    assert (d["statusCode"], d["statusMsg"]) == (10204, "item doesn't exist")
    sb.patch(sb.url(f"/_sandbox/users/{SARI}"), json={"private": True})
    assert detail(sb, f"/@sari.dance/video/{RATE_VIDEO}")["statusCode"] == 10222


def test_photo_page_has_no_video_detail_but_a_canonical(sb):
    photo = "7651281515967830621"
    scope = blob(sb.get(sb.url(f"/@sari.dance/photo/{photo}")).text)["__DEFAULT_SCOPE__"]
    assert "webapp.video-detail" not in scope
    assert scope["seo.abtest"]["canonical"] == f"https://www.tiktok.com/@sari.dance/video/{photo}"
    assert "imagePost" in detail(sb, f"/@sari.dance/video/{photo}")["itemInfo"]["itemStruct"]


def test_page_modes(sb):
    def page(mode):
        sb.patch(sb.url(f"/_sandbox/videos/{RATE_VIDEO}"), json={"page_mode": mode})
        return sb.get(sb.url(f"/@sari.dance/video/{RATE_VIDEO}"), allow_redirects=False)

    sigi = blob(page("sigi").text, "SIGI_STATE")
    assert sigi["ItemModule"][RATE_VIDEO]["statsV2"]["playCount"] == "150247"
    assert sigi["VideoPage"]["statusCode"] == 0
    props = blob(page("next_data").text, "__NEXT_DATA__")["props"]["pageProps"]
    assert props["statusCode"] == 0 and props["itemInfo"]["itemStruct"]["id"] == RATE_VIDEO
    item = blob(page("stats_only").text)["__DEFAULT_SCOPE__"]["webapp.video-detail"]["itemInfo"]
    assert "statsV2" not in item["itemStruct"] and item["itemStruct"]["stats"]["playCount"] == 150200
    waf = page("waf")
    assert waf.status_code == 200 and blob(waf.text) is None
    assert 'id="cs"' in waf.text and 'id="wci" class="_wafchallengeid"' in waf.text
    login = page("login")
    assert login.status_code == 302
    assert login.headers["Location"].startswith("https://www.tiktok.com/login?redirect_url=https%3A")
    bare = page("no_blob")
    assert bare.status_code == 200 and "<script" not in bare.text
    garbled = page("garbled")
    assert "__UNIVERSAL_DATA_FOR_REHYDRATION__" in garbled.text
    with pytest.raises(json.JSONDecodeError):
        blob(garbled.text)
    typed = blob(page("garbled_types").text)["__DEFAULT_SCOPE__"]["webapp.video-detail"]
    assert typed["itemInfo"]["itemStruct"]["statsV2"]["playCount"] == "abc"


# --- profile page and oEmbed ---------------------------------------------------------------------

def test_profile_page_carries_the_bio_and_follows_edits(sb):
    def user_detail(handle):
        return blob(sb.get(sb.url(f"/@{handle}")).text)["__DEFAULT_SCOPE__"]["webapp.user-detail"]

    d = user_detail("SARI.Dance")
    assert d["statusCode"] == 0 and d["userInfo"]["user"]["id"] == SARI
    assert d["userInfo"]["user"]["signature"].startswith("Dance covers")
    assert {"followerCount", "followingCount", "heartCount", "videoCount", "diggCount"} <= \
        d["userInfo"]["stats"].keys()
    sb.patch(sb.url(f"/_sandbox/users/{SARI}"), json={"signature": "VP-7K3Q", "handle": "sari2"})
    d = user_detail("sari2")
    assert d["userInfo"]["user"]["signature"] == "VP-7K3Q" and d["userInfo"]["user"]["id"] == SARI
    assert user_detail("sari.dance")["statusCode"] == 10221


OEMBED_KEYS = ["version", "type", "title", "author_url", "author_name", "width", "height", "html",
               "thumbnail_width", "thumbnail_height", "thumbnail_url", "provider_url",
               "provider_name", "author_unique_id", "embed_product_id", "embed_type"]


def test_oembed_video_and_profile(sb):
    r = sb.get(sb.url("/oembed"), params={"url": f"https://www.tiktok.com/@x/video/{RATE_VIDEO}?lang=en"})
    body = r.json()
    assert r.status_code == 200 and list(body) == OEMBED_KEYS
    assert (body["author_unique_id"], body["embed_product_id"], body["embed_type"]) == \
        ("sari.dance", RATE_VIDEO, "video")
    assert body["author_name"] == "Sari Dewi" and body["width"] == "100%"
    assert f'data-video-id="{RATE_VIDEO}"' in body["html"] and "/video/" + RATE_VIDEO in body["html"]
    region = sb.get(sb.url("/oembed"), params={"url": "https://www.tiktok.com/@budi_masak/video/7608892766172000134"})
    assert region.status_code == 200
    prof = sb.get(sb.url("/oembed"), params={"url": "https://www.tiktok.com/@rina.travel"}).json()
    assert (prof["type"], prof["embed_type"], prof["embed_product_id"]) == ("rich", "profile", "rina.travel")
    assert prof["title"] == "Rina Jalan-Jalan's Creator Profile"


@pytest.mark.parametrize("url", [
    "https://www.tiktok.com/@sari.dance/video/7579186627096419011",  # deleted
    "https://www.tiktok.com/@budi_masak/video/7635018192535695133",  # private
    "https://www.tiktok.com/@x/video/7600000000000000999",  # unknown
    "https://www.tiktok.com/@nobody.here", "not a url", "https://evil.example/@sari.dance",
])
def test_oembed_failures_are_400(sb, url):
    r = sb.get(sb.url("/oembed"), params={"url": url})
    assert r.status_code == 400 and r.json() == {"message": "Something went wrong", "code": 400}


# --- short links ---------------------------------------------------------------------------------

def location(sb, path, method="HEAD"):
    r = sb.request(method, sb.url(path), allow_redirects=False)
    assert r.status_code in (301, 302), r.status_code
    return r.headers["Location"]


def test_short_links_redirect_to_real_tiktok_urls(sb):
    loc = location(sb, "/_vm/ZTR45GpSF/")
    parts = urlsplit(loc)
    assert (parts.scheme, parts.netloc, parts.path) == \
        ("https", "www.tiktok.com", f"/@sari.dance/video/{RATE_VIDEO}")
    assert parse_qs(parts.query)["_r"] == ["1"] and "u_code" in parse_qs(parts.query)
    assert location(sb, "/_vt/ZTR45GpSF", "GET") == loc and location(sb, "/t/ZTR45GpSF/") == loc
    assert "/@viral.queen/video/" in location(sb, "/_vm/ZSe4FqkKd/")
    assert location(sb, "/_vt/ZSe4FqkKd") == "https://www.tiktok.com/?_r=1"  # vm-only code
    assert location(sb, "/_vt/ZGdhVtER2").startswith("https://www.tiktok.com/@budi_masak/video/")
    assert location(sb, "/_vm/ZSphoto01/").startswith("https://www.tiktok.com/@/photo/")
    assert location(sb, "/_vm/ZSgone404/") == "https://www.tiktok.com/?_r=1"
    assert location(sb, "/t/NoSuchCode/") == "https://www.tiktok.com/?_r=1"


def test_short_links_with_custom_locations_and_chains(sb):
    for code, loc in [("ZSmeta001", "http://169.254.169.254/latest/meta-data/"),
                      ("ZSevil001", "https://tiktok.com.evil.com/x"),
                      ("ZSchain01", "https://vm.tiktok.com/ZSchain02/")]:
        assert sb.post(sb.url("/_sandbox/shortlinks"), json={"code": code, "location": loc}).status_code == 201
    sb.post(sb.url("/_sandbox/shortlinks"), json={"code": "ZSchain02", "video_id": BIG_VIDEO, "host": "vm"})
    assert location(sb, "/_vm/ZSmeta001/") == "http://169.254.169.254/latest/meta-data/"
    assert location(sb, "/t/ZSevil001/") == "https://tiktok.com.evil.com/x"
    hop = urlsplit(location(sb, "/_vt/ZSchain01"))
    assert (hop.netloc, hop.path) == ("vm.tiktok.com", "/ZSchain02/")
    assert BIG_VIDEO in location(sb, "/_vm" + hop.path)


# --- Login Kit and Display API -------------------------------------------------------------------

def authorize(sb, user=SARI, scope="user.info.basic,user.info.profile,video.list", **extra):
    params = {"client_key": KEY, "scope": scope, "redirect_uri": REDIRECT, "state": "st4te",
              "response_type": "code", "sandbox_user": user, "sandbox_auto": "1", **extra}
    r = sb.get(sb.url("/v2/auth/authorize/"), params=params, allow_redirects=False)
    assert r.status_code == 302 and r.headers["Location"].startswith(REDIRECT + "?")
    return {k: v[0] for k, v in parse_qs(urlsplit(r.headers["Location"]).query).items()}


def token(sb, **form):
    return sb.post(sb.url("/v2/oauth/token/"), data={"client_key": KEY, "client_secret": SECRET, **form})


def login(sb, **kw) -> dict:
    code = authorize(sb, **kw)["code"]
    r = token(sb, grant_type="authorization_code", code=code, redirect_uri=REDIRECT)
    assert r.status_code == 200, r.text
    return r.json()


def api(sb, tok, path, fields, body=None):
    headers = {"Authorization": f"Bearer {tok}"}
    if body is None:
        return sb.get(sb.url(path), params={"fields": fields}, headers=headers)
    return sb.post(sb.url(path), params={"fields": fields}, json=body, headers=headers)


def test_oauth_full_flow(sb):
    cb = authorize(sb)
    assert cb["state"] == "st4te" and cb["scopes"] == "user.info.basic,user.info.profile,video.list"
    r = token(sb, grant_type="authorization_code", code=cb["code"], redirect_uri=REDIRECT)
    tok = r.json()
    assert list(tok) == ["access_token", "expires_in", "open_id", "refresh_expires_in",
                         "refresh_token", "scope", "token_type"]
    assert tok["access_token"].startswith("act.") and tok["refresh_token"].startswith("rft.")
    assert (tok["expires_in"], tok["refresh_expires_in"], tok["token_type"]) == (86400, 31536000, "Bearer")
    again = token(sb, grant_type="authorization_code", code=cb["code"], redirect_uri=REDIRECT)
    assert again.status_code == 400 and again.json()["error"] == "invalid_grant"

    info = api(sb, tok["access_token"], "/v2/user/info/", "open_id,username,bio_description").json()
    assert info["error"]["code"] == "ok"
    assert info["data"]["user"] == {"open_id": tok["open_id"], "username": "sari.dance",
                                    "bio_description": "Dance covers tiap hari 💃 Jakarta | collab: DM"}
    q = api(sb, tok["access_token"], "/v2/video/query/", "id,view_count",
            {"filters": {"video_ids": [RATE_VIDEO, "7579186627096419011"]}}).json()
    assert q["data"] == {"videos": [{"id": RATE_VIDEO, "view_count": 150247}], "cursor": 0, "has_more": False}

    fresh = token(sb, grant_type="refresh_token", refresh_token=tok["refresh_token"]).json()
    assert fresh["refresh_token"] != tok["refresh_token"] and fresh["open_id"] == tok["open_id"]
    stale = token(sb, grant_type="refresh_token", refresh_token=tok["refresh_token"])
    assert stale.status_code == 400 and stale.json()["error"] == "invalid_grant" and "log_id" in stale.json()

    revoked = sb.post(sb.url("/v2/oauth/revoke/"),
                      data={"client_key": KEY, "client_secret": SECRET, "token": fresh["access_token"]})
    assert revoked.status_code == 200 and revoked.json() == {}
    gone = api(sb, fresh["access_token"], "/v2/user/info/", "open_id")
    assert gone.status_code == 401 and gone.json()["error"]["code"] == "access_token_invalid"
    assert gone.json()["data"] == {}
    dead = token(sb, grant_type="refresh_token", refresh_token=fresh["refresh_token"])
    assert dead.json()["error"] == "invalid_grant"


def test_consent_page_allow_and_deny(sb):
    params = {"client_key": KEY, "scope": "user.info.basic,video.list", "redirect_uri": REDIRECT,
              "state": "s1", "response_type": "code"}
    page = sb.get(sb.url("/v2/auth/authorize/"), params=params)
    assert page.status_code == 200 and "@budi_masak" in page.text and 'value="allow"' in page.text
    allow = sb.post(sb.url("/v2/auth/authorize/"), allow_redirects=False,
                    data={**params, "user_id": BUDI, "decision": "allow", "grant_video.list": "1"})
    cb = parse_qs(urlsplit(allow.headers["Location"]).query)
    assert cb["scopes"] == ["user.info.basic,video.list"] and cb["state"] == ["s1"]
    deny = sb.post(sb.url("/v2/auth/authorize/"), data={**params, "decision": "deny"},
                   allow_redirects=False)
    cb = parse_qs(urlsplit(deny.headers["Location"]).query)
    assert cb["error"] == ["access_denied"] and cb["state"] == ["s1"] and cb["error_description"]
    assert authorize(sb, sandbox_auto="deny")["error"] == "access_denied"
    bad = sb.get(sb.url("/v2/auth/authorize/"), params={**params, "client_key": "nope"})
    assert bad.status_code == 400


def test_token_endpoint_errors(sb):
    code = authorize(sb)["code"]
    assert token(sb, grant_type="authorization_code", code=code,
                 redirect_uri=REDIRECT + "/other").json()["error"] == "invalid_grant"
    wrong = sb.post(sb.url("/v2/oauth/token/"), data={"client_key": KEY, "client_secret": "x",
                                                       "grant_type": "refresh_token"})
    assert wrong.status_code == 400 and wrong.json()["error"] == "invalid_client"
    assert token(sb, grant_type="password").json()["error"] == "unsupported_grant_type"
    assert token(sb, grant_type="authorization_code").json()["error"] == "invalid_request"
    as_json = sb.post(sb.url("/v2/oauth/token/"), json={"client_key": KEY})
    assert as_json.json()["error"] == "invalid_request"
    old = authorize(sb)["code"]
    sb.post(sb.url("/_sandbox/knobs"), json={"clock_offset_seconds": 301})
    assert token(sb, grant_type="authorization_code", code=old,
                 redirect_uri=REDIRECT).json()["error"] == "invalid_grant"
    sb.post(sb.url("/_sandbox/knobs"), json={"client_key": "k2", "client_secret": "s2"})
    assert token(sb, grant_type="refresh_token", refresh_token="rft.x").json()["error"] == "invalid_client"


def test_access_tokens_expire_on_the_sandbox_clock(sb):
    tok = login(sb)
    assert api(sb, tok["access_token"], "/v2/user/info/", "open_id").ok
    sb.post(sb.url("/_sandbox/oauth/expire"), json={"open_id": tok["open_id"]})
    assert api(sb, tok["access_token"], "/v2/user/info/", "open_id").status_code == 401
    tok = token(sb, grant_type="refresh_token", refresh_token=tok["refresh_token"]).json()
    assert api(sb, tok["access_token"], "/v2/user/info/", "open_id").ok
    sb.post(sb.url("/_sandbox/knobs"), json={"clock_offset_seconds": 86400})
    assert api(sb, tok["access_token"], "/v2/user/info/", "open_id").status_code == 401
    assert token(sb, grant_type="refresh_token", refresh_token=tok["refresh_token"]).ok


def test_open_id_is_stable_per_user_and_app(sb):
    first, second, other = login(sb), login(sb), login(sb, user="budi_masak")
    assert first["open_id"] == second["open_id"] != other["open_id"]


def test_video_query_cap_ownership_and_scope(sb):
    tok = login(sb)["access_token"]
    budi = api(sb, tok, "/v2/video/query/", "id", {"filters": {"video_ids": ["7702357270251669154"]}})
    assert budi.ok and budi.json()["data"]["videos"] == []  # not sari's: silently missing
    ids = [RATE_VIDEO, BIG_VIDEO, "7579186627096419011", "7651281515967830621"] + \
        [str(7600000000000000000 + i) for i in range(16)]
    r = api(sb, tok, "/v2/video/query/", "id,view_count,share_url,create_time", {"filters": {"video_ids": ids}})
    videos = r.json()["data"]["videos"]
    assert sorted(v["id"] for v in videos) == sorted([RATE_VIDEO, BIG_VIDEO, "7651281515967830621"])
    assert all(set(v) == {"id", "view_count", "share_url", "create_time"} for v in videos)
    assert videos[0]["share_url"].startswith(f"https://www.tiktok.com/@sari.dance/video/{videos[0]['id']}?")
    too_many = api(sb, tok, "/v2/video/query/", "id", {"filters": {"video_ids": ids + ["1"]}})
    assert too_many.status_code == 400 and too_many.json()["error"]["code"] == "invalid_params"
    assert api(sb, tok, "/v2/video/query/", "id,bogus", {"filters": {"video_ids": ids}}).status_code == 400
    basic = login(sb, sandbox_scopes="user.info.basic")
    assert basic["scope"] == "user.info.basic"
    denied = api(sb, basic["access_token"], "/v2/video/query/", "id", {"filters": {"video_ids": ids}})
    assert denied.status_code == 401 and denied.json()["error"]["code"] == "scope_not_authorized"
    prof = api(sb, basic["access_token"], "/v2/user/info/", "username")
    assert prof.json()["error"]["code"] == "scope_not_authorized"


def test_video_list_pages_newest_first(sb):
    tok = login(sb, user="viral.queen")["access_token"]
    first = api(sb, tok, "/v2/video/list/", "id,create_time,view_count", {"max_count": 2}).json()["data"]
    assert first["has_more"] is True and len(first["videos"]) == 2
    times = [v["create_time"] for v in first["videos"]]
    assert times == sorted(times, reverse=True) and first["cursor"] == times[-1] * 1000
    rest = api(sb, tok, "/v2/video/list/", "id", {"cursor": first["cursor"], "max_count": 20}).json()["data"]
    assert len(rest["videos"]) == 1 and rest["has_more"] is False
    assert api(sb, tok, "/v2/video/list/", "id", {"max_count": 21}).status_code == 400


# --- limits, growth, knobs, control --------------------------------------------------------------

def test_rate_limits_answer_429_with_retry_after(sb):
    sb.post(sb.url("/_sandbox/knobs"), json={"rate_limits": {"api": 2, "page": 1}})
    tok = login(sb)["access_token"]
    assert [api(sb, tok, "/v2/user/info/", "open_id").status_code for _ in range(3)] == [200, 200, 429]
    r = api(sb, tok, "/v2/user/info/", "open_id")
    assert r.json()["error"]["code"] == "rate_limit_exceeded" and 1 <= int(r.headers["Retry-After"]) <= 60
    assert api(sb, tok, "/v2/video/list/", "id", {}).ok  # limits are per endpoint
    assert sb.get(sb.url(f"/@x/video/{RATE_VIDEO}")).ok
    page = sb.get(sb.url(f"/@x/video/{RATE_VIDEO}"))
    assert page.status_code == 429 and "Retry-After" in page.headers
    sb.post(sb.url("/_sandbox/knobs"), json={"clock_offset_seconds": 61})
    assert sb.get(sb.url(f"/@x/video/{RATE_VIDEO}")).ok


def test_a_rate_limit_of_zero_throttles_every_call_for_a_whole_window(sb):
    sb.post(sb.url("/_sandbox/knobs"), json={"rate_limits": {"oembed": 0},
                                             "rate_window_seconds": 900})
    r = sb.get(sb.url("/oembed"), params={"url": f"https://www.tiktok.com/@x/video/{RATE_VIDEO}"})
    assert r.status_code == 429 and int(r.headers["Retry-After"]) == 900


def test_views_grow_on_the_sandbox_clock(sb):
    vid = add_video(sb, video_id="7600000000000000002", views=1000, likes=100, growth_per_hour=60)["video_id"]
    sb.post(sb.url("/_sandbox/knobs"), json={"clock_offset_seconds": 2 * 3600})
    assert sb.get(sb.url(f"/_sandbox/videos/{vid}")).json()["views"] == 1120
    stats = detail(sb, f"/@_/video/{vid}")["itemInfo"]["itemStruct"]["statsV2"]
    assert stats["playCount"] == "1120" and stats["diggCount"] == "112"
    patched = sb.patch(sb.url(f"/_sandbox/videos/{vid}"), json={"views": 5000}).json()
    assert patched["views"] == 5000
    sb.post(sb.url("/_sandbox/knobs"), json={"clock_offset_seconds": 3 * 3600})
    assert sb.get(sb.url(f"/_sandbox/videos/{vid}")).json()["views"] == 5060
    assert sb.get(sb.url(f"/_sandbox/videos/{RATE_VIDEO}")).json()["views"] == 150247


def test_latency_and_error_rate_knobs(sb):
    sb.post(sb.url("/_sandbox/knobs"), json={"latency_ms": 150})
    start = time.monotonic()
    sb.get(sb.url(f"/@x/video/{RATE_VIDEO}"))
    assert time.monotonic() - start >= 0.15
    sb.post(sb.url("/_sandbox/knobs"), json={"latency_ms": 0, "error_rate": 1.0})
    assert {sb.get(sb.url(f"/@x/video/{RATE_VIDEO}")).status_code for _ in range(12)} <= {500, 503}
    assert sb.get(sb.url("/_sandbox/knobs")).json()["error_rate"] == 1.0  # control is exempt
    sb.post(sb.url("/_sandbox/knobs"), json={"error_surfaces": ["api"]})
    assert sb.get(sb.url(f"/@x/video/{RATE_VIDEO}")).ok
    tok = login(sb)["access_token"]
    broken = api(sb, tok, "/v2/user/info/", "open_id")
    assert broken.status_code == 500 and broken.json()["error"]["code"] == "internal_error"
    assert sb.post(sb.url("/_sandbox/knobs"), json={"error_rate": 2}).status_code == 400


def test_request_log_shows_what_was_sent(sb):
    tok = login(sb)["access_token"]
    sb.post(sb.url("/_sandbox/requests/clear"))
    api(sb, tok, "/v2/video/query/", "id", {"filters": {"video_ids": [RATE_VIDEO, BIG_VIDEO]}})
    sb.get(sb.url("/oembed"), params={"url": "https://www.tiktok.com/@rina.travel"})
    log = sb.get(sb.url("/_sandbox/requests"), params={"surface": "api"}).json()["requests"]
    assert len(log) == 1 and log[0]["json"]["filters"]["video_ids"] == [RATE_VIDEO, BIG_VIDEO]
    assert log[0]["method"] == "POST" and log[0]["status"] == 200 and log[0]["host"]
    assert len(sb.get(sb.url("/_sandbox/requests")).json()["requests"]) == 2


def test_control_api_validates_and_resets(sb):
    assert sb.post(sb.url("/_sandbox/users"), json={"user_id": SARI, "handle": "z"}).status_code == 409
    assert sb.post(sb.url("/_sandbox/users"), json={"user_id": "1", "handle": "SARI.DANCE"}).status_code == 409
    assert sb.post(sb.url("/_sandbox/videos"), json={"video_id": "1", "user_id": "404"}).status_code == 404
    assert sb.post(sb.url("/_sandbox/videos"), json={"user_id": SARI, "status": "gone"}).status_code == 400
    assert sb.patch(sb.url("/_sandbox/videos/1"), json={"views": 1}).status_code == 404
    made = sb.post(sb.url("/_sandbox/users"), json={"user_id": "7000000000000000001", "handle": "new.one",
                                                     "signature": "hi"}).json()
    assert made["sec_uid"].startswith("MS4wLjABAAAA") and made["nickname"] == "new.one"
    video = add_video(sb, user_id=None, handle="new.one", video_id="7600000000000000003", views=7)
    assert video["create_time"] == (7600000000000000003 >> 32) + 20 and video["user_id"] == made["user_id"]
    assert sb.post(sb.url("/_sandbox/reset")).ok
    assert sb.get(sb.url("/_sandbox/videos")).json()["videos"] == []
    assert detail(sb, f"/@x/video/{RATE_VIDEO}")["statusCode"] == 10204
    assert sb.get(sb.url("/_sandbox/knobs")).json()["rate_limits"] == {"page": None, "oembed": None, "api": 600}


def test_seed_ids_look_like_tiktok_ids():
    seed = json.loads(SEED.read_text(encoding="utf-8"))
    handles = {u["handle"] for u in seed["users"]}
    assert {"sari.dance", "budi_masak", "rina.travel", "viral.queen"} <= handles
    for video in seed["videos"]:
        assert len(video["video_id"]) == 19 and 1735689600 <= int(video["video_id"]) >> 32 < 1798761600
    assert any(v["views"] == 150247 and v.get("growth_per_hour", 0) == 0 for v in seed["videos"])
    assert {"deleted", "private"} <= {v.get("status") for v in seed["videos"]}


def test_sandbox_imports_nothing_from_webapp():
    for path in (ROOT / "sandbox").glob("*.py"):
        assert not re.search(r"^\s*(from|import)\s+webapp", path.read_text(), re.M), path


def test_python_m_sandbox_serves_the_seed():
    proc = subprocess.Popen([sys.executable, "-m", "sandbox", "--port", "0", "--seed"], cwd=ROOT,
                            stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True)
    try:
        base = re.search(r"(http://\S+)", proc.stdout.readline()).group(1)
        assert requests.get(f"{base}/@viral.queen", timeout=5).ok
        assert len(requests.get(f"{base}/_sandbox/videos", timeout=5).json()["videos"]) == 14
    finally:
        proc.terminate()
        proc.wait(timeout=5)
