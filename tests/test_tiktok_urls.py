from datetime import datetime, timezone

import pytest

from webapp.tiktok.errors import InvalidUrl
from webapp.tiktok.hosts import is_tiktok_host
from webapp.tiktok.urls import parse_url, video_id_timestamp

NOW = datetime(2026, 10, 1, tzinfo=timezone.utc)
ID = "7080213458555737986"  # created 2022-03-28 (id >> 32)
ID2 = "6718335390845095173"
SEC_UID = "MS4wLjABAAAA" + "x" * 52 + "-_abc" + "y" * 7
W = "https://www.tiktok.com"


def canon(handle, vid=ID):
    return f"{W}/@{handle}/video/{vid}"


VIDEOS = [
    # (pasted text, kind, video_id, handle)
    (f"{W}/@scout2015/video/{ID}", "video", ID, "scout2015"),
    (f"https://tiktok.com/@scout2015/video/{ID}", "video", ID, "scout2015"),
    (f"https://m.tiktok.com/@scout2015/video/{ID}", "video", ID, "scout2015"),
    (f"http://www.tiktok.com/@scout2015/video/{ID}", "video", ID, "scout2015"),
    (f"www.tiktok.com/@scout2015/video/{ID}", "video", ID, "scout2015"),
    (f"tiktok.com/@scout2015/video/{ID}/", "video", ID, "scout2015"),
    (f"  {W}/@scout2015/video/{ID}  \n", "video", ID, "scout2015"),
    (f"{W}/@scout2015/video/{ID}/", "video", ID, "scout2015"),
    (f"{W}/@scout2015/video/{ID}?is_from_webapp=1&sender_device=pc", "video", ID, "scout2015"),
    (f"{W}/@scout2015/video/{ID}?_r=1&u_code=abc&share_item_id={ID2}&utm_source=copy",
     "video", ID, "scout2015"),
    (f"{W}/@scout2015/video/{ID}?lang=id-ID#comments", "video", ID, "scout2015"),
    (f"{W}/@scout2015/video/{ID}?langCountry=en", "video", ID, "scout2015"),
    (f"Lihat video ini! {W}/@scout2015/video/{ID}?lang=en #fyp #viral", "video", ID, "scout2015"),
    (f"Hi.there tiktok.com/@scout2015/video/{ID}", "video", ID, "scout2015"),
    (f"({W}/@scout2015/video/{ID}).", "video", ID, "scout2015"),
    (f"\u200b{W}/@scout2015/video/{ID}\u200b", "video", ID, "scout2015"),
    (f"{W}/@scout2015/photo/{ID}", "photo", ID, "scout2015"),
    (f"{W}/@scout2015/photo/{ID}?lang=en", "photo", ID, "scout2015"),
    (f"https://m.tiktok.com/@scout2015/photo/{ID}", "photo", ID, "scout2015"),
    (f"{W}/@/photo/{ID}", "photo", ID, None),
    (f"{W}/@/video/{ID}", "video", ID, None),
    (f"{W}/@_/video/{ID}", "video", ID, None),
    (f"{W}/@{SEC_UID}/video/{ID}", "video", ID, SEC_UID),
    (f"{W}/@6820838815978423302/video/{ID}", "video", ID, "6820838815978423302"),
    (f"{W}/@.0_kurvaaaaaa_/video/{ID}", "video", ID, ".0_kurvaaaaaa_"),
    (f"{W}/@cchelseam..eow_/video/{ID}", "video", ID, "cchelseam..eow_"),
    (f"{W}/@some-one/video/{ID}", "video", ID, "some-one"),
    (f"{W}/@PatroxOfficial/video/{ID}", "video", ID, "PatroxOfficial"),
    (f"HTTPS://WWW.TIKTOK.COM/@Scout2015/VIDEO/{ID}", "video", ID, "Scout2015"),
    (f"https://www.tiktok.com./@scout2015/video/{ID}", "video", ID, "scout2015"),
    (f"{W}/@bad%20name/video/{ID}", "video", ID, None),
    (f"{W}/@na<me>/video/{ID}", "video", ID, None),
    (f"{W}/@%E2%9C%A8sparkle/video/{ID}", "video", ID, None),
    (f"{W}/@x/video/00{ID}", "video", ID, "x"),
    (f"{W}/share/video/{ID}", "video", ID, None),
    (f"https://m.tiktok.com/share/video/{ID}/?u_code=x", "video", ID, None),
    (f"https://www.tiktokv.com/share/video/{ID}/", "video", ID, None),
    (f"https://tiktokv.com/share/video/{ID}", "video", ID, None),
    (f"https://m.tiktok.com/v/{ID}", "video", ID, None),
    (f"https://m.tiktok.com/v/{ID}.html", "video", ID, None),
    (f"{W}/v/{ID}.html?u_code=1", "video", ID, None),
    (f"{W}/embed/{ID}", "video", ID, None),
    (f"{W}/embed/v2/{ID}", "video", ID, None),
    (f"{W}/embed/v2/{ID}?lang=en", "video", ID, None),
    (f"{W}/player/v1/{ID}?music_info=1&description=1", "video", ID, None),
    (f"{W}/static/profile-video?id={ID}&hide_author=1", "video", ID, None),
    (f"{W}/foryou?is_copy_url=1&is_from_webapp=v1&item_id={ID}", "video", ID, None),
    (f"{W}/trending?shareId={ID}", "video", ID, None),
    (f"{W}/@u/video/is_copy_url=1&is_from_webapp=v1&item_id={ID}", "video", ID, "u"),
    (f"{W}/@u/video/is_copy_url=1?item_id={ID}", "video", ID, "u"),
    (f"{W}/@scout2015/video/{ID2}", "video", ID2, "scout2015"),
]


