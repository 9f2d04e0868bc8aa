"""What the benches start for themselves: free loopback ports and a redis-server of their own.

A bench never shares the developer's Redis: its queues, budgets and limiter counts would mix
with someone else's, and chaos_soak restarts its Redis on purpose.
"""
import shutil
import socket
import subprocess
import time


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def wait_port(port: int, timeout: float = 30) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        with socket.socket() as s:
            if s.connect_ex(("127.0.0.1", port)) == 0:
                return
        time.sleep(0.1)
    raise RuntimeError(f"nothing listens on {port}")


def start_redis(port: int, workdir: str, log, *, durable: bool = False) -> subprocess.Popen:
    """redis-server on 127.0.0.1:port, its files in workdir, in a process group of its own.

    durable: an append-only file, so a restart keeps the queue as a managed Redis does
    (chaos_soak); otherwise nothing is written to disk."""
    proc = subprocess.Popen(
        [shutil.which("redis-server") or "redis-server", "--port", str(port),
         "--bind", "127.0.0.1", "--dir", workdir, "--save", "",
         "--appendonly", "yes" if durable else "no"],
        stdout=log, stderr=log, start_new_session=True)
    wait_port(port)
    return proc


def stop_redis(port: int, proc: subprocess.Popen) -> None:
    """SHUTDOWN (which syncs the append-only file), then wait for the process."""
    subprocess.run(["redis-cli", "-p", str(port), "shutdown"], capture_output=True)
    proc.wait(timeout=10)
