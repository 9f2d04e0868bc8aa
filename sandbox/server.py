"""Run the sandbox on a real socket in a background thread (tests, demo, benchmarks)."""
import threading

from werkzeug.serving import WSGIRequestHandler, make_server

from .app import make_app
from .state import State


class _QuietHandler(WSGIRequestHandler):
    def log_request(self, *args, **kwargs):  # tests hammer it; the request log is in /_sandbox
        pass


class SandboxServer:
    def __init__(self, server, thread: threading.Thread, state: State, app):
        self._server, self._thread = server, thread
        self.state, self.app = state, app
        host = "127.0.0.1" if server.host in ("0.0.0.0", "") else server.host
        self.base_url = f"http://{host}:{server.server_port}"

    def shutdown(self) -> None:
        self._server.shutdown()
        self._server.server_close()
        self._thread.join(timeout=5)

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.shutdown()


def serve_in_thread(host: str = "127.0.0.1", port: int = 0, state: State | None = None,
                    seed_path=None) -> SandboxServer:
    """Start a threaded server (port 0 = any free port) in a daemon thread; returns at once."""
    state = state or State()
    app = make_app(state, seed_path=seed_path)
    server = make_server(host, port, app, threaded=True, request_handler=_QuietHandler)
    thread = threading.Thread(target=server.serve_forever, name="tiktok-sandbox", daemon=True)
    thread.start()
    return SandboxServer(server, thread, state, app)