@pytest.mark.parametrize("text,kind,video_id,handle", VIDEOS)
def test_video_forms(text, kind, video_id, handle):
    parsed = parse_url(text, now=NOW)
    assert (parsed.kind, parsed.video_id, parsed.handle) == (kind, video_id, handle)
    assert parsed.canonical_url == canon(handle or "_", video_id)
    assert parsed.short_url is None


SHORT_LINKS = [
    ("https://vm.tiktok.com/ZTR45GpSF/", "https://vm.tiktok.com/ZTR45GpSF/"),
    ("https://vm.tiktok.com/ZTR45GpSF", "https://vm.tiktok.com/ZTR45GpSF/"),
    ("vm.tiktok.com/ZSe4FqkKd/", "https://vm.tiktok.com/ZSe4FqkKd/"),
    ("http://vm.tiktok.com/ZSe4FqkKd/?_t=8x&_r=1", "https://vm.tiktok.com/ZSe4FqkKd/"),
    ("Check this out! https://vm.tiktok.com/ZTR45GpSF/ #fyp", "https://vm.tiktok.com/ZTR45GpSF/"),
    ("https://vt.tiktok.com/ZGdhVtER2", "https://vt.tiktok.com/ZGdhVtER2/"),
    ("https://VT.TikTok.com/ZGdhVtER2/", "https://vt.tiktok.com/ZGdhVtER2/"),
    (f"{W}/t/ZTR45GpSF/", "https://www.tiktok.com/t/ZTR45GpSF/"),
    ("https://tiktok.com/t/ZTR45GpSF", "https://www.tiktok.com/t/ZTR45GpSF/"),
    ("https://m.tiktok.com/t/ZTR45GpSF/", "https://www.tiktok.com/t/ZTR45GpSF/"),
]


@pytest.mark.parametrize("text,short_url", SHORT_LINKS)
def test_short_links(text, short_url):
    parsed = parse_url(text, now=NOW)
    assert parsed.kind == "short_link"
    assert parsed.short_url == short_url
    assert parsed.video_id is None and parsed.canonical_url is None


