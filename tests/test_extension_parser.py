"""The extension's page reader (extension/src/parse.js, also inside the bookmarklet) agrees with
the server's parser (webapp.tiktok.page) on the same pages: the server's fixture pages, each at
its own address and at another video's, and edge cases built like tests/test_tiktok_page.py's.
The JavaScript runs in Debian's chromium; the verdicts are compared field by field.

Also: the extension's package (build.py) and its two catalogs."""
import json
import os
import re
import zipfile
from pathlib import Path

import pytest

from tests.e2e.conftest import CHROMIUM
from tests.test_tiktok_page import BASE_ITEM, html_with, item, video_page
from webapp.tiktok.errors import TikTokError
from webapp.tiktok.page import PhotoPage, parse_video_page

ROOT = Path(__file__).resolve().parents[1]
EXTENSION = ROOT / "extension"
FIXTURES = Path(__file__).parent / "fixtures" / "tiktok"
VID = BASE_ITEM["id"]
OTHER = "7419557675973120000"
# Each fixture page and the id in the address it was saved from.
PAGES = {
    "video_page.html": VID,
    "video_page_sigi.html": "7080213458555737986",
    "video_page_next_data.html": "6957032143716535554",
    "video_blob_stats_only.json": "7384337173876444471",
    "video_page_10204_deleted.html": VID,
    "photo_page.html": "7434588292287506190",
    "profile_page.html": VID,
    "waf_challenge.html": VID,
    "no_blob.html": VID,
}
FIELDS = ("videoId", "views", "likes", "comments", "shares", "exact", "authorId", "authorHandle",
          "createTime")


def server_verdict(text: str, video_id: str, **http) -> dict:
    """What webapp.tiktok.page says, in parse.js's terms."""
    try:
        stats = parse_video_page(text, video_id, **http)
    except TikTokError as exc:
        verdict = {"ok": False, "error": type(exc).__name__}
        if isinstance(exc, PhotoPage):
            verdict["videoUrl"] = exc.video_url
        return verdict
    return {"ok": True, "videoId": stats.video_id, "views": stats.views, "likes": stats.likes,
            "comments": stats.comments, "shares": stats.shares, "exact": stats.exact,
            "authorId": stats.author_id, "authorHandle": stats.author_handle,
            "createTime": stats.create_time}


def browser_verdict(answer: dict) -> dict:
    if not answer["ok"]:
        return {k: v for k, v in answer.items() if k in ("ok", "error", "videoUrl")}
    return {"ok": True, **{field: answer[field] for field in FIELDS}}


def address(video_id: str, kind: str = "video") -> str:
    return f"https://www.tiktok.com/@someone/{kind}/{video_id}"


def scope_page(scope: dict) -> str:
    return html_with(json.dumps({"__DEFAULT_SCOPE__": scope}))


def nested(depth: int) -> str:
    return "[" * depth + "]" * depth


