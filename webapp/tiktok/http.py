"""The only place ViewPay touches the network for TikTok.

Callers always name real TikTok URLs; each host is sent to an operator-configured base (identity
in production, loopback for the sandbox). Configured bases are trusted. Anything learned from a
user or from a response (a redirect hop) must be an allow-listed TikTok host, and a TikTok host
with no configured base is only reached after its DNS answers are checked to be public and the
connection is pinned to the checked address (no DNS-rebinding window).

Time: connect/read timeouts (capped by the time left) bound each socket operation, and the
call's overall deadline (across all hops of a short link) shuts its sockets when it passes,
whatever the answer's shape (see deadline.py).
"""
from __future__ import annotations

import http.cookiejar
import socket
import time
from dataclasses import dataclass
from typing import Any, Callable, Collection, Mapping
from urllib.parse import urlsplit, urlunsplit

import requests

from .addresses import PinnedAdapter, checked_address, pinned_url
from .deadline import Deadline, DeadlineAdapter
from .errors import Blocked, Garbled, InvalidUrl, NotFound, Upstream, UnsafeUrl
from .hosts import TIKTOK_HOSTS, WEB_HOSTS, HostSet, is_cdn_host, split_tiktok_url
from .response import HttpResponse, read_response, too_slow
from .stats import ParsedUrl
from .urls import parse_url

_API_HOST = "open.tiktokapis.com"
# The image CDN too (covers, webapp.tiktok.covers); it is never a redirect hop.
_ASKABLE_HOSTS = HostSet(TIKTOK_HOSTS | {_API_HOST}, cdn=True)
# What yt-dlp and gallery-dl send for short links: TikTok then answers with a plain redirect.
# None removes requests' default headers so nothing else identifies us.
_SHORT_LINK_HEADERS = {"User-Agent": "facebookexternalhit/1.1", "Accept": None,
                       "Accept-Encoding": None, "Connection": None}


@dataclass(frozen=True)
class HttpSettings:
    web_base: str = "https://www.tiktok.com"
    api_base: str = "https://open.tiktokapis.com"
    vm_base: str = "https://vm.tiktok.com"
    vt_base: str = "https://vt.tiktok.com"
    cdn_base: str | None = None  # every *.tiktokcdn.com host goes here when set (the sandbox)
    connect_timeout: float = 3.0
    read_timeout: float = 10.0
    total_timeout: float = 15.0
    max_bytes: int = 2_000_000
    max_redirects: int = 3
    user_agent: str = ("Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 "
                       "(KHTML, like Gecko) Chrome/131.0.0.0 Safari/537.36")


class _NoCookies(http.cookiejar.DefaultCookiePolicy):
    # Each call starts clean: a cookie TikTok (or the WAF) sets must not follow us around.
    def set_ok(self, cookie, request):
        return False

    def return_ok(self, cookie, request):
        return False


def _harden(session: requests.Session, adapter: DeadlineAdapter) -> requests.Session:
    session.trust_env = False  # no proxy env vars, no ~/.netrc credentials
    session.cookies.set_policy(_NoCookies())
    for scheme in ("http://", "https://"):
        session.mount(scheme, adapter)
    return session


def _unsafe(exc: InvalidUrl, what: str) -> UnsafeUrl:
    return UnsafeUrl(f"{what} was refused: {exc.message}", code=exc.code)


