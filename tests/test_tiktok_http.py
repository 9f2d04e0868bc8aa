"""TikTokHttp against real local HTTP servers (no mocking of the client's HTTP code)."""
import socket
import ssl
import threading
import time
from datetime import datetime, timedelta, timezone
from email.utils import format_datetime
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import urlsplit

import pytest
import requests

from webapp.tiktok.errors import (
    Blocked, Garbled, InvalidUrl, NotFound, RateLimited, Upstream, UnsafeUrl)
from webapp.tiktok.addresses import PinnedAdapter, is_public_address, pinned_url
from webapp.tiktok.http import HttpSettings, TikTokHttp
from webapp.tiktok.response import parse_retry_after
from webapp.tiktok.urls import parse_url

ID = "7080213458555737986"
VIDEO = f"https://www.tiktok.com/@scout2015/video/{ID}"
FB_UA = "facebookexternalhit/1.1"


class Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def _dispatch(self):
        length = int(self.headers.get("Content-Length") or 0)
        body = self.rfile.read(length) if length else b""
        self.server.seen.append((self.command, self.path, dict(self.headers), body))
        route = self.server.routes.get(urlsplit(self.path).path, reply(404, b"no route"))
        try:
            route(self)
        except (BrokenPipeError, ConnectionResetError):
            pass

    do_GET = do_HEAD = do_POST = _dispatch

    def log_message(self, *args):
        pass


class Server(ThreadingHTTPServer):
    daemon_threads = True

    def __init__(self):
        super().__init__(("127.0.0.1", 0), Handler)
        self.routes, self.seen = {}, []

    @property
    def root(self):
        return f"http://127.0.0.1:{self.server_address[1]}"

    def handle_error(self, request, client_address):
        pass  # slow-server tests hang up on purpose


def reply(status, body=b"", headers=(), *, head_status=None):
    def route(h):
        code = head_status if head_status and h.command == "HEAD" else status
        h.send_response(code)
        for name, value in headers:
            h.send_header(name, value)
        h.send_header("Content-Length", str(len(body)))
        h.end_headers()
        if h.command != "HEAD":
            h.wfile.write(body)
    return route


def redirect(location, status=301):
    return reply(status, headers=[("Location", location)])


@pytest.fixture
def server():
    srv = Server()
    thread = threading.Thread(target=srv.serve_forever, kwargs={"poll_interval": 0.01}, daemon=True)
    thread.start()
    yield srv
    srv.shutdown()
    srv.server_close()


def refuse_dns(host, *args, **kwargs):
    raise AssertionError(f"configured bases must not be resolved ({host})")


def make_client(server, resolver=refuse_dns, **overrides):
    root = server.root
    settings = dict(web_base=f"{root}/web", api_base=f"{root}/api", vm_base=f"{root}/_vm",
                    vt_base=f"{root}/_vt", connect_timeout=1.0, read_timeout=1.0,
                    total_timeout=2.0, max_bytes=10_000, max_redirects=3)
    settings.update(overrides)
    return TikTokHttp(HttpSettings(**settings), resolver=resolver)


# --- base mapping -----------------------------------------------------------------------------

@pytest.mark.parametrize("url,path", [
    (VIDEO + "?lang=en", f"/web/@scout2015/video/{ID}?lang=en"),
    ("https://tiktok.com/@x/video/1", "/web/@x/video/1"),
    ("https://m.tiktok.com/v/1.html", "/web/v/1.html"),
    ("https://www.tiktok.com", "/web/"),
    ("https://open.tiktokapis.com/v2/user/info/", "/api/v2/user/info/"),
    ("https://vm.tiktok.com/ZTR45GpSF/", "/_vm/ZTR45GpSF/"),
    ("https://vt.tiktok.com/ZGdhVtER2", "/_vt/ZGdhVtER2"),
])
def test_hosts_map_to_configured_bases(server, url, path):
    server.routes[urlsplit(path).path] = reply(200, "halo ✓".encode(),
                                               [("Content-Type", "text/plain; charset=utf-8")])
    response = make_client(server).request("GET", url)
    assert (response.status, response.text, response.url) == (200, "halo ✓", url)
    assert server.seen[-1][1] == path
    assert response.headers["content-type"] == response.headers["Content-Type"]


