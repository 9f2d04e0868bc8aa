"""Which hosts are TikTok's, judged exactly: for pasted links, redirect hops and our requests.

Exact hosts only, never "*.tiktok.com": suffix matching would make every TikTok subdomain a
place we follow redirects to (CDNs, ad and partner hosts, anything TikTok ever delegates), and is
where "tiktok.com.evil.com"-style bugs come from.

The one family judged by shape is TikTok's image CDN (`p16-sign-va.tiktokcdn.com`, ...): covers
come from dozens of numbered edge hosts. Only a single label under the CDN domains passes, and
only where an image is fetched (never a redirect hop of a pasted link).
"""
from __future__ import annotations

import re
from urllib.parse import SplitResult, urlsplit

from .errors import InvalidUrl

# All the forms of CONTRACTS.md §6.1: pages (bare/www/m), short links (vm/vt) and the share
# host (tiktokv.com).
TIKTOK_HOSTS = frozenset({
    "tiktok.com", "www.tiktok.com", "m.tiktok.com", "vm.tiktok.com", "vt.tiktok.com",
    "tiktokv.com", "www.tiktokv.com",
})
WEB_HOSTS = frozenset({"tiktok.com", "www.tiktok.com", "m.tiktok.com"})
SHORT_HOSTS = frozenset({"vm.tiktok.com", "vt.tiktok.com"})
_CDN_HOST = re.compile(r"[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?\.(?:tiktokcdn|tiktokcdn-us)\.com",
                       re.ASCII)

_IP_LIKE = re.compile(r"(?:(?:0x[0-9a-f]*|\d+)\.){0,3}(?:0x[0-9a-f]*|\d+)", re.ASCII | re.I)


def is_tiktok_host(host: str | None) -> bool:
    if not isinstance(host, str):
        return False
    host = host.lower()
    return (host[:-1] if host.endswith(".") else host) in TIKTOK_HOSTS


def is_cdn_host(host: str | None) -> bool:
    """`<one label>.tiktokcdn.com` (or -us): where TikTok's signed cover links point."""
    if not isinstance(host, str):
        return False
    host = host.lower()
    return bool(_CDN_HOST.fullmatch(host[:-1] if host.endswith(".") else host))


class HostSet:
    """Exact hosts, plus TikTok's CDN hosts when `cdn` is set; used with `in`."""

    def __init__(self, exact: frozenset[str], *, cdn: bool = False):
        self.exact, self.cdn = exact, cdn

    def __contains__(self, host: object) -> bool:
        return host in self.exact or (self.cdn and isinstance(host, str) and is_cdn_host(host))


CDN_HOSTS = HostSet(frozenset(), cdn=True)


def split_tiktok_url(url: str, *, hosts: frozenset[str] | HostSet = TIKTOK_HOSTS) -> SplitResult:
    """Check one absolute URL; return its parts with scheme and host normalised (no port)."""
    if any(ord(c) < 0x21 or ord(c) == 0x7F for c in url):
        raise InvalidUrl.coded("malformed")
    try:
        parts = urlsplit(url)
    except ValueError:
        raise InvalidUrl.coded("malformed") from None
    if parts.scheme not in ("http", "https"):
        raise InvalidUrl.coded("scheme")
    if not parts.netloc:
        raise InvalidUrl.coded("malformed")
    host = _check_host(parts.netloc, hosts)
    return parts._replace(netloc=host)


def _check_host(netloc: str, allowed: frozenset[str] | HostSet) -> str:
    # The real host is what follows the last "@": "tiktok.com@evil.com" is evil.com, so the
    # host is judged first and credentials only matter on an otherwise acceptable host.
    if "\\" in netloc:  # browsers read a backslash as "/": the host is ambiguous
        raise InvalidUrl.coded("not_tiktok")
    _, at, hostport = netloc.rpartition("@")
    if hostport.startswith("["):
        raise InvalidUrl.coded("ip_literal")
    host, has_port, _ = hostport.partition(":")
    host = host.lower()
    host = host[:-1] if host.endswith(".") else host
    if not host:
        raise InvalidUrl.coded("malformed")
    if _IP_LIKE.fullmatch(host):  # also 2130706433, 0x7f.1, 127.1: what libc would accept
        raise InvalidUrl.coded("ip_literal")
    if host not in allowed:
        raise InvalidUrl.coded("not_tiktok")  # including IDNA/Unicode lookalikes
    if at:
        raise InvalidUrl.coded("credentials")
    if has_port:
        raise InvalidUrl.coded("port")  # even :443 - TikTok never shares links with one
    return host
