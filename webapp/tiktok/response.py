"""What comes back from TikTok: the status checked, the body read within its size cap and the
call's deadline, and handed on as a plain HttpResponse."""
from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import datetime, timezone
from email.utils import parsedate_to_datetime
from typing import Collection, Mapping
from urllib.parse import urljoin

import requests
import urllib3
from requests.structures import CaseInsensitiveDict

from .deadline import Deadline
from .errors import RateLimited, Upstream


@dataclass(frozen=True)
class HttpResponse:
    status: int
    headers: Mapping[str, str]  # case-insensitive
    text: str
    url: str  # the TikTok URL asked, never the base it was sent to
    location: str | None = None  # 3xx Location, made absolute against `url`
    content: bytes = field(default=b"", repr=False)  # the raw body (images have no text)


def read_response(raw: requests.Response, url: str, deadline: Deadline, limit: int,
                  allow_statuses: Collection[int] = ()) -> HttpResponse:
    status = raw.status_code
    if status == 429 and status not in allow_statuses:
        raise RateLimited("TikTok rate limited us", status_code=429,
                          retry_after=parse_retry_after(raw.headers.get("Retry-After")))
    if status >= 500 and status not in allow_statuses:
        raise Upstream(f"TikTok answered HTTP {status}", status_code=status)
    body = _read_capped(raw, deadline, limit)
    location = raw.headers.get("Location")
    return HttpResponse(
        status=status, headers=CaseInsensitiveDict(raw.headers), url=url,
        text=_decode(body, raw.headers.get("Content-Type")), content=body,
        location=urljoin(url, location.strip()) if location and 300 <= status < 400 else None)


def too_slow() -> Upstream:
    return Upstream("TikTok answered too slowly")


def parse_retry_after(value: str | None) -> float | None:
    if not value:
        return None
    try:
        return max(0.0, float(value.strip()))
    except ValueError:
        pass
    try:
        when = parsedate_to_datetime(value)
    except (TypeError, ValueError, IndexError):
        return None
    if when.tzinfo is None:
        when = when.replace(tzinfo=timezone.utc)
    return max(0.0, (when - datetime.now(timezone.utc)).total_seconds())


def _read_capped(raw: requests.Response, deadline: Deadline, limit: int) -> bytes:
    length = raw.headers.get("Content-Length", "").strip()
    if raw.request.method != "HEAD" and length.isdigit() and int(length) > limit:
        raise Upstream(f"TikTok response larger than {limit} bytes", status_code=raw.status_code)
    chunks, size = [], 0
    try:
        # A read blocked past the deadline is ended by the Deadline shutting the socket.
        for chunk in raw.iter_content(16384):
            size += len(chunk)
            if size > limit:
                raise Upstream(f"TikTok response larger than {limit} bytes",
                               status_code=raw.status_code)
            if deadline.expired or deadline.remaining() < 0:
                raise too_slow()
            chunks.append(chunk)
    except (requests.RequestException, urllib3.exceptions.HTTPError, OSError) as exc:
        # The socket timeout (capped at what is left) may fire before the watchdog's thread.
        raise (too_slow() if deadline.expired or deadline.remaining() <= 0 else
               Upstream(f"{type(exc).__name__} reading from TikTok")) from exc
    if deadline.expired or deadline.remaining() < 0:
        raise too_slow()  # cut short: what was read is not the whole answer
    return b"".join(chunks)


def _decode(body: bytes, content_type: str | None) -> str:
    m = re.search(r"charset=[\"']?([\w.:-]+)", content_type or "", re.I)
    try:
        return body.decode(m[1] if m else "utf-8", errors="replace")
    except LookupError:
        return body.decode("utf-8", errors="replace")
