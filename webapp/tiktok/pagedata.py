"""TikTok's page data: the JSON blob found in a page's HTML, its layout told apart, its
`statusCode` turned into a typed error, and its fields read with their types checked."""
from __future__ import annotations

import json
import re
from html.parser import HTMLParser

from webapp.tiktok.errors import (Blocked, Garbled, NotFound, Private, RegionBlocked, TikTokError,
                                  Unavailable, Upstream)

INT64_MAX = 2**63 - 1
UNIVERSAL = "__UNIVERSAL_DATA_FOR_REHYDRATION__"
_BLOB_IDS = (UNIVERSAL, "SIGI_STATE", "sigi-persisted-data", "__NEXT_DATA__")
_WAF_IDS = frozenset({"cs", "wci"})  # yt-dlp's challenge solver reads these elements
_DIGITS = re.compile(r"[0-9]{1,19}")  # ASCII only: str.isdigit() accepts '²' and '٣'

# statusCode -> (error, why); 10204 is refined by statusMsg in status_error. "Deleted", "doesn't
# exist", privacy and IP blocks all share 10204 (yt-dlp reads it as an IP block), so one sighting
# proves nothing: the tracking layer counts repeated sightings before it believes a deletion.
_STATUS = {
    10204: (Unavailable, "not available (maybe deleted or private; unconfirmed on one sighting)"),
    10216: (Private, "private post"),
    10217: (NotFound, "deleted (10217 is UNCONFIRMED: seen in one third-party test only)"),
    10221: (NotFound, "user not found"),
    10222: (Private, "private account"),
    10231: (RegionBlocked, "region-locked"),
}


class _Done(Exception):
    pass


class _BlobFinder(HTMLParser):
    # html.parser reads <script> bodies as raw text and skips comments and attribute values,
    # so the id appearing inside JS, a comment or an attribute is never taken for the tag.
    def __init__(self):
        super().__init__(convert_charrefs=False)
        self.blobs: dict[str, str] = {}
        self.waf = False
        self.open_blob: str | None = None
        self._parts: list[str] = []

    def handle_starttag(self, tag, attrs):
        el_id = dict(attrs).get("id")
        self.waf = self.waf or el_id in _WAF_IDS
        if tag == "script" and el_id in _BLOB_IDS and el_id not in self.blobs:
            self.open_blob, self._parts = el_id, []

    def handle_data(self, data):
        if self.open_blob:
            self._parts.append(data)

    def handle_endtag(self, tag):
        if tag == "script" and self.open_blob:
            self.blobs[self.open_blob] = "".join(self._parts)
            self.open_blob = None
            if UNIVERSAL in self.blobs:
                raise _Done  # the current layout wins; the rest of the page is irrelevant


def read_data(text: str, limit: int) -> tuple[str, dict]:
    """Return (layout, root): "universal" -> __DEFAULT_SCOPE__, "sigi"/"next" -> the blob."""
    if not isinstance(text, str):
        raise Garbled("page body is not text")
    if len(text) > limit:
        raise Upstream(f"page too large ({len(text)} chars)")
    if text.lstrip().startswith("{"):
        return _layout(_json_object(text, "saved JSON"))
    finder = _BlobFinder()
    try:
        finder.feed(text)
    except _Done:
        pass
    if finder.open_blob:
        raise Garbled(f"{finder.open_blob} script is cut off (truncated page?)")
    for blob_id in _BLOB_IDS:
        if blob_id in finder.blobs:
            return _layout(_json_object(finder.blobs[blob_id], blob_id))
    if finder.waf or "_wafchallengeid" in text:
        raise Blocked("WAF challenge page")
    raise Blocked("no data blob in the page")


def _layout(blob: dict) -> tuple[str, dict]:
    if "__DEFAULT_SCOPE__" in blob:
        return "universal", obj(blob["__DEFAULT_SCOPE__"], "__DEFAULT_SCOPE__")
    if "webapp.video-detail" in blob or "webapp.user-detail" in blob:
        return "universal", blob  # a saved __DEFAULT_SCOPE__ on its own
    if "ItemModule" in blob or "VideoPage" in blob:
        return "sigi", blob
    if "props" in blob:
        return "next", blob
    raise Garbled("unknown page data layout")


MAX_JSON_DEPTH = 200  # TikTok's blobs nest ~15 deep; far deeper is hostile or broken
_BRACKETS = re.compile(r"[\[\]{}]")


def _too_deep(raw: str) -> bool:
    # json.loads on very deep nesting raises RecursionError from C code, which is costly to
    # unwind and report; a linear scan refuses such input before decoding (strings included
    # in the count only make the check stricter).
    depth = 0
    for match in _BRACKETS.finditer(raw):
        char = match.group()
        if char in "[{":
            depth += 1
            if depth > MAX_JSON_DEPTH:
                return True
        elif char in "]}":
            depth -= 1
    return False


def _json_object(raw: str, where: str) -> dict:
    if _too_deep(raw):
        raise Garbled(f"{where}: JSON nested deeper than {MAX_JSON_DEPTH} levels")
    try:
        data = json.loads(raw)
    except (ValueError, RecursionError) as exc:
        raise Garbled(f"{where}: invalid JSON ({str(exc)[:80]})") from None
    return obj(data, where)


def status_code(detail: dict) -> int:
    code = detail.get("statusCode", 0)
    if isinstance(code, str) and _DIGITS.fullmatch(code):
        code = int(code)
    if code is None:
        return 0
    if isinstance(code, bool) or not isinstance(code, int):
        raise Garbled(f"statusCode has type {type(code).__name__}")
    return code


def check_status(detail: dict) -> None:
    code = status_code(detail)
    if code:
        msg = detail.get("statusMsg")
        raise status_error(code, msg if isinstance(msg, str) else "")


def status_error(code: int, msg: str) -> TikTokError:
    cls, why = _STATUS.get(code, (Unavailable, "not available now"))
    if code == 10204 and "cross_border_violation" in msg:
        cls, why = RegionBlocked, "withheld in the requesting region"
    elif code == 10204 and "status_reviewing" in msg:
        why = "under review"
    err = cls(f"{why}: statusCode {code}" + (f" ({msg})" if msg else ""), status_code=code)
    err.status_msg = msg
    return err


def obj(value, where: str) -> dict:
    if not isinstance(value, dict):
        raise Garbled(f"{where} is {type(value).__name__}, expected an object")
    return value


def dig(data: dict, *keys):
    where = "page data"
    for key in keys:
        if data is None:
            return None
        data, where = obj(data, where).get(key), key
    return data


def count(value, where: str) -> int | None:
    if value is None:
        return None
    if isinstance(value, str) and _DIGITS.fullmatch(value):
        value = int(value)
    if isinstance(value, bool) or not isinstance(value, int) or not 0 <= value <= INT64_MAX:
        raise Garbled(f"{where}: {str(value)[:30]!r} is not a non-negative int64")
    return value


def id_of(value, where: str) -> str | None:
    if value is None or value == "":
        return None
    count(value, where)  # digits only; a string id is kept verbatim (no "007" -> "7")
    return value if isinstance(value, str) else str(value)


def string(value, where: str) -> str | None:
    if value is not None and not isinstance(value, str):
        raise Garbled(f"{where} is {type(value).__name__}, expected a string")
    return value


def handle_of(value, where: str) -> str | None:
    return (string(value, where) or "").lstrip("@") or None
