"""`python -m sandbox.wait BASE_URL [SECONDS]`: block until a sandbox answers its health check."""
import sys
import time
import urllib.request


def wait(base_url: str, seconds: float = 15.0) -> bool:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        try:
            with urllib.request.urlopen(base_url + "/_sandbox/health", timeout=1):
                return True
        except OSError:
            time.sleep(0.2)
    return False


if __name__ == "__main__":
    ok = wait(sys.argv[1], float(sys.argv[2]) if len(sys.argv) > 2 else 15.0)
    sys.exit(0 if ok else f"sandbox at {sys.argv[1]} did not answer")
