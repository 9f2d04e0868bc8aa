"""The ways ViewPay learns about a video, each behind the same small interface.

A source takes a video id (the Display API also an access token) and returns a VideoStats or
raises a typed error from webapp.tiktok.errors. Sources do their own HTTP through TikTokHttp,
so every call obeys the same host allow-list, timeouts and size caps, and each HTTP call goes
through the guard (shared rate budget, circuit breaker) under the source's name.
"""
from __future__ import annotations

from webapp.tiktok import display, oembed, page
from webapp.tiktok.errors import NotOwned
from webapp.tiktok.guard import NoGuard
from webapp.tiktok.http import TikTokHttp
from webapp.tiktok.stats import TikTokUser, VideoStats


def video_page_url(video_id: str) -> str:
    # The handle slot is ignored by TikTok; "_" avoids trusting a stale or odd handle.
    return f"https://www.tiktok.com/@_/video/{video_id}"


def profile_url(handle: str) -> str:
    return f"https://www.tiktok.com/@{handle}"


class _Source:
    name = "?"

    def __init__(self, http: TikTokHttp, guard=None):
        self.http = http
        self.guard = guard or NoGuard()

    def _call(self, fn):
        return self.guard.run(self.name, fn)


class PageSource(_Source):
    """The public video page: exact counts from statsV2, owner from author."""

    name = "page"

    def fetch(self, video_id: str) -> VideoStats:
        def call():
            response = self.http.request("GET", video_page_url(video_id))
            return page.parse_video_page(response.text, video_id, status=response.status,
                                         location=response.location)
        return self._call(call)


class ProfileSource(_Source):
    """The public profile page (`webapp.user-detail`): stable user id and the bio.

    It shares the page budget: to TikTok it is the same scraping of www.tiktok.com.
    """

    name = "page"

    def fetch(self, handle: str) -> TikTokUser:
        def call():
            response = self.http.request("GET", profile_url(handle))
            return page.parse_profile_page(response.text, status=response.status,
                                           location=response.location)
        return self._call(call)


class OEmbedSource(_Source):
    """oEmbed: existence and the owner's handle, no counts."""

    name = "oembed"

    def fetch(self, video_id: str) -> VideoStats:
        def call():
            url, params = oembed.oembed_request_url(video_page_url(video_id))
            response = self.http.request("GET", url, params=params)
            return oembed.parse_oembed(response.text, video_id, status=response.status)
        return self._call(call)


class DisplaySource(_Source):
    """Display API `/v2/video/query/`: the connected creator's own videos, exact counts.

    One call asks for up to 20 ids. An id missing from the answer comes back as a NotOwned
    value (not raised), so one missing video never hides the counts of the others.
    """

    name = "display"

    def fetch_many(self, access_token: str, video_ids) -> dict[str, VideoStats | NotOwned]:
        results: dict[str, VideoStats | NotOwned] = {}
        for chunk in display.chunked(video_ids):
            results.update(self._query(access_token, chunk))
        return results

    def fetch(self, access_token: str, video_id: str) -> VideoStats:
        result = self.fetch_many(access_token, [video_id])[str(video_id)]
        if isinstance(result, NotOwned):
            raise result
        return result

    def _query(self, access_token: str, ids: list[str]) -> dict[str, VideoStats | NotOwned]:
        def call():
            method, url, kwargs = display.video_query_request(access_token, ids)
            response = self.http.request(method, url, **kwargs)
            return display.parse_video_query(response.text, response.status, ids)
        return self._call(call)