def test_params_json_and_headers_are_sent(server):
    server.routes["/api/v2/video/query/"] = reply(200, b'{"data":{}}')
    response = make_client(server).request(
        "POST", "https://open.tiktokapis.com/v2/video/query/", params={"fields": "id,view_count"},
        json={"filters": {"video_ids": [ID]}}, headers={"Authorization": "Bearer act.x"})
    method, path, headers, body = server.seen[-1]
    assert (method, path) == ("POST", "/api/v2/video/query/?fields=id%2Cview_count")
    assert headers["Authorization"] == "Bearer act.x"
    assert body == b'{"filters": {"video_ids": ["%s"]}}' % ID.encode()
    assert "Mozilla/5.0" in headers["User-Agent"] and response.text == '{"data":{}}'


@pytest.mark.parametrize("url,code", [
    ("https://evil.com/x", "not_tiktok"),
    ("https://tiktok.com.evil.com/", "not_tiktok"),
    ("http://www.tiktok.com/@x/video/1", "scheme"),
    ("https://www.tiktok.com:443/", "port"),
    ("https://u:p@www.tiktok.com/", "credentials"),
    ("https://127.0.0.1/", "ip_literal"),
])
def test_request_refuses_urls_that_are_not_tiktok(server, url, code):
    with pytest.raises(UnsafeUrl) as info:
        make_client(server).request("GET", url)
    assert info.value.code == code and server.seen == []


def test_response_location_is_absolute_and_redirects_are_not_followed(server):
    server.routes["/web/a"] = redirect("/b?x=1", 302)
    response = make_client(server).request("GET", "https://www.tiktok.com/a")
    assert response.status == 302 and response.location == "https://www.tiktok.com/b?x=1"
    assert len(server.seen) == 1


# --- short links ------------------------------------------------------------------------------

CHAIN = ["https://vm.tiktok.com/HOP1/", "https://vt.tiktok.com/HOP2/",
         "https://www.tiktok.com/t/HOP3/", "https://vm.tiktok.com/HOP4/"]
LOCAL = {"vm.tiktok.com": "/_vm", "vt.tiktok.com": "/_vt", "www.tiktok.com": "/web"}


def local_path(url):
    parts = urlsplit(url)
    return LOCAL[parts.hostname] + parts.path


def script_chain(server, hops, final):
    links = CHAIN[:hops]
    for here, there in zip(links, links[1:] + [final]):
        server.routes[local_path(here)] = redirect(there)
    return links[0]


@pytest.mark.parametrize("hops", [1, 2, 3])
def test_short_link_chains_within_the_limit(server, hops):
    final = f"https://www.tiktok.com/@/video/{ID}?_r=1&u_code=x&share_item_id={ID}"
    start = script_chain(server, hops, final)
    assert make_client(server).resolve_short_link(start) == final
    assert len(server.seen) == hops  # the video page itself is never fetched
    assert all(method == "HEAD" and headers["User-Agent"] == FB_UA
               for method, _, headers, _ in server.seen)


def test_four_hops_are_refused(server):
    start = script_chain(server, 4, VIDEO)
    with pytest.raises(UnsafeUrl) as info:
        make_client(server).resolve_short_link(start)
    assert info.value.code == "too_many_redirects" and len(server.seen) == 3


def test_short_link_hops_identify_only_as_facebookexternalhit(server):
    server.routes["/_vm/X/"] = redirect(VIDEO)
    make_client(server).resolve_short_link("https://vm.tiktok.com/X/")
    headers = {k.lower(): v for k, v in server.seen[0][2].items()}
    assert headers["user-agent"] == FB_UA
    assert set(headers) <= {"host", "user-agent", "accept-encoding"}
    assert headers.get("accept-encoding", "identity") == "identity"