def edge_cases() -> dict[str, tuple[str, str]]:
    """name -> (page, the id in its address)."""
    v2, stats = BASE_ITEM["statsV2"], BASE_ITEM["stats"]
    cases = {
        "exact": item(),
        "rounded only": item(statsV2=None),
        "empty statsV2 falls back": item(statsV2={}),
        "statsV2 playCount null": item(statsV2={**v2, "playCount": None}),
        "statsV2 1.6M": item(statsV2={**v2, "playCount": "1.6M"}),
        "statsV2 arabic digits": item(statsV2={**v2, "playCount": "١٢٣"}),
        "stats bool": item(statsV2=None, stats={**stats, "playCount": True}),
        "stats float": item(statsV2=None, stats={**stats, "playCount": 1.5}),
        "stats negative": item(statsV2=None, stats={**stats, "playCount": -1}),
        "beyond int64": item(statsV2={**v2, "playCount": "9223372036854775808"}),
        "no likes": item(statsV2={"playCount": "12"}),
        "author string + authorId": item(author="sari.dance", authorId="6824703036139742288"),
        "authorInfo": item(author=None, authorInfo={"id": "123", "uniqueId": "budi"}),
        "handle with @@": item(author={"id": "5", "uniqueId": "@@sari"}),
        "numeric author id": item(author={"id": 6824703036139742288, "uniqueId": "x"}),
        "numeric item id": item(id=int(VID)),
        "age gated": item(isContentClassified=True, video=None),
        "age flag with video": item(isContentClassified=True),
        "desc not text": item(desc=123),
        "createTime words": item(createTime="soon"),
        "createTime digits": item(createTime="1727500412"),
    }
    pages = {name: (video_page(it), VID) for name, it in cases.items()}
    pages["another video's page"] = (video_page(item()), OTHER)
    for code, msg in ((10204, "cross_border_violation_ur"), (10204, "author_status,status_reviewing"),
                      (10204, ""), (10216, ""), (10217, ""), (10221, ""), (10222, ""), (10231, ""),
                      (99999, ""), ("10216", ""), ("x", ""), (True, ""), (None, "")):
        pages[f"status {code!r} {msg}"] = (video_page(item(), code=code, msg=msg), VID)
    pages.update({
        "no itemStruct": (video_page(None), VID),
        "too deep": (scope_page({"junk": json.loads(nested(150)), "webapp.video-detail": {
            "statusCode": 0, "itemInfo": {"itemStruct": item()}}}).replace(
            nested(150), nested(201)), VID),
        "deep but fine": (scope_page({"junk": json.loads(nested(150)), "webapp.video-detail": {
            "statusCode": 0, "itemInfo": {"itemStruct": item()}}}), VID),
        "cut off": (video_page(item())[:-60], VID),
        "sigi with two items": (html_with(json.dumps({"ItemModule": {
            VID: item(author="a", authorId="1"), OTHER: item(id=OTHER)}}), "SIGI_STATE"), VID),
        "next with empty pageProps": (html_with(json.dumps({"props": {"pageProps": []}}),
                                                "__NEXT_DATA__"), VID),
        "unknown layout": (html_with(json.dumps({"foo": 1})), VID),
        "universal beats sigi": (html_with(json.dumps({"ItemModule": {}}), "SIGI_STATE")
                                 .replace("</body>", video_page(item())[video_page(item())
                                          .index("<script"):]), VID),
        "waf by text only": ("<html><body><p class='_wafchallengeid'></p></body></html>", VID),
        "blob in a div": (html_with("{}").replace("<script", "<div").replace("</script>", "</div>"),
                          VID),
        "blob id in a comment": ("<html><body><!-- <script id='SIGI_STATE'>{}</script> --></body>"
                                 "</html>", VID),
        "profile": (scope_page({"webapp.user-detail": {"statusCode": 0}}), VID),
        "photo canonical": (scope_page({"seo.abtest": {
            "canonical": f"https://www.tiktok.com/@x/photo/{VID}"}}), VID),
        "seo.abtest not an object": (scope_page({"seo.abtest": [1]}), VID),
    })
    return pages


@pytest.fixture(scope="module")
def reader():
    """A chromium page with parse.js loaded: read(cases) -> parse.js's answers."""
    if not os.path.exists(CHROMIUM):
        if os.environ.get("REQUIRE_BROWSER"):
            pytest.fail("chromium is required here (REQUIRE_BROWSER=1) but not installed")
        pytest.skip("Debian's chromium is not installed (apt-get install chromium)")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=["--no-sandbox"])
        page = browser.new_page()
        page.add_script_tag(path=str(EXTENSION / "src" / "parse.js"))
        yield lambda cases: page.evaluate(
            "cases => cases.map(([text, url]) => ViewPayParse.readHtml(text, url))", cases)
        browser.close()


def test_the_fixture_pages_read_alike(reader):
    assert {p.name for p in FIXTURES.glob("*.html")} <= set(PAGES)  # a new fixture joins in
    cases, expected = [], []
    for name, video_id in PAGES.items():
        text = (FIXTURES / name).read_text(encoding="utf-8")
        kind = "photo" if name.startswith("photo") else "video"
        for vid in (video_id, OTHER):
            cases.append([text, address(vid, kind)])
            expected.append((name, vid, server_verdict(text, vid)))
    answers = reader(cases)
    for (name, vid, server), answer in zip(expected, answers, strict=True):
        assert browser_verdict(answer) == server, (name, vid, answer)
    by_name = dict(zip([(n, v) for n, v, _ in expected], answers))
    exact = by_name[("video_page.html", VID)]
    assert (exact["views"], exact["exact"], exact["authorHandle"]) == (1585253, True,
                                                                      "warungkopi.santai")
    assert by_name[("video_page_sigi.html", "7080213458555737986")]["exact"] is False
    assert by_name[("waf_challenge.html", VID)]["reason"] == "waf"
    assert by_name[("no_blob.html", VID)]["reason"] == "no_blob"
    assert by_name[("video_page.html", OTHER)]["reason"] == "mismatch"


