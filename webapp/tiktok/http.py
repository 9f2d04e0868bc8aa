"""The only place ViewPay touches the network for TikTok.

Callers always name real TikTok URLs; each host is sent to an operator-configured base (identity
in production, loopback for the sandbox). Configured bases are trusted. Anything learned from a
user or from a response (a redirect hop) must be an allow-listed TikTok host, and a TikTok host
with no configured base is only reached after its DNS answers are checked to be public and the
connection is pinned to the checked address (no DNS-rebinding window).

Time: connect/read timeouts (capped by the time left) bound each socket operation until the
headers arrive; from then on a timer closes the socket at the overall deadline.
"""
from __future__ import annotations

import http.cookiejar
import ipaddress
import re
import socket
import threading
import time
from dataclasses import dataclass
from datetime import datetime, timezone
from email.utils import parsedate_to_datetime
from typing import Any, Callable, Collection, Mapping
from urllib.parse import SplitResult, urljoin, urlsplit, urlunsplit

import requests
import urllib3
from requests.adapters import HTTPAdapter
from requests.structures import CaseInsensitiveDict

from .errors import Blocked, Garbled, InvalidUrl, NotFound, RateLimited, Upstream, UnsafeUrl
from .stats import ParsedUrl
from .urls import TIKTOK_HOSTS, parse_url, split_tiktok_url

_WEB_HOSTS = ("tiktok.com", "www.tiktok.com", "m.tiktok.com")
_API_HOST = "open.tiktokapis.com"
_ASKABLE_HOSTS = TIKTOK_HOSTS | {_API_HOST}
# What yt-dlp and gallery-dl send for short links: TikTok then answers with a plain redirect.
# None removes requests' default headers so nothing else identifies us.
_SHORT_LINK_HEADERS = {"User-Agent": "facebookexternalhit/1.1", "Accept": None,
                       "Accept-Encoding": None, "Connection": None}
_NAT64 = ipaddress.ip_network("64:ff9b::/96")


@dataclass(frozen=True)
class HttpSettings:
    web_base: str = "https://www.tiktok.com"
    api_base: str = "https://open.tiktokapis.com"
    vm_base: str = "https://vm.tiktok.com"
    vt_base: str = "https://vt.tiktok.com"
    connect_timeout: float = 3.0
    read_timeout: float = 10.0
    total_timeout: float = 15.0
    max_bytes: int = 2_000_000
    max_redirects: int = 3
    user_agent: str = ("Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 "
                       "(KHTML, like Gecko) Chrome/131.0.0.0 Safari/537.36")


@dataclass(frozen=True)
class HttpResponse:
    status: int
    headers: Mapping[str, str]  # case-insensitive
    text: str
    url: str  # the TikTok URL asked, never the base it was sent to
    location: str | None = None  # 3xx Location, made absolute against `url`


def is_public_address(text: str) -> bool:
    try:
        ip = ipaddress.ip_address(text.split("%", 1)[0])
    except ValueError:
        return False
    if isinstance(ip, ipaddress.IPv6Address):
        embedded = ip.ipv4_mapped or ip.sixtofour
        if embedded is None and ip in _NAT64:
            embedded = ipaddress.IPv4Address(int(ip) & 0xFFFFFFFF)
        if embedded is not None and not is_public_address(str(embedded)):
            return False
    # is_global alone lets multicast through, and older Pythons misjudge some mapped forms.
    return ip.is_global and not (ip.is_private or ip.is_loopback or ip.is_link_local
                                 or ip.is_multicast or ip.is_reserved or ip.is_unspecified)


class _NoCookies(http.cookiejar.DefaultCookiePolicy):
    # Each call starts clean: a cookie TikTok (or the WAF) sets must not follow us around.
    def set_ok(self, cookie, request):
        return False

    def return_ok(self, cookie, request):
        return False


class _PinnedAdapter(HTTPAdapter):
    """Connects to an already-checked IP while TLS still verifies the TikTok host name."""

    def __init__(self, hostname: str):
        self._hostname = hostname
        super().__init__(max_retries=0)

    def init_poolmanager(self, *args, **kwargs):
        kwargs.update(server_hostname=self._hostname, assert_hostname=self._hostname)
        super().init_poolmanager(*args, **kwargs)


def _harden(session: requests.Session) -> requests.Session:
    session.trust_env = False  # no proxy env vars, no ~/.netrc credentials
    session.cookies.set_policy(_NoCookies())
    return session


def pinned_url(parts: SplitResult, address: str) -> str:
    host = f"[{address}]" if ":" in address else address
    return urlunsplit(("https", host, parts.path or "/", parts.query, ""))


def parse_retry_after(value: str | None) -> float | None:
    if not value:
        return None
    try:
        return max(0.0, float(value.strip()))
    except ValueError:
        pass
    try:
        when = parsedate_to_datetime(value)
    except (TypeError, ValueError, IndexError):
        return None
    if when.tzinfo is None:
        when = when.replace(tzinfo=timezone.utc)
    return max(0.0, (when - datetime.now(timezone.utc)).total_seconds())


def _decode(body: bytes, content_type: str | None) -> str:
    m = re.search(r"charset=[\"']?([\w.:-]+)", content_type or "", re.I)
    try:
        return body.decode(m[1] if m else "utf-8", errors="replace")
    except LookupError:
        return body.decode("utf-8", errors="replace")


def _unsafe(exc: InvalidUrl, what: str) -> UnsafeUrl:
    return UnsafeUrl(f"{what} was refused: {exc.message}", code=exc.code)