def test_resolve_turns_a_short_link_into_a_video(server):
    server.routes["/_vm/ZTR45GpSF/"] = redirect(f"/@someone/photo/{ID}?_r=1")  # relative
    client = make_client(server)
    parsed = client.resolve(parse_url("Lihat! https://vm.tiktok.com/ZTR45GpSF/ #fyp"))
    assert (parsed.kind, parsed.video_id, parsed.handle) == ("photo", ID, "someone")
    video = parse_url(VIDEO)
    assert client.resolve(video) is video


def test_head_405_falls_back_to_get(server):
    server.routes["/_vt/X/"] = reply(302, headers=[("Location", VIDEO)], head_status=405)
    assert make_client(server).resolve_short_link("https://vt.tiktok.com/X/") == VIDEO
    assert [m for m, *_ in server.seen] == ["HEAD", "GET"]
    assert server.seen[1][2]["User-Agent"] == FB_UA


def test_http_location_on_a_tiktok_host_is_treated_as_https(server):
    server.routes["/_vm/X/"] = redirect(f"http://www.tiktok.com/@x/video/{ID}")
    assert make_client(server).resolve_short_link("https://vm.tiktok.com/X/") == \
        f"https://www.tiktok.com/@x/video/{ID}"


def test_short_link_must_be_https(server):
    with pytest.raises(UnsafeUrl) as info:
        make_client(server).resolve_short_link("http://vm.tiktok.com/X/")
    assert info.value.code == "scheme" and server.seen == []


@pytest.mark.parametrize("location,error", [
    ("https://www.tiktok.com/?_r=1", NotFound),
    ("https://www.tiktok.com/", NotFound),
    ("https://www.tiktok.com/login?redirect_url=x", Blocked),
])
def test_dead_ends(server, location, error):
    server.routes["/_vm/X/"] = redirect(location)
    with pytest.raises(error):
        make_client(server).resolve_short_link("https://vm.tiktok.com/X/")


@pytest.mark.parametrize("route,error", [
    (reply(200, b"<html>hi</html>"), Garbled),
    (reply(404), NotFound),
    (reply(403), Blocked),
    (reply(301), Garbled),  # redirect status without a Location
    (reply(500), Upstream),
    (reply(429, headers=[("Retry-After", "9")]), RateLimited),
])
def test_hops_that_do_not_redirect(server, route, error):
    server.routes["/_vm/X/"] = route
    with pytest.raises(error):
        make_client(server).resolve_short_link("https://vm.tiktok.com/X/")


def test_short_link_to_a_profile_is_not_a_video(server):
    server.routes["/_vm/X/"] = redirect("https://www.tiktok.com/@someone?_t=1")
    with pytest.raises(InvalidUrl) as info:
        make_client(server).resolve_short_link("https://vm.tiktok.com/X/")
    assert info.value.code == "profile_not_video"


@pytest.mark.parametrize("location,code", [
    ("http://127.0.0.1:{port}/web/@x/video/" + ID, "ip_literal"),
    ("http://169.254.169.254/latest/meta-data/", "ip_literal"),
    ("http://[::1]/", "ip_literal"),
    ("http://10.0.0.1/", "ip_literal"),
    ("http://2130706433/", "ip_literal"),
    ("https://tiktok.com.evil.com/", "not_tiktok"),
    ("https://evil.com/@tiktok.com", "not_tiktok"),
    ("//evil.com/@x/video/" + ID, "not_tiktok"),
    ("https://us.tiktok.com/@x/video/" + ID, "not_tiktok"),
    ("https://user:pw@vm.tiktok.com/x", "credentials"),
    ("https://vm.tiktok.com:8443/x", "port"),
    ("ftp://vm.tiktok.com/x", "scheme"),
    ("file:///etc/passwd", "scheme"),
])
def test_unsafe_redirects_are_refused(server, location, code):
    server.routes["/_vm/X/"] = redirect(location.format(port=server.server_address[1]))
    with pytest.raises(UnsafeUrl) as info:
        make_client(server).resolve_short_link("https://vm.tiktok.com/X/")
    assert info.value.code == code and len(server.seen) == 1


