"""Where a TikTok host with no configured base may be reached: public addresses only, and the
connection pinned to the address that was checked (no DNS-rebinding window)."""
from __future__ import annotations

import ipaddress
import os
import socket
from concurrent.futures import ThreadPoolExecutor
from concurrent.futures import TimeoutError as FutureTimeout
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


def checked_address(host: str, resolver: Callable[..., list] = socket.getaddrinfo,
                    timeout: float | None = None) -> str:
    """The address to connect to; every address the host resolves to must be public.

    `timeout`: seconds the lookup may take (what is left of the request's deadline). The
    system's resolver has no time limit of its own (a resolver that does not answer holds the
    caller for as long as its own retries take), so the lookup runs in a thread and the caller
    stops waiting; a lookup that overran finishes in the background and is dropped."""
    try:
        if timeout is None:
            infos = resolver(host, 443, 0, socket.SOCK_STREAM)
        else:
            infos = _lookups().submit(resolver, host, 443, 0, socket.SOCK_STREAM).result(
                timeout=max(timeout, 0.001))
    except FutureTimeout:
        raise Upstream(f"could not resolve {host} in time") from None
    except (OSError, UnicodeError) as exc:
        raise Upstream(f"could not resolve {host}") from exc
    addresses = [info[4][0] for info in infos or ()]
    if not addresses:
        raise Upstream(f"could not resolve {host}")
    if not all(is_public_address(a) for a in addresses):
        raise UnsafeUrl(f"{host} resolves to a non-public address.", code="private_address")
    return addresses[0]


_pool: tuple[int, ThreadPoolExecutor] | None = None


def _lookups() -> ThreadPoolExecutor:
    """This process's lookup threads (made after a fork, never inherited from the parent)."""
    global _pool
    if _pool is None or _pool[0] != os.getpid():
        _pool = (os.getpid(), ThreadPoolExecutor(max_workers=8, thread_name_prefix="dns"))
    return _pool[1]


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
