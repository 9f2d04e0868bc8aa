"""The ways ViewPay learns about a video, each behind the same small interface.

A source takes a video id (and, for the Display API, a token) and returns a VideoStats or
raises a typed error from webapp.tiktok.errors. Sources do their own HTTP through TikTokHttp,
so every call obeys the same host allow-list, timeouts and size caps.
"""
from webapp.tiktok import oembed, page
from webapp.tiktok.http import TikTokHttp
from webapp.tiktok.stats import VideoStats


def video_page_url(video_id: str) -> str:
    # The handle slot is ignored by TikTok; "_" avoids trusting a stale or odd handle.
    return f"https://www.tiktok.com/@_/video/{video_id}"


class PageSource:
    """The public video page: exact counts from statsV2, owner from author."""

    name = "page"

    def __init__(self, http: TikTokHttp):
        self.http = http

    def fetch(self, video_id: str) -> VideoStats:
        response = self.http.request("GET", video_page_url(video_id))
        return page.parse_video_page(response.text, video_id, status=response.status,
                                     location=response.location)


class OEmbedSource:
    """oEmbed: existence and the owner's handle, no counts."""

    name = "oembed"

    def __init__(self, http: TikTokHttp):
        self.http = http

    def fetch(self, video_id: str) -> VideoStats:
        url, params = oembed.oembed_request_url(video_page_url(video_id))
        response = self.http.request("GET", url, params=params)
        return oembed.parse_oembed(response.text, video_id, status=response.status)