@pytest.mark.parametrize("address", [
    "127.0.0.1", "10.1.2.3", "169.254.169.254", "100.64.0.1", "192.168.1.1", "0.0.0.0",
    "224.0.0.1", "::1", "fd00::1", "fe80::1%eth0", "::ffff:127.0.0.1", "64:ff9b::a00:1",
    "2002:7f00:1::",
])
def test_unmapped_tiktok_host_resolving_to_private_address_is_refused(server, address):
    asked = []

    def resolver(host, port, *args):
        asked.append((host, port))
        return [(socket.AF_INET, socket.SOCK_STREAM, 6, "", (address, port))]

    server.routes["/_vm/X/"] = redirect("https://www.tiktokv.com/somewhere/else")
    client = make_client(server, resolver=resolver)
    with pytest.raises(UnsafeUrl) as info:
        client.resolve_short_link("https://vm.tiktok.com/X/")
    # The first hop went to the trusted loopback base without DNS; only tiktokv.com was resolved.
    assert info.value.code == "private_address" and len(server.seen) == 1
    assert asked == [("www.tiktokv.com", 443)]


def test_one_private_address_among_public_ones_is_enough_to_refuse(server):
    def resolver(host, port, *args):
        return [(socket.AF_INET, socket.SOCK_STREAM, 6, "", (a, port))
                for a in ("93.184.216.34", "127.0.0.1")]

    with pytest.raises(UnsafeUrl):
        make_client(server, resolver=resolver).request("GET", "https://tiktokv.com/x")


def test_resolver_failure_is_upstream(server):
    def resolver(*args):
        raise socket.gaierror("no such host")

    with pytest.raises(Upstream):
        make_client(server, resolver=resolver).request("GET", "https://tiktokv.com/x")


def test_checked_address_is_pinned_into_the_url():
    parts = urlsplit(f"https://www.tiktokv.com/share/video/{ID}?a=1")
    assert pinned_url(parts, "93.184.216.34") == f"https://93.184.216.34/share/video/{ID}?a=1"
    assert pinned_url(parts, "2606:2800::1") == f"https://[2606:2800::1]/share/video/{ID}?a=1"


def self_signed(tmp_path, name):
    x509 = pytest.importorskip("cryptography.x509")
    from cryptography.hazmat.primitives import hashes, serialization
    from cryptography.hazmat.primitives.asymmetric import ec

    key = ec.generate_private_key(ec.SECP256R1())
    subject = x509.Name([x509.NameAttribute(x509.oid.NameOID.COMMON_NAME, name)])
    now = datetime.now(timezone.utc)
    cert = (x509.CertificateBuilder().subject_name(subject).issuer_name(subject)
            .public_key(key.public_key()).serial_number(x509.random_serial_number())
            .not_valid_before(now - timedelta(days=1)).not_valid_after(now + timedelta(days=1))
            .add_extension(x509.SubjectAlternativeName([x509.DNSName(name)]), critical=False)
            .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
            .sign(key, hashes.SHA256()))
    cert_file, key_file = tmp_path / f"{name}.crt", tmp_path / f"{name}.key"
    cert_file.write_bytes(cert.public_bytes(serialization.Encoding.PEM))
    key_file.write_bytes(key.private_bytes(serialization.Encoding.PEM,
                                           serialization.PrivateFormat.PKCS8,
                                           serialization.NoEncryption()))
    return str(cert_file), str(key_file)


