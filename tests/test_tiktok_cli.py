"""`flask tiktok parse-url | fetch | parse-page`, run through Flask's CLI runner."""
import json

import pytest
import requests

from tests import factories
from tests.test_oauth import connect_creator

ID = "7080213458555737986"


def run(runner, *args):
    result = runner.invoke(args=["tiktok", *args])
    return result, (json.loads(result.stdout) if result.exit_code == 0 else None)


def test_parse_url_prints_the_four_fields(runner):
    result, data = run(runner, "parse-url", f"https://m.tiktok.com/@Scout2015/video/{ID}?lang=en")
    assert result.exit_code == 0
    assert data == {"video_id": ID, "handle": "Scout2015", "kind": "video",
                    "canonical_url": f"https://www.tiktok.com/@Scout2015/video/{ID}"}
    _, photo = run(runner, "parse-url", f"https://www.tiktok.com/@x/photo/{ID}")
    assert photo["kind"] == "photo"


def test_short_links_are_only_resolved_when_asked(runner, sandbox):
    _, data = run(runner, "parse-url", "https://vm.tiktok.com/ZTR45GpSF/")
    assert data == {"video_id": None, "handle": None, "kind": "short_link", "canonical_url": None}
    assert requests.get(sandbox.base_url + "/_sandbox/requests", timeout=5).json()["requests"] == []

    tt = factories.tiktok_user(sandbox, "sari.dance")
    vid = factories.tiktok_video(sandbox, tt["user_id"])
    requests.post(sandbox.base_url + "/_sandbox/shortlinks", timeout=5,
                  json={"code": "ZTR45GpSF", "video_id": vid, "host": "vm"}).raise_for_status()
    result, data = run(runner, "parse-url", "--resolve", "https://vm.tiktok.com/ZTR45GpSF/")
    assert result.exit_code == 0, result.output
    assert data == {"video_id": vid, "handle": "sari.dance", "kind": "video",
                    "canonical_url": f"https://www.tiktok.com/@sari.dance/video/{vid}"}


@pytest.mark.parametrize("url,message", [
    ("https://www.tiktok.com/@scout2015", "profile, not to a video"),
    ("https://tiktok.com.evil.com/@x/video/" + ID, "not a TikTok link"),
    ("http://169.254.169.254/latest/meta-data/", "IP address"),
    ("https://www.tiktok.com/@x/video/1", "not valid"),
])
def test_refused_urls_exit_2_with_the_reason(runner, url, message):
    result, _ = run(runner, "parse-url", url)
    assert result.exit_code == 2 and message in result.stderr and result.stdout == ""


def test_a_short_link_to_somewhere_else_exits_2(runner, sandbox):
    requests.post(sandbox.base_url + "/_sandbox/shortlinks", timeout=5,
                  json={"code": "Evil9", "location": "http://169.254.169.254/", "host": "vt"})
    result, _ = run(runner, "parse-url", "--resolve", "https://vt.tiktok.com/Evil9")
    assert result.exit_code == 2 and "refused" in result.stderr


def test_fetch_page_and_oembed(runner, sandbox):
    tt = factories.tiktok_user(sandbox, "sari.dance")
    vid = factories.tiktok_video(sandbox, tt["user_id"], views=1_585_253)
    _, page = run(runner, "fetch", f"https://www.tiktok.com/@whoever/video/{vid}")
    assert (page["source"], page["views"], page["exact"], page["author_id"]) == (
        "page", 1_585_253, True, tt["user_id"])
    _, oembed = run(runner, "fetch", "--source", "oembed", f"https://www.tiktok.com/v/{vid}.html")
    assert (oembed["source"], oembed["views"], oembed["author_handle"]) == (
        "oembed", None, "sari.dance")


def test_fetch_a_deleted_video_exits_2(runner, sandbox):
    tt = factories.tiktok_user(sandbox, "sari.dance")
    vid = factories.tiktok_video(sandbox, tt["user_id"], status="private")
    result, _ = run(runner, "fetch", f"https://www.tiktok.com/@x/video/{vid}")
    assert result.exit_code == 2 and "private post" in result.stderr


def test_fetch_display_as_a_connected_creator(app, runner, sandbox):
    tt = factories.tiktok_user(sandbox, "sari.dance")
    vid = factories.tiktok_video(sandbox, tt["user_id"], views=321)
    with app.app_context():
        creator = factories.creator()
        result, _ = run(runner, "fetch", "--source", "display", "--as", creator.email,
                        f"https://www.tiktok.com/@x/video/{vid}")
        assert result.exit_code == 2 and "no working TikTok connection" in result.stderr
        connect_creator(app, sandbox, creator.id, "sari.dance")
    result, data = run(runner, "fetch", "--source", "display", "--as", "sari@example.com",
                       f"https://www.tiktok.com/@x/video/{vid}")
    assert result.exit_code == 0, result.output
    assert (data["source"], data["views"], data["author_handle"]) == ("display", 321, "sari.dance")
    result, _ = run(runner, "fetch", "--source", "display",
                    f"https://www.tiktok.com/@x/video/{vid}")
    assert result.exit_code == 2 and "--as EMAIL" in result.output


def test_parse_page_reads_saved_video_and_profile_pages(runner, sandbox, tmp_path):
    tt = factories.tiktok_user(sandbox, "sari.dance", signature="bio VP-7K3Q9")
    vid = factories.tiktok_video(sandbox, tt["user_id"], views=1_585_253)
    video_html = tmp_path / "video.html"
    saved = requests.get(f"{sandbox.base_url}/@sari.dance/video/{vid}", timeout=5).text
    video_html.write_text(saved)
    _, video = run(runner, "parse-page", str(video_html))
    assert (video["kind"], video["video_id"], video["views"], video["exact"]) == (
        "video", vid, 1_585_253, True)
    profile_html = tmp_path / "profile.html"
    profile_html.write_text(requests.get(f"{sandbox.base_url}/@sari.dance", timeout=5).text)
    _, profile = run(runner, "parse-page", str(profile_html))
    assert (profile["kind"], profile["user_id"], profile["signature"]) == (
        "profile", tt["user_id"], "bio VP-7K3Q9")
    waf = tmp_path / "waf.html"
    waf.write_text('<html><div id="cs" class="x"></div><p id="wci">_wafchallengeid</p></html>')
    result, _ = run(runner, "parse-page", str(waf))
    assert result.exit_code == 2 and "WAF challenge" in result.stderr