FUTURE_ID = str((int(NOW.timestamp()) + 3 * 86400) << 32)
SKEWED_ID = str((int(NOW.timestamp()) + 3600) << 32)
BEFORE_2016 = str(int(datetime(2015, 12, 31, tzinfo=timezone.utc).timestamp()) << 32)

REFUSED = [
    ("", "empty"),
    ("   \n\t ", "empty"),
    ("\u200b", "empty"),
    ("x" * 3000, "too_long"),
    (f"{W}/@x/video/{ID}?" + "a=1&" * 600, "too_long"),
    ("hello there", "malformed"),
    ("https://", "malformed"),
    ("https:///@x/video/1", "malformed"),
    ("https://[not-an-ip]/x", "malformed"),
    ("ftp://www.tiktok.com/@x/video/" + ID, "scheme"),
    ("file:///etc/passwd", "scheme"),
    ("javascript:alert(1)", "scheme"),
    ("javascript://www.tiktok.com/%0aalert(1)", "scheme"),
    ("data:text/html,<script>", "scheme"),
    ("ws://www.tiktok.com/@x/video/" + ID, "scheme"),
    ("https://tiktok.com.evil.com/@x/video/" + ID, "not_tiktok"),
    ("https://evil.com/@tiktok.com", "not_tiktok"),
    ("evil.com/@tiktok.com", "not_tiktok"),
    ("https://tiktok.com@evil.com", "not_tiktok"),
    ("https://tiktok.com@evil.com/@x/video/" + ID, "not_tiktok"),
    ("https://nottiktok.com/@x/video/" + ID, "not_tiktok"),
    ("https://tiktok.co/@x/video/" + ID, "not_tiktok"),
    ("https://us.tiktok.com/@x/video/" + ID, "not_tiktok"),
    ("https://www.tiktok.com.evil.com./@x/video/" + ID, "not_tiktok"),
    ("https://evil.com\\@www.tiktok.com/@x/video/" + ID, "not_tiktok"),
    ("https://ｔｉｋｔｏｋ.com/@x/video/" + ID, "not_tiktok"),
    ("https://tіktok.com/@x/video/" + ID, "not_tiktok"),  # Cyrillic i
    ("https://xn--tktok-5ye.com/@x/video/" + ID, "not_tiktok"),
    ("https://www.youtube.com/watch?v=x", "not_tiktok"),
    ("https://user:pass@www.tiktok.com/@x/video/" + ID, "credentials"),
    ("https://user@vm.tiktok.com/ZTR45GpSF/", "credentials"),
    ("user:pass@www.tiktok.com/@x/video/" + ID, "credentials"),
    ("https://www.tiktok.com:443/@x/video/" + ID, "port"),
    ("https://www.tiktok.com:8080/@x/video/" + ID, "port"),
    ("www.tiktok.com:443/@x/video/" + ID, "port"),
    ("https://vm.tiktok.com:/ZTR45GpSF/", "port"),
    ("http://127.0.0.1/@x/video/" + ID, "ip_literal"),
    ("http://127.0.0.1:5055/@x/video/" + ID, "ip_literal"),
    ("http://169.254.169.254/latest/meta-data/", "ip_literal"),
    ("http://10.0.0.1/", "ip_literal"),
    ("http://[::1]/", "ip_literal"),
    ("http://[::ffff:127.0.0.1]/x", "ip_literal"),
    ("http://2130706433/", "ip_literal"),
    ("http://0x7f.0.0.1/", "ip_literal"),
    ("http://127.1/", "ip_literal"),
    ("http://tiktok.com@127.0.0.1/", "ip_literal"),
    (f"{W}/@scout2015", "profile_not_video"),
    (f"{W}/@scout2015/", "profile_not_video"),
    (f"{W}/@scout2015?lang=en", "profile_not_video"),
    (f"{W}/@6820838815978423302", "profile_not_video"),
    (f"{W}/share/user/6820838815978423302", "profile_not_video"),
    ("https://m.tiktok.com/h5/share/usr/6820838815978423302.html", "profile_not_video"),
    ("https://www.tiktokv.com/share/user/6820838815978423302", "profile_not_video"),
    (f"{W}/@{SEC_UID}", "profile_not_video"),
    (f"{W}/@x/video/1", "bad_id"),
    (f"{W}/@ughuwhguweghw/video/1", "bad_id"),
    (f"{W}/@x/video/51992673337", "bad_id"),
    (f"{W}/@x/video/{BEFORE_2016}", "bad_id"),
    (f"{W}/@x/video/{FUTURE_ID}", "bad_id"),
    (f"{W}/@x/video/{2**64}", "bad_id"),
    (f"{W}/@x/video/{'9' * 25}", "bad_id"),
    (f"{W}/@x/video/abc", "bad_id"),
    (f"{W}/@x/video/{ID}abc", "bad_id"),
    (f"{W}/@x/video/\u0661\u0662\u0663", "bad_id"),  # Arabic-Indic digits
    (f"{W}/@x/video/-{ID}", "bad_id"),
    (f"{W}/share/video/1", "bad_id"),
    (f"{W}/foryou?item_id=1", "bad_id"),
    (f"{W}/foryou", "no_video"),
    (W, "no_video"),
    (f"{W}/", "no_video"),
    (f"{W}/?_r=1", "no_video"),
    ("https://vm.tiktok.com/", "no_video"),
    ("https://vm.tiktok.com/ZTR45GpSF/extra", "no_video"),
    (f"{W}/t/", "no_video"),
    (f"{W}/@x/live", "no_video"),
    (f"{W}/tag/fyp", "no_video"),
    (f"{W}/music/original-sound-{ID}", "no_video"),
    (f"{W}/foryou?share_item_id={ID}", "no_video"),
]


