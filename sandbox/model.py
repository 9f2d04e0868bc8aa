"""Records the sandbox holds (users, videos, short links) and the TikTok-ish numbers they derive.

Control-API bodies and seed entries share one shape, so both go through `new_*`/`patch_*` here.
"""
import base64
import hashlib
import uuid
from dataclasses import asdict, dataclass, field, fields

# Per-video states the pages, oEmbed and Display API react to (CONTRACTS §4, §5.1).
STATUSES = ("ok", "deleted", "private", "private_account", "region", "region_locked",
            "under_review", "ambiguous")
# Still publicly reachable: oEmbed answers 200 and the owner's Display API lists them.
PUBLIC_STATUSES = ("ok", "region", "region_locked", "ambiguous")
PAGE_MODES = ("universal", "sigi", "next_data", "stats_only", "waf", "login", "no_blob",
              "garbled", "garbled_types")
SHORTLINK_HOSTS = ("vm", "vt", "t", "any")
# What the CDN answers for a video's cover (sandbox/cdn.py): a real image, or one way a CDN
# answer can be wrong for ViewPay to refuse.
COVER_MODES = ("ok", "huge", "html", "fake", "svg", "redirect", "missing")
class Conflict(Exception):
    """The record (or handle) already exists."""


class Missing(Exception):
    """No such record."""


_ID_NAMESPACE = uuid.UUID("5b0e6c1e-4f6a-4b8e-9a53-7d1f1a2c9e10")


@dataclass
class User:
    user_id: str
    handle: str
    sec_uid: str = ""
    nickname: str = ""
    signature: str = ""
    private: bool = False
    verified: bool = False
    follower_count: int = 0
    following_count: int = 0
    heart_count: int = 0

    def to_dict(self) -> dict:
        return asdict(self)


@dataclass
class Video:
    video_id: str
    user_id: str
    views: int = 0
    likes: int = 0
    comments: int = 0
    shares: int = 0
    collects: int = 0
    growth_per_hour: float = 0.0
    status: str = "ok"
    page_mode: str = "universal"
    photo: bool = False
    create_time: int = 0
    desc: str = ""
    duration: int = 15
    cover_mode: str = "ok"
    base_time: float = field(default=0.0)  # sandbox-clock second at which `views` was true

    def counts(self, now: float) -> dict:
        """Current counters: base views plus growth since base_time; the rest grow in proportion."""
        grown = int(self.growth_per_hour * max(0.0, now - self.base_time) / 3600)
        views = self.views + grown
        ratio = views / self.views if self.views else 1
        return {"views": views, "likes": int(self.likes * ratio),
                "comments": int(self.comments * ratio), "shares": int(self.shares * ratio),
                "collects": int(self.collects * ratio)}

    def to_dict(self, now: float) -> dict:
        data = asdict(self)
        data.update(self.counts(now), base_views=self.views)
        return data


@dataclass
class ShortLink:
    code: str
    video_id: str | None = None
    location: str | None = None
    host: str = "any"
    empty_handle: bool = False  # TikTok sometimes redirects to /@/video/<id>

    def to_dict(self) -> dict:
        return asdict(self)


def sec_uid_for(user_id: str) -> str:
    """A stable `MS4wLjABAAAA` + 64 url-safe chars secUid, 76 chars like TikTok's."""
    digest = hashlib.sha512(user_id.encode()).digest()
    return "MS4wLjABAAAA" + base64.urlsafe_b64encode(digest).decode()[:64]


def open_id_for(client_key: str, user_id: str) -> str:
    """open_id is per app and stable per user, so derive it instead of storing it."""
    return str(uuid.uuid5(_ID_NAMESPACE, f"open:{client_key}:{user_id}"))


def union_id_for(user_id: str) -> str:
    return str(uuid.uuid5(_ID_NAMESPACE, f"union:{user_id}"))