class TikTokHttp:
    def __init__(self, settings: HttpSettings | None = None, *,
                 session: requests.Session | None = None,
                 resolver: Callable[..., list] = socket.getaddrinfo):
        self.settings = settings or HttpSettings()
        self._session = _harden(session or requests.Session())
        self._resolver = resolver
        s = self.settings
        self._bases = {**dict.fromkeys(_WEB_HOSTS, s.web_base), _API_HOST: s.api_base,
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

    def _route(self, url: str) -> tuple[str, dict, requests.Session]:
        try:
            parts = split_tiktok_url(url, hosts=_ASKABLE_HOSTS)
        except InvalidUrl as exc:
            raise _unsafe(exc, "The request URL") from None
        if parts.scheme != "https":
            raise UnsafeUrl("TikTok is only asked over https.", code="scheme")
        base = self._bases.get(parts.netloc)
        if base is not None:  # operator-configured: trusted, even on loopback
            target = base.rstrip("/") + urlunsplit(("", "", parts.path or "/", parts.query, ""))
            return target, {}, self._session
        address = self._checked_address(parts.netloc)
        session = _harden(requests.Session())
        session.mount("https://", _PinnedAdapter(parts.netloc))
        return pinned_url(parts, address), {"Host": parts.netloc}, session

    def _checked_address(self, host: str) -> str:
        try:
            infos = self._resolver(host, 443, 0, socket.SOCK_STREAM)
        except (OSError, UnicodeError) as exc:
            raise Upstream(f"could not resolve {host}") from exc
        addresses = [info[4][0] for info in infos or ()]
        if not addresses:
            raise Upstream(f"could not resolve {host}")
        if not all(is_public_address(a) for a in addresses):
            raise UnsafeUrl(f"{host} resolves to a non-public address.", code="private_address")
        return addresses[0]

    def _send(self, method: str, url: str, deadline: float, *, headers=None, max_bytes=None,
              allow_statuses: Collection[int] = (), **body: Any) -> HttpResponse:
        target, extra, session = self._route(url)
        s = self.settings
        try:
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                raise Upstream("TikTok request deadline passed")
            merged = {"User-Agent": s.user_agent, **extra, **(headers or {})}
            try:
                raw = session.request(
                    method, target, headers=merged,
                    timeout=(min(s.connect_timeout, remaining), min(s.read_timeout, remaining)),
                    stream=True, allow_redirects=False, **body)
            except requests.RequestException as exc:
                raise Upstream(f"{type(exc).__name__} talking to TikTok") from exc
            with raw:
                return self._finish(raw, url, deadline, max_bytes or s.max_bytes, allow_statuses)
        finally:
            if session is not self._session:  # a one-off pinned session
                session.close()

    def _finish(self, raw: requests.Response, url: str, deadline: float, limit: int,
                allow_statuses: Collection[int]) -> HttpResponse:
        status = raw.status_code
        if status == 429 and status not in allow_statuses:
            raise RateLimited("TikTok rate limited us", status_code=429,
                              retry_after=parse_retry_after(raw.headers.get("Retry-After")))
        if status >= 500 and status not in allow_statuses:
            raise Upstream(f"TikTok answered HTTP {status}", status_code=status)
        body = _read_capped(raw, deadline, limit)
        location = raw.headers.get("Location")
        return HttpResponse(
            status=status, headers=CaseInsensitiveDict(raw.headers), url=url,
            text=_decode(body, raw.headers.get("Content-Type")),
            location=urljoin(url, location.strip()) if location and 300 <= status < 400 else None)


def _read_capped(raw: requests.Response, deadline: float, limit: int) -> bytes:
    length = raw.headers.get("Content-Length", "").strip()
    if raw.request.method != "HEAD" and length.isdigit() and int(length) > limit:
        raise Upstream(f"TikTok response larger than {limit} bytes", status_code=raw.status_code)
    # Socket timeouts apply per read, so a server trickling bytes could outlast them; a timer
    # shuts the socket at the deadline, which ends any blocked read at once.
    expired = threading.Event()
    sock = getattr(getattr(raw.raw, "connection", None), "sock", None)
    timer = threading.Timer(max(0.0, deadline - time.monotonic()), _expire, (sock, expired))
    timer.daemon = True
    timer.start()
    chunks, size = [], 0
    try:
        for chunk in raw.iter_content(16384):
            size += len(chunk)
            if size > limit:
                raise Upstream(f"TikTok response larger than {limit} bytes",
                               status_code=raw.status_code)
            if expired.is_set() or time.monotonic() > deadline:
                break
            chunks.append(chunk)
    except (requests.RequestException, urllib3.exceptions.HTTPError, OSError) as exc:
        if not expired.is_set():
            raise Upstream(f"{type(exc).__name__} reading from TikTok") from exc
    finally:
        timer.cancel()
    if expired.is_set() or time.monotonic() > deadline:
        raise Upstream("TikTok answered too slowly")
    return b"".join(chunks)


def _expire(sock: socket.socket | None, expired: threading.Event) -> None:
    expired.set()
    if sock is not None:
        try:
            sock.shutdown(socket.SHUT_RDWR)
        except OSError:
            pass


def _names_video(url: str) -> bool:
    # Profiles and bad ids raise InvalidUrl here on purpose: the short link leads nowhere payable.
    try:
        return parse_url(url).kind in ("video", "photo")
    except InvalidUrl as exc:
        if exc.code == "no_video":
            return False
        raise
