"""TikTok's JSON pieces built from sandbox records; shared by pages, oEmbed and the Display API."""
import hashlib
import secrets
import time

from .model import PUBLIC_STATUSES, User, Video, rounded

WWW = "https://www.tiktok.com"

# (statusCode, statusMsg) of webapp.video-detail per video state (CONTRACTS §5.1).
PAGE_STATUS = {
    "ok": (0, ""),
    "deleted": (10204, "item_privacy_authorization&status_deleted"),
    "under_review": (10204, "author_status,status_reviewing"),
    "region": (10204, "cross_border_violation_ur"),
    "region_locked": (10231, ""),
    "ambiguous": (10204, ""),  # the overloaded 10204 that scrapers read as "IP blocked"
    "private": (10216, ""),
    "private_account": (10222, ""),
}
MISSING_STATUS = (10204, "item doesn't exist")


def effective_status(video: Video, user: User) -> str:
    """A private account hides every otherwise-public post."""
    return "private_account" if video.status == "ok" and user.private else video.status


def is_public(video: Video, user: User) -> bool:
    return effective_status(video, user) in PUBLIC_STATUSES


def post_url(handle: str, video_id: str, photo: bool = False) -> str:
    return f"{WWW}/@{handle}/{'photo' if photo else 'video'}/{video_id}"


def cover_key(video_id: str) -> str:
    """The cover's object name on the CDN: opaque, stable per video."""
    return hashlib.sha1(f"cover:{video_id}".encode()).hexdigest()[:32]


def cover_signature(key: str, expires: int) -> str:
    return hashlib.sha1(f"{key}:{expires}".encode()).hexdigest()[:28]


def cover_url(video_id: str, now: float) -> str:
    """A signed, expiring CDN link (TikTok's covers last about 6 h); sandbox/cdn.py serves it."""
    expires = int(now) // 3600 * 3600 + 21600
    key = cover_key(video_id)
    return (f"https://p16-sign-va.tiktokcdn.com/tos-maliva-p-0068/{key}~tplv-tiktokx-origin"
            f".image?dr=1&x-expires={expires}&x-signature={cover_signature(key, expires)}%3D")


def author_struct(user: User) -> dict:
    return {"id": user.user_id, "uniqueId": user.handle, "secUid": user.sec_uid,
            "nickname": user.nickname, "signature": user.signature,
            "privateAccount": user.private, "verified": user.verified,
            "avatarThumb": f"https://p16-sign-va.tiktokcdn.com/avt/{user.user_id}~100x100.jpeg"}


def item_struct(video: Video, user: User, now: float, with_v2: bool = True) -> dict:
    c = video.counts(now)
    exact = {"playCount": c["views"], "diggCount": c["likes"], "commentCount": c["comments"],
             "shareCount": c["shares"], "collectCount": c["collects"]}
    cover = cover_url(video.video_id, now)
    item = {
        "id": video.video_id, "desc": video.desc, "createTime": video.create_time,
        "author": author_struct(user),
        "stats": {k: rounded(v) for k, v in exact.items()},
        "video": {"id": video.video_id, "height": 1024, "width": 576,
                  "duration": 0 if video.photo else video.duration, "ratio": "540p",
                  "cover": cover, "originCover": cover, "format": "mp4"},
        "privateItem": video.status == "private", "secret": False, "isAd": False,
        "duetEnabled": True, "stitchEnabled": True,
    }
    if with_v2:
        item["statsV2"] = {k: str(v) for k, v in exact.items()} | {"repostCount": "0"}
    if video.photo:
        item["imagePost"] = {"images": [{"imageURL": {"urlList": [cover]}}], "title": video.desc}
    return item


def user_detail(user: User, videos: list[Video], now: float) -> dict:
    """`webapp.user-detail` of a profile page: identity, bio (`signature`) and counters."""
    public = [v for v in videos if is_public(v, user)]
    likes = sum(v.counts(now)["likes"] for v in public)
    return {"statusCode": 0, "statusMsg": "", "userInfo": {
        "user": author_struct(user),
        "stats": {"followerCount": user.follower_count, "followingCount": user.following_count,
                  "heartCount": user.heart_count or likes, "heart": user.heart_count or likes,
                  "videoCount": len(public), "diggCount": 0, "friendCount": 0}}}


def video_object(video: Video, user: User, now: float, client_key: str) -> dict:
    """Every field of the Display API Video Object; callers keep only the requested ones."""
    c = video.counts(now)
    url = post_url(user.handle, video.video_id)
    utm = f"utm_campaign=tt4d_open_api&utm_source={client_key}"
    return {
        "id": video.video_id, "create_time": video.create_time,
        "cover_image_url": cover_url(video.video_id, now),
        "share_url": f"{url}?{utm}",
        "video_description": video.desc[:150], "title": video.desc[:150],
        "duration": video.duration, "height": 1024, "width": 576,
        "embed_html": (f'<blockquote class="tiktok-embed" cite="{url}" '
                       f'data-video-id="{video.video_id}"></blockquote>'),
        "embed_link": f"{WWW}/player/v1/{video.video_id}?{utm}",
        "like_count": c["likes"], "comment_count": c["comments"], "share_count": c["shares"],
        "view_count": c["views"], "is_aigc": False,
    }


def log_id() -> str:
    """TikTok-style log id: UTC timestamp then hex, e.g. 20220829194722CBE87ED59D524E727021."""
    return time.strftime("%Y%m%d%H%M%S", time.gmtime()) + secrets.token_hex(10).upper()