@pytest.mark.parametrize("cert_name,ok", [("www.tiktokv.com", True), ("evil.example", False)])
def test_pinned_connection_verifies_tls_for_the_tiktok_name(server, tmp_path, cert_name, ok):
    # The unmapped-host path connects to the checked IP; TLS (SNI and the certificate check)
    # must still be about the TikTok host name, never the IP.
    cert_file, key_file = self_signed(tmp_path, cert_name)
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    context.load_cert_chain(cert_file, key_file)
    sni = []
    context.sni_callback = lambda sock, name, ctx: sni.append(name)
    server.socket = context.wrap_socket(server.socket, server_side=True)
    server.routes["/x"] = reply(200, b"ok")
    session = requests.Session()
    session.mount("https://", PinnedAdapter("www.tiktokv.com"))
    url = f"https://127.0.0.1:{server.server_address[1]}/x"
    ask = dict(headers={"Host": "www.tiktokv.com"}, verify=cert_file, timeout=2)
    if ok:
        assert session.get(url, **ask).text == "ok"
        assert server.seen[-1][2]["Host"] == "www.tiktokv.com"
    else:
        with pytest.raises(requests.exceptions.SSLError):
            session.get(url, **ask)
    assert sni == ["www.tiktokv.com"]


def test_public_addresses():
    assert is_public_address("93.184.216.34") and is_public_address("2606:4700::1111")
    assert not is_public_address("not an ip") and not is_public_address("255.255.255.255")


# --- limits, errors, cookies ------------------------------------------------------------------

def test_body_cap_by_content_length(server):
    server.routes["/web/big"] = reply(200, b"x" * 20_000)
    with pytest.raises(Upstream, match="larger"):
        make_client(server).request("GET", "https://www.tiktok.com/big")
    response = make_client(server).request("GET", "https://www.tiktok.com/big", max_bytes=30_000)
    assert len(response.text) == 20_000


def chunked(total, step=1000, delay=0.0):
    def route(h):
        h.send_response(200)
        h.send_header("Transfer-Encoding", "chunked")
        h.end_headers()
        for _ in range(total // step):
            h.wfile.write(b"%x\r\n%s\r\n" % (step, b"y" * step))
            h.wfile.flush()
            time.sleep(delay)
        h.wfile.write(b"0\r\n\r\n")
    return route


def test_body_cap_when_streamed_without_length(server):
    server.routes["/web/stream"] = chunked(50_000)
    server.routes["/web/small"] = chunked(5_000)
    client = make_client(server)
    with pytest.raises(Upstream, match="larger"):
        client.request("GET", "https://www.tiktok.com/stream")
    assert client.request("GET", "https://www.tiktok.com/small").text == "y" * 5_000


# The wall-clock bounds below leave over a second for a loaded machine, and stay well under the
# time the broken behaviour would take (the server's late answer or next byte), so they still
# catch it: a loaded machine can only make that later.

def test_server_slow_to_answer_times_out(server):
    def sleepy(h):
        time.sleep(5.0)
        reply(200, b"late")(h)

    server.routes["/web/slow"] = sleepy
    started = time.monotonic()
    with pytest.raises(Upstream):
        make_client(server, read_timeout=0.3).request("GET", "https://www.tiktok.com/slow")
    assert time.monotonic() - started < 0.3 + 1.5


def test_trickling_body_is_cut_at_the_overall_deadline(server):
    def trickle(h):
        h.send_response(200)
        h.send_header("Content-Length", "5000")
        h.end_headers()
        for _ in range(5000):
            h.wfile.write(b"z")
            h.wfile.flush()
            time.sleep(5.0)  # every read is inside the read timeout

    server.routes["/web/trickle"] = trickle
    started = time.monotonic()
    with pytest.raises(Upstream, match="slowly"):
        make_client(server, read_timeout=6.0, total_timeout=0.4).request(
            "GET", "https://www.tiktok.com/trickle")
    # Cut at the deadline while a read is blocked, not when the next byte arrives (at 5 s).
    assert time.monotonic() - started < 0.4 + 1.5


def test_deadline_spans_all_short_link_hops(server):
    def slow_hop(there, seconds):
        def route(h):
            time.sleep(seconds)
            redirect(there)(h)
        return route

    server.routes["/_vm/HOP1/"] = slow_hop(CHAIN[1], 1.0)
    server.routes["/_vt/HOP2/"] = slow_hop(CHAIN[2], 1.0)
    server.routes["/web/t/HOP3/"] = slow_hop(VIDEO, 10.0)
    started = time.monotonic()
    with pytest.raises(Upstream):
        make_client(server, read_timeout=8.0, total_timeout=3.0).resolve_short_link(CHAIN[0])
    # Cut in the third hop at 3 s; a deadline per hop would have let it run until 2 + 3 s.
    assert time.monotonic() - started < 3.0 + 1.5 and len(server.seen) == 3


def test_connection_refused_is_upstream():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]  # closed again before the request: nothing listens
    client = TikTokHttp(HttpSettings(web_base=f"http://127.0.0.1:{port}"), resolver=refuse_dns)
    with pytest.raises(Upstream):
        client.request("GET", VIDEO)


