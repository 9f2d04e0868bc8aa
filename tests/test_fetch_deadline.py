"""The fetch deadline holds for every response shape, against real sockets that trickle.

Each server here sends one byte a second: every socket read finishes inside the read timeout,
so only the overall deadline can end the call. Budget 2 s; the bound of 4 s is a correctness
bound (the call ended at the deadline, not when the server gave up), not a speed claim.
"""
import socket
import ssl
import threading
import time

import pytest
import requests

from tests.test_tiktok_http import self_signed
from webapp.tiktok.addresses import PinnedAdapter
from webapp.tiktok.deadline import Deadline
from webapp.tiktok.errors import Upstream
from webapp.tiktok.http import HttpSettings, TikTokHttp
from webapp.tiktok.response import read_response

BUDGET, BOUND = 2.0, 4.0
URL = "https://www.tiktok.com/@_/video/7080213458555737986"
OK_HEAD = b"HTTP/1.1 200 OK\r\nContent-Type: text/html\r\n"


class Trickler:
    """A raw TCP server: for each request, `head` at once, then `trickle` one byte a second.

    `answers` are used in turn for the requests on one connection, so a kept-alive connection
    can answer quickly first and trickle when it is reused.
    """

    def __init__(self, *answers: tuple[bytes, bytes], tls: ssl.SSLContext | None = None):
        self.answers, self.tls = answers, tls
        self.stop = threading.Event()
        self.listener = socket.create_server(("127.0.0.1", 0))
        self.listener.settimeout(0.05)
        self.port = self.listener.getsockname()[1]
        self.thread = threading.Thread(target=self._serve, daemon=True)
        self.thread.start()

    def _serve(self):
        while not self.stop.is_set():
            try:
                conn, _ = self.listener.accept()
            except OSError:
                continue
            threading.Thread(target=self._answer, args=(conn,), daemon=True).start()

    def _answer(self, conn):
        try:
            if self.tls:
                conn = self.tls.wrap_socket(conn, server_side=True)
            with conn:
                for head, trickle in self.answers:
                    _read_request(conn)
                    conn.sendall(head)
                    for byte in trickle:
                        if self.stop.wait(1.0):
                            return
                        conn.sendall(bytes([byte]))
        except OSError:
            pass  # the client hung up at its deadline: that is the point

    def close(self):
        self.stop.set()
        self.thread.join()
        self.listener.close()


def _read_request(conn):
    seen = b""
    while b"\r\n\r\n" not in seen:
        data = conn.recv(4096)
        if not data:
            raise ConnectionResetError
        seen += data


@pytest.fixture
def trickler():
    servers = []

    def start(*answers, **kwargs):
        servers.append(Trickler(*answers, **kwargs))
        return servers[-1]

    yield start
    for server in servers:
        server.close()


def client_for(server) -> TikTokHttp:
    # The trusted base path (as for the sandbox): loopback, plain HTTP, pooled connections.
    return TikTokHttp(HttpSettings(
        web_base=f"http://127.0.0.1:{server.port}", connect_timeout=1.0, read_timeout=1.5,
        total_timeout=BUDGET, max_bytes=1_000_000))


def assert_cut_at_deadline(call):
    started = time.monotonic()
    with pytest.raises(Upstream, match="too slowly"):
        call()
    elapsed = time.monotonic() - started
    assert BUDGET - 0.1 <= elapsed < BOUND


@pytest.mark.parametrize("head,trickle", [
    # No Content-Length: the body runs until the server closes.
    (OK_HEAD + b"\r\n", b"x" * 60),
    (OK_HEAD + b"Connection: close\r\n\r\n", b"x" * 60),
    # Chunked: one big chunk announced, then trickled.
    (OK_HEAD + b"Transfer-Encoding: chunked\r\n\r\n100000\r\n", b"x" * 60),
    # A Content-Length that the trickle never reaches.
    (OK_HEAD + b"Content-Length: 5000\r\n\r\n", b"x" * 60),
    # The headers themselves, one byte a second.
    (b"", OK_HEAD + b"Content-Length: 2\r\n\r\nok"),
], ids=["no-length", "connection-close", "chunked", "content-length", "headers"])
def test_a_trickling_answer_is_cut_at_the_deadline(trickler, head, trickle):
    server = trickler((head, trickle))
    assert_cut_at_deadline(lambda: client_for(server).request("GET", URL))


def test_a_pooled_connection_is_watched_when_reused(trickler):
    quick = (b"HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok", b"")
    server = trickler(quick, (OK_HEAD + b"\r\n", b"x" * 60))
    client = client_for(server)
    assert client.request("GET", URL).text == "ok"
    assert_cut_at_deadline(lambda: client.request("GET", URL))


def test_the_deadline_spans_the_hops_of_a_short_link(trickler):
    hop = b"HTTP/1.1 301 Moved\r\nLocation: https://vt.tiktok.com/ZGdhVtER2/\r\n"
    server = trickler((b"", hop + b"Content-Length: 0\r\n\r\n"))
    client = TikTokHttp(HttpSettings(
        vm_base=f"http://127.0.0.1:{server.port}", connect_timeout=1.0, read_timeout=1.5,
        total_timeout=BUDGET))
    assert_cut_at_deadline(lambda: client.resolve_short_link("https://vm.tiktok.com/ZTR45GpSF/"))


def test_a_pinned_tls_connection_is_cut_at_the_deadline(trickler, tmp_path):
    # The pinned path connects to a checked public IP on port 443, which a test cannot serve;
    # its adapter is driven here directly, over TLS, as TikTokHttp drives it.
    cert_file, key_file = self_signed(tmp_path, "www.tiktokv.com")
    tls = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    tls.load_cert_chain(cert_file, key_file)
    server = trickler((OK_HEAD + b"\r\n", b"x" * 60), tls=tls)
    session = requests.Session()
    session.mount("https://", PinnedAdapter("www.tiktokv.com"))

    def fetch():
        with Deadline(time.monotonic() + BUDGET) as deadline:
            raw = session.get(f"https://127.0.0.1:{server.port}/", headers={"Host": "www.tiktokv.com"},
                              verify=cert_file, timeout=(1.0, 1.5), stream=True)
            with raw:
                read_response(raw, URL, deadline, 1_000_000)

    assert_cut_at_deadline(fetch)
