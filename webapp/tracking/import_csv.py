"""Reading a view-count CSV as spreadsheets write it: UTF-8 with or without a BOM, comma or
semicolon (Indonesian Excel writes ';'), a header naming the columns, one row per video.

Nothing here looks at the database: it turns bytes into rows of text, or refuses the file.
"""
import csv
import hashlib
import io
import re
from dataclasses import dataclass
from datetime import datetime, timezone
from zoneinfo import ZoneInfo

MAX_BYTES = 1_000_000
MAX_ROWS = 5_000
COLUMNS = ("video_url_or_id", "views", "observed_at", "note")
REQUIRED = COLUMNS[:3]
WIB = ZoneInfo("Asia/Jakarta")  # a time written without a zone is Jakarta time, as shown
# 28/11/2026 14:30 (or 14.30): day first, as Indonesian spreadsheets write dates.
_DAY_FIRST = re.compile(
    r"(\d{1,2})/(\d{1,2})/(\d{4})(?:[ T](\d{1,2})[:.](\d{2})(?:[:.](\d{2}))?)?", re.ASCII)


class FileRefused(ValueError):
    """The whole file cannot be read; `code` (and `params`) name why, for a translated message."""

    def __init__(self, code: str, **params):
        super().__init__(code)
        self.code, self.params = code, params


@dataclass(frozen=True)
class Row:
    """One data row as text. `number` is its row in the spreadsheet (the header is row 1)."""

    number: int
    video: str
    views: str
    observed_at: str
    note: str
    extra_cells: bool = False  # more cells than columns: usually an unquoted comma in a note


@dataclass(frozen=True)
class CsvFile:
    text: str  # normalized: the same however the file was saved
    sha256: str
    rows: list[Row]


def read(content: bytes) -> CsvFile:
    """The rows of a CSV file; raises FileRefused when the file as a whole cannot be used."""
    if len(content) > MAX_BYTES:
        raise FileRefused("too_big", limit=MAX_BYTES)
    text = normalized(content)
    if not text.strip():
        raise FileRefused("empty")
    header = text.split("\n", 1)[0]
    delimiter = ";" if header.count(";") > header.count(",") else ","
    try:
        records = list(csv.reader(io.StringIO(text), delimiter=delimiter))
    except csv.Error:
        raise FileRefused("unreadable") from None
    columns = _columns(records[0])
    rows = []
    for number, cells in enumerate(records[1:], start=2):
        if not any(cell.strip() for cell in cells):
            continue  # blank lines, and Excel's rows of empty cells
        if len(rows) == MAX_ROWS:
            raise FileRefused("too_many_rows", limit=MAX_ROWS)
        values = {name: (cells[i].strip() if i < len(cells) else "")
                  for i, name in enumerate(columns) if name}
        extra = any(cell.strip() for cell in cells[len(columns):])
        rows.append(Row(number, values["video_url_or_id"], values["views"],
                        values["observed_at"], values.get("note", ""), extra))
    if not rows:
        raise FileRefused("no_rows")
    return CsvFile(text, hashlib.sha256(text.encode()).hexdigest(), rows)


def normalized(content: bytes) -> str:
    """The file's text, the same however it was saved: no BOM, "\\n" line ends, no trailing
    blank lines (so re-saving a file does not make it a new import)."""
    try:
        text = content.decode("utf-8-sig")
    except UnicodeDecodeError:
        raise FileRefused("not_utf8") from None
    if "\x00" in text:
        raise FileRefused("not_utf8")
    return text.replace("\r\n", "\n").replace("\r", "\n").rstrip("\n \t") + "\n"


def _columns(header: list[str]) -> list[str]:
    names = [cell.strip().lower() for cell in header]
    while names and not names[-1]:
        names.pop()  # Excel's empty trailing columns
    for name in names:
        if name not in COLUMNS:
            raise FileRefused("unknown_column", name=name[:40] or "?", expected=", ".join(COLUMNS))
    for name in REQUIRED:
        if name not in names:
            raise FileRefused("missing_column", name=name, expected=", ".join(COLUMNS))
    if len(set(names)) != len(names):
        raise FileRefused("duplicate_column", expected=", ".join(COLUMNS))
    return names


def parse_observed_at(text: str) -> datetime:
    """When the count was seen, in UTC. ISO 8601 (with or without a zone), 2026-11-28 14:30,
    2026-11-28 or 28/11/2026 14:30; without a zone it is Jakarta time (WIB).

    Raises ValueError when it is none of those.
    """
    text = text.strip()
    if text.upper().endswith(" WIB"):
        text = text[:-4].rstrip()
    if found := _DAY_FIRST.fullmatch(text):
        day, month, year, hour, minute, second = (int(part or 0) for part in found.groups())
        seen = datetime(year, month, day, hour, minute, second)
    elif text[:4].isdigit() and text.isascii():
        seen = datetime.fromisoformat(text)
    else:
        raise ValueError("not a date")
    if seen.tzinfo is None:
        seen = seen.replace(tzinfo=WIB)
    try:
        return seen.astimezone(timezone.utc)
    except OverflowError:  # year 1 in Jakarta is before year 1 in UTC
        raise ValueError("out of range") from None
