"""Where a TikTok host with no configured base may be reached: public addresses only, and the
connection pinned to the address that was checked (no DNS-rebinding window)."""
from __future__ import annotations

import ipaddress
import socket
from typing import Callable
from urllib.parse import SplitResult, urlunsplit

from .deadline import DeadlineAdapter
from .errors import UnsafeUrl, Upstream

_NAT64 = ipaddress.ip_network("64:ff9b::/96")


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


def checked_address(host: str, resolver: Callable[..., list] = socket.getaddrinfo) -> str:
    """The address to connect to; every address the host resolves to must be public."""
    try:
        infos = resolver(host, 443, 0, socket.SOCK_STREAM)
    except (OSError, UnicodeError) as exc:
        raise Upstream(f"could not resolve {host}") from exc
    addresses = [info[4][0] for info in infos or ()]
    if not addresses:
        raise Upstream(f"could not resolve {host}")
    if not all(is_public_address(a) for a in addresses):
        raise UnsafeUrl(f"{host} resolves to a non-public address.", code="private_address")
    return addresses[0]


def pinned_url(parts: SplitResult, address: str) -> str:
    host = f"[{address}]" if ":" in address else address
    return urlunsplit(("https", host, parts.path or "/", parts.query, ""))


class PinnedAdapter(DeadlineAdapter):
    """Connects to an already-checked IP while TLS still verifies the TikTok host name."""

    def __init__(self, hostname: str):
        self._hostname = hostname
        super().__init__(max_retries=0)

    def init_poolmanager(self, *args, **kwargs):
        kwargs.update(server_hostname=self._hostname, assert_hostname=self._hostname)
        super().init_poolmanager(*args, **kwargs)
