"""One call's deadline over every socket the call opens or reuses.

Socket timeouts bound each operation, not the call: a server that sends its headers or its body
a byte at a time stays inside them for ever. While a `Deadline` is open, the connections of a
`DeadlineAdapter` hand it their socket as they connect (and again when reused from the pool); at
the deadline a timer shuts them all, which ends a blocked handshake or read at once, whatever the
response's shape (Content-Length, chunked, or read until the server closes).
"""
from __future__ import annotations

import socket
import threading
import time
from contextvars import ContextVar

from requests.adapters import HTTPAdapter
from urllib3.connection import HTTPConnection, HTTPSConnection
from urllib3.connectionpool import HTTPConnectionPool, HTTPSConnectionPool

_open: ContextVar[Deadline | None] = ContextVar("tiktok_deadline", default=None)


class Deadline:
    """`with Deadline(at) as deadline:` watches the sockets connected inside the block."""

    def __init__(self, at: float):
        self.at = at  # time.monotonic()
        self.expired = False
        self._lock = threading.Lock()
        self._watched: list[socket.socket] = []
        self._timer = threading.Timer(max(0.0, at - time.monotonic()), self._expire)
        self._timer.daemon = True
        self._token = None

    def remaining(self) -> float:
        return self.at - time.monotonic()

    def __enter__(self) -> Deadline:
        self._token = _open.set(self)
        self._timer.start()
        return self

    def __exit__(self, *exc_info) -> None:
        self._timer.cancel()
        _open.reset(self._token)
        with self._lock:
            for duplicate in self._watched:
                duplicate.close()
            self._watched.clear()

    def watch(self, sock: socket.socket) -> None:
        # A duplicate of the descriptor, not the socket object: TLS wrapping detaches the plain
        # socket, and http.client lets go of its socket when a response is read until close.
        try:
            duplicate = socket.fromfd(sock.fileno(), sock.family, sock.type)
        except OSError:
            return  # already closed: nothing left to cut
        with self._lock:
            self._watched.append(duplicate)
            if self.expired:
                _shut(duplicate)

    def _expire(self) -> None:
        with self._lock:
            self.expired = True
            for duplicate in self._watched:
                _shut(duplicate)


def _shut(sock: socket.socket) -> None:
    try:
        sock.shutdown(socket.SHUT_RDWR)
    except OSError:
        pass


def _watch(sock: socket.socket) -> None:
    deadline = _open.get()
    if deadline is not None:
        deadline.watch(sock)


class _Watched:
    """Mixin for urllib3 connections: each socket is handed to the open Deadline, if any."""

    def _new_conn(self):
        sock = super()._new_conn()  # TCP connected; TLS, if any, comes after and is watched too
        _watch(sock)
        return sock

    def request(self, *args, **kwargs):
        if self.sock is not None:  # reused from the pool, or connected for TLS just before
            _watch(self.sock)
        return super().request(*args, **kwargs)


class _HTTPConnection(_Watched, HTTPConnection):
    pass


class _HTTPSConnection(_Watched, HTTPSConnection):
    pass


class _HTTPPool(HTTPConnectionPool):
    ConnectionCls = _HTTPConnection


class _HTTPSPool(HTTPSConnectionPool):
    ConnectionCls = _HTTPSConnection


class DeadlineAdapter(HTTPAdapter):
    """An HTTPAdapter (no retries) whose connections obey the open Deadline."""

    def init_poolmanager(self, *args, **kwargs):
        super().init_poolmanager(*args, **kwargs)
        self.poolmanager.pool_classes_by_scheme = {"http": _HTTPPool, "https": _HTTPSPool}