@pytest.mark.parametrize("status", [500, 502, 503])
def test_5xx_is_upstream_unless_allowed(server, status):
    server.routes["/api/x"] = reply(status, b'{"error":{"code":"internal_error"}}')
    client = make_client(server)
    with pytest.raises(Upstream) as info:
        client.request("GET", "https://open.tiktokapis.com/x")
    assert info.value.status_code == status
    allowed = client.request("GET", "https://open.tiktokapis.com/x", allow_statuses={status})
    assert allowed.status == status and "internal_error" in allowed.text


def test_4xx_is_returned_to_the_caller(server):
    server.routes["/web/oembed"] = reply(400, b'{"message":"Something went wrong","code":400}')
    response = make_client(server).request("GET", "https://www.tiktok.com/oembed")
    assert response.status == 400 and "Something" in response.text


def test_429_with_retry_after_seconds(server):
    server.routes["/api/x"] = reply(429, headers=[("Retry-After", "7")])
    with pytest.raises(RateLimited) as info:
        make_client(server).request("GET", "https://open.tiktokapis.com/x")
    assert info.value.retry_after == 7 and info.value.status_code == 429


def test_429_with_retry_after_http_date(server):
    when = format_datetime(datetime.now(timezone.utc) + timedelta(seconds=30), usegmt=True)
    server.routes["/api/x"] = reply(429, headers=[("Retry-After", when)])
    with pytest.raises(RateLimited) as info:
        make_client(server).request("GET", "https://open.tiktokapis.com/x")
    assert 25 <= info.value.retry_after <= 30


def test_retry_after_oddities():
    assert parse_retry_after(None) is None and parse_retry_after("soon") is None
    assert parse_retry_after("Wed, 21 Oct 2015 07:28:00 GMT") == 0.0


def test_no_cookies_are_kept_between_calls(server):
    server.routes["/web/set"] = reply(200, b"ok", [("Set-Cookie", "sid=abc; Path=/"),
                                                   ("Set-Cookie", "tt_webid=1; Path=/")])
    server.routes["/web/echo"] = reply(200, b"ok")
    client = make_client(server)
    client.request("GET", "https://www.tiktok.com/set")
    client.request("GET", "https://www.tiktok.com/echo")
    assert "Cookie" not in server.seen[-1][2]


def test_a_resolver_that_does_not_answer_is_given_up_on_at_the_deadline(server):
    """The system's resolver has no time limit of its own: the lookup counts against the
    request's deadline like the connection and the answer do."""
    import time

    def resolver(host, port, *args):
        time.sleep(2)  # a resolver that answers too late
        return [(socket.AF_INET, socket.SOCK_STREAM, 6, "", ("93.184.216.34", port))]

    client = make_client(server, resolver=resolver, total_timeout=0.3)
    started = time.monotonic()
    with pytest.raises(Upstream, match="in time"):
        client.request("GET", "https://tiktokv.com/x")
    assert time.monotonic() - started < 1.0