class TikTokHttp:
    def __init__(self, settings: HttpSettings | None = None, *,
                 resolver: Callable[..., list] = socket.getaddrinfo):
        self.settings = settings or HttpSettings()
        self._session = _harden(requests.Session(), DeadlineAdapter())
        self._resolver = resolver
        s = self.settings
        self._bases = {**dict.fromkeys(WEB_HOSTS, s.web_base), _API_HOST: s.api_base,
                       "vm.tiktok.com": s.vm_base, "vt.tiktok.com": s.vt_base}

    def request(self, method: str, url: str, *, params=None, data=None, json=None,
                headers: Mapping[str, str | None] | None = None, max_bytes: int | None = None,
                allow_statuses: Collection[int] = ()) -> HttpResponse:
        """`allow_statuses`: 429/5xx codes to hand back instead of raising (e.g. to read a body)."""
        deadline = time.monotonic() + self.settings.total_timeout
        return self._send(method, url, deadline, params=params, data=data, json=json,
                          headers=headers, max_bytes=max_bytes, allow_statuses=allow_statuses)

    def resolve(self, parsed: ParsedUrl) -> ParsedUrl:
        if parsed.kind != "short_link":
            return parsed
        return parse_url(self.resolve_short_link(parsed.short_url or ""))

    def resolve_short_link(self, short_url: str) -> str:
        """Follow a short link hop by hop, never fetching the video page it ends at."""
        deadline = time.monotonic() + self.settings.total_timeout
        url = self._hop_url(short_url, "The short link", allow_http=False)
        for _ in range(self.settings.max_redirects):
            response = self._send("HEAD", url, deadline, headers=_SHORT_LINK_HEADERS)
            if response.status == 405:
                response = self._send("GET", url, deadline, headers=_SHORT_LINK_HEADERS)
            url = self._next_hop(response)
            if _names_video(url):
                return url
        raise UnsafeUrl("This short link redirects too many times.", code="too_many_redirects")

    def _hop_url(self, url: str, what: str, *, allow_http: bool = True) -> str:
        try:
            parts = split_tiktok_url(url)
        except InvalidUrl as exc:
            raise _unsafe(exc, what) from None
        if parts.scheme != "https" and not allow_http:
            raise UnsafeUrl(f"{what} must use https.", code="scheme")
        # An http:// hop on an allow-listed TikTok host is treated as https: we never connect to
        # a learned host in clear text, so this cannot downgrade anything.
        return urlunsplit(("https", parts.netloc, parts.path or "/", parts.query, ""))

    def _next_hop(self, response: HttpResponse) -> str:
        if response.status in (404, 410):
            raise NotFound("short link not found", status_code=response.status)
        if response.status in (401, 403):
            raise Blocked("short link refused us", status_code=response.status)
        if not 300 <= response.status < 400 or not response.location:
            # A page instead of a redirect: not TikTok's "no such link" (that redirects to /),
            # so do not call the video gone; let the caller retry.
            raise Garbled("short link answered without a redirect", status_code=response.status)
        url = self._hop_url(response.location, "A short-link redirect")
        path = urlsplit(url).path.strip("/")
        if not path:
            raise NotFound("short link leads to TikTok's home page")  # https://www.tiktok.com/?_r=1
        if path.split("/")[0] == "login":
            raise Blocked("short link redirected to login")
        return url

    def _route(self, url: str, deadline: float) -> tuple[str, dict, requests.Session]:
        try:
            parts = split_tiktok_url(url, hosts=_ASKABLE_HOSTS)
        except InvalidUrl as exc:
            raise _unsafe(exc, "The request URL") from None
        if parts.scheme != "https":
            raise UnsafeUrl("TikTok is only asked over https.", code="scheme")
        base = self._bases.get(parts.netloc)
        if is_cdn_host(parts.netloc):
            base = self.settings.cdn_base or None
        if base is not None:  # operator-configured: trusted, even on loopback
            target = base.rstrip("/") + urlunsplit(("", "", parts.path or "/", parts.query, ""))
            return target, {}, self._session
        address = checked_address(parts.netloc, self._resolver,
                                  timeout=deadline - time.monotonic())
        session = _harden(requests.Session(), PinnedAdapter(parts.netloc))
        return pinned_url(parts, address), {"Host": parts.netloc}, session

    def _send(self, method: str, url: str, deadline: float, *, headers=None, max_bytes=None,
              allow_statuses: Collection[int] = (), **body: Any) -> HttpResponse:
        target, extra, session = self._route(url, deadline)
        s = self.settings
        remaining = deadline - time.monotonic()
        try:
            if remaining <= 0:
                raise Upstream("TikTok request deadline passed")
            merged = {"User-Agent": s.user_agent, **extra, **(headers or {})}
            with Deadline(deadline) as watch:
                try:
                    raw = session.request(
                        method, target, headers=merged,
                        timeout=(min(s.connect_timeout, remaining), min(s.read_timeout, remaining)),
                        stream=True, allow_redirects=False, **body)
                except requests.RequestException as exc:
                    raise (too_slow() if watch.expired or watch.remaining() <= 0 else
                           Upstream(f"{type(exc).__name__} talking to TikTok")) from exc
                with raw:
                    return read_response(raw, url, watch, max_bytes or s.max_bytes, allow_statuses)
        finally:
            if session is not self._session:  # a one-off pinned session
                session.close()


def _names_video(url: str) -> bool:
    # Profiles and bad ids raise InvalidUrl here on purpose: the short link leads nowhere payable.
    try:
        return parse_url(url).kind in ("video", "photo")
    except InvalidUrl as exc:
        if exc.code == "no_video":
            return False
        raise