@pytest.mark.parametrize("text,code", REFUSED)
def test_refused(text, code):
    with pytest.raises(InvalidUrl) as info:
        parse_url(text, now=NOW)
    assert info.value.code == code
    assert info.value.message.endswith(".") and info.value.retryable is False


def test_id_within_a_day_of_clock_skew_is_accepted():
    assert parse_url(f"{W}/@x/video/{SKEWED_ID}", now=NOW).video_id == SKEWED_ID


def test_naive_now_is_utc_and_default_now_works():
    assert parse_url(f"{W}/@x/video/{ID}", now=datetime(2026, 10, 1)).video_id == ID
    assert parse_url(f"{W}/@x/video/{ID}").video_id == ID


def test_largest_64_bit_id_is_only_refused_for_being_in_the_future():
    biggest = str(2**64 - 1)
    far_future = datetime(2200, 1, 1, tzinfo=timezone.utc)
    assert parse_url(f"{W}/@x/video/{biggest}", now=far_future).video_id == biggest


def test_non_string_input_is_empty():
    with pytest.raises(InvalidUrl) as info:
        parse_url(None)  # type: ignore[arg-type]
    assert info.value.code == "empty"


@pytest.mark.parametrize("host,ok", [
    ("tiktok.com", True), ("www.tiktok.com", True), ("m.tiktok.com", True),
    ("vm.tiktok.com", True), ("vt.tiktok.com", True), ("tiktokv.com", True),
    ("www.tiktokv.com", True), ("WWW.TikTok.COM", True), ("www.tiktok.com.", True),
    ("www.tiktok.com..", False), ("us.tiktok.com", False), ("tiktok.com.evil.com", False),
    ("eviltiktok.com", False), ("tiktok.co", False), ("open.tiktokapis.com", False),
    ("xn--tiktk-abc.com", False), ("", False), (None, False), ("127.0.0.1", False),
])
def test_is_tiktok_host(host, ok):
    assert is_tiktok_host(host) is ok


def test_video_id_timestamp():
    assert video_id_timestamp(ID) == 1648490656
    assert video_id_timestamp(int(ID)) == 1648490656
    with pytest.raises(InvalidUrl):
        video_id_timestamp("12a")