def test_edge_cases_read_alike(reader):
    pages = edge_cases()
    answers = reader([[text, address(vid)] for text, vid in pages.values()])
    verdicts = {}
    for (name, (text, vid)), answer in zip(pages.items(), answers, strict=True):
        verdicts[name] = browser_verdict(answer)
        assert verdicts[name] == server_verdict(text, vid), (name, answer)
    # The comparison covers both outcomes, not one of them many times.
    assert verdicts["numeric author id"]["authorId"] == "6824703036139742288"
    assert verdicts["rounded only"]["exact"] is False and verdicts["exact"]["exact"] is True
    assert {v["error"] for v in verdicts.values() if not v["ok"]} == {
        "Blocked", "Garbled", "PhotoPage", "NotFound", "Private", "RegionBlocked", "Unavailable"}


def test_a_login_wall_is_blocked_for_both(reader):
    login = "https://www.tiktok.com/login?redirect_url=" + address(VID)
    (answer,) = reader([["<html><body>Log in</body></html>", login]])
    assert (answer["error"], answer["reason"]) == ("Blocked", "login")
    server = server_verdict("", VID, status=302, location=login)
    assert server == {"ok": False, "error": "Blocked"}


def _messages_used() -> set[str]:
    keys = set()
    for path in list((EXTENSION / "src").glob("*.js")) + list(EXTENSION.glob("*.html")):
        if path.name == "parse.js":  # TikTok's keys, no messages
            continue
        text = path.read_text(encoding="utf-8")
        keys |= set(re.findall(r'\bt\("([A-Za-z]+)"', text))
        keys |= set(re.findall(r'data-i18n="([A-Za-z]+)"', text))
        keys |= set(re.findall(r'__MSG_([A-Za-z]+)__', text))
        keys |= set(re.findall(r'"((?:err|page|blocked|skip|status)[A-Z][A-Za-z]+)"', text))
    return keys


def test_the_package_and_its_catalogs(tmp_path):
    import importlib.util

    spec = importlib.util.spec_from_file_location("build", EXTENSION / "build.py")
    build = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(build)
    assert build.main(["--out", str(tmp_path / "x.zip")]) == 0
    with zipfile.ZipFile(tmp_path / "x.zip") as archive:
        names = set(archive.namelist())
        manifest = json.loads(archive.read("manifest.json"))
    assert {"manifest.json", "src/parse.js", "_locales/id/messages.json", "popup.html"} <= names
    assert not {"build.py", "bookmarklet.js"} & names
    assert manifest["content_scripts"][0]["matches"] == ["https://www.tiktok.com/*"]
    assert manifest["host_permissions"] == ["https://www.tiktok.com/*"]
    assert set(manifest["permissions"]) == {"storage"}
    for script in manifest["content_scripts"][0]["js"] + manifest["background"]["scripts"]:
        assert script in names
    test = build.contents("http://127.0.0.1:5055")
    assert "http://127.0.0.1/*" in json.loads(test["manifest.json"])["host_permissions"]
    assert b'tiktokOrigin: "http://127.0.0.1:5055"' in test["src/config.js"]
    with pytest.raises(ValueError):
        build.contents("http://tiktok.example.com")
    catalogs = {lang: json.loads((EXTENSION / "_locales" / lang / "messages.json").read_text())
                for lang in ("id", "en")}
    assert catalogs["id"].keys() == catalogs["en"].keys()
    assert _messages_used() - catalogs["en"].keys() == set()
    for key, entry in catalogs["en"].items():
        wanted = set(re.findall(r"\$(p\d)\$", entry["message"]))
        assert set(re.findall(r"\$(p\d)\$", catalogs["id"][key]["message"])) == wanted, key
