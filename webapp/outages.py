"""Our own infrastructure failing (Redis or the database unreachable), as opposed to TikTok or
a video: such errors are never a video's fault; jobs let them reach RQ, which retries them, and
the long-running processes wait them out."""
import random

import redis
from sqlalchemy import exc as sa

INFRA_ERRORS: tuple[type[BaseException], ...] = (
    redis.exceptions.ConnectionError,  # includes BusyLoadingError (a restarted Redis loading)
    redis.exceptions.TimeoutError,
    sa.OperationalError,  # connection refused or dropped, server shutting down, SQLite locked
    sa.InterfaceError,
    sa.DisconnectionError,
    sa.TimeoutError,  # the connection pool had nothing to give
)


def backoff_seconds(attempt: int, *, base: float = 0.5, cap: float = 30.0) -> float:
    """Capped exponential backoff with jitter: attempt 0 -> up to `base`, doubling to `cap`.

    The jitter keeps every worker from reconnecting in the same instant after an outage."""
    ceiling = min(cap, base * 2 ** min(attempt, 30))
    return random.uniform(ceiling / 2, ceiling)