def rounded(n: int) -> int:
    """TikTok's display precision in `stats` (1585253 -> 1600000, 38884 -> 38900)."""
    if n >= 1_000_000:
        return (n + 50_000) // 100_000 * 100_000
    if n >= 10_000:
        return (n + 50) // 100 * 100
    return n


def id_for_time(ts: int, low: int = 0) -> str:
    """A TikTok-style id whose top bits are the creation second (`id >> 32`)."""
    return str((int(ts) << 32) | (low & 0xFFFFFFFF))


def _apply(record, data: dict, skip: tuple = ()) -> None:
    """Copy known keys from a JSON body onto a record, coercing to the field's type."""
    known = {f.name: f for f in fields(record)}
    unknown = set(data) - set(known) - set(skip)
    if unknown:
        raise ValueError(f"unknown field(s): {', '.join(sorted(unknown))}")
    for key, value in data.items():
        if key in skip or key not in known:
            continue
        kind = type(getattr(record, key))
        if value is None and key in ("video_id", "location"):
            setattr(record, key, None)
        elif kind is bool:
            setattr(record, key, bool(value))
        elif kind in (int, float):
            if isinstance(value, bool) or not isinstance(value, (int, float, str)):
                raise ValueError(f"{key} must be a number")
            try:
                setattr(record, key, kind(value))
            except ValueError:
                raise ValueError(f"{key} must be a number") from None
        else:
            setattr(record, key, str(value))


def new_user(data: dict) -> User:
    if not data.get("user_id") or not data.get("handle"):
        raise ValueError("user_id and handle are required")
    user = User(user_id=str(data["user_id"]), handle=str(data["handle"]))
    _apply(user, data)
    user.sec_uid = user.sec_uid or sec_uid_for(user.user_id)
    user.nickname = user.nickname or user.handle
    return user


def patch_user(user: User, data: dict) -> None:
    if "user_id" in data and str(data["user_id"]) != user.user_id:
        raise ValueError("user_id cannot change (it is TikTok's stable id)")
    _apply(user, data)


def new_video(data: dict, user_id: str, now: float) -> Video:
    # Without an id, mint one posted "now": TikTok's createTime trails id >> 32 by ~20 s.
    video_id = str(data.get("video_id") or id_for_time(int(now) - 20, int(now * 1000) & 0xFFFF))
    if not video_id.isdigit():
        raise ValueError("video_id must be decimal digits")
    video = Video(video_id=video_id, user_id=user_id, create_time=(int(video_id) >> 32) + 20)
    _apply(video, data, skip=("handle", "video_id", "user_id", "base_time"))
    video.base_time = now
    _check_video(video)
    return video


def patch_video(video: Video, data: dict, now: float) -> None:
    if "views" in data or "growth_per_hour" in data:
        # Fold the growth so far into the base, so a new rate starts from today's count.
        video.views = video.counts(now)["views"]
        video.base_time = now
    _apply(video, data, skip=("handle", "video_id", "user_id", "base_time"))
    _check_video(video)


def _check_video(video: Video) -> None:
    if video.status not in STATUSES:
        raise ValueError(f"status must be one of {', '.join(STATUSES)}")
    if video.page_mode not in PAGE_MODES:
        raise ValueError(f"page_mode must be one of {', '.join(PAGE_MODES)}")
    if video.cover_mode not in COVER_MODES:
        raise ValueError(f"cover_mode must be one of {', '.join(COVER_MODES)}")
    if video.views < 0 or video.growth_per_hour < 0:
        raise ValueError("views and growth_per_hour must not be negative")


def new_shortlink(data: dict) -> ShortLink:
    link = ShortLink(code=str(data.get("code") or ""))
    _apply(link, data)
    if not link.code or not link.code.replace("_", "").isalnum():
        raise ValueError("code must be letters, digits or _")
    if bool(link.video_id) == bool(link.location):
        raise ValueError("give exactly one of video_id or location")
    if link.host not in SHORTLINK_HOSTS:
        raise ValueError(f"host must be one of {', '.join(SHORTLINK_HOSTS)}")
    return link

