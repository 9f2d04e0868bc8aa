"""Small builders for test data, going through the real services."""
import functools
import itertools
import time

import requests

_ids = itertools.count(1)


def video_id(seconds_ago: int = 86400) -> str:
    """A realistic 19-digit TikTok id whose high bits are its creation time."""
    return str(((int(time.time()) - seconds_ago) << 32) | (next(_ids) * 7919))


def tiktok_user(sandbox, handle: str, user_id: str | None = None, **extra) -> dict:
    body = {"user_id": user_id or str(7_000_000_000_000_000_000 + next(_ids)), "handle": handle}
    body.update(extra)
    response = requests.post(sandbox.base_url + "/_sandbox/users", json=body, timeout=5)
    response.raise_for_status()
    return response.json()


def tiktok_video(sandbox, user_id: str, views: int = 0, **extra) -> str:
    """A sandbox video; likes/comments/shares default to a real audience's share of the views
    (a test about bought views sets them low itself)."""
    vid = extra.pop("video_id", None) or video_id()
    body = {"video_id": vid, "user_id": user_id, "views": views, "likes": views // 20,
            "comments": views // 500, "shares": views // 1000}
    body.update(extra)
    requests.post(sandbox.base_url + "/_sandbox/videos", json=body, timeout=5).raise_for_status()
    return vid


def set_views(sandbox, vid: str, views: int, **extra) -> None:
    requests.patch(sandbox.base_url + f"/_sandbox/videos/{vid}", json={"views": views, **extra},
                   timeout=5).raise_for_status()


@functools.lru_cache(maxsize=None)
def password_hash(password: str) -> str:
    """A hash the app checks like any other, made once per password and cheap to check: the
    app's own method (scrypt) costs ~0,15 s per hash and per login on purpose, which over a
    few thousand test accounts and logins was half of the suite's time. Tests of hashing
    itself go through sign-up and `set_password`."""
    from werkzeug.security import generate_password_hash

    return generate_password_hash(password, method="pbkdf2:sha256:1")


def creator(email="sari@example.com", handle="sari.dance", password="password123"):
    from webapp.auth import services

    return services.create_user(email, None, handle=handle, password_hash=password_hash(password))


def admin(email="admin@example.com", password="password123"):
    from webapp.auth import services
    from webapp.auth.models import ADMIN

    return services.create_user(email, None, role=ADMIN, password_hash=password_hash(password))


def prove(user, tiktok_user_id: str) -> None:
    """Bind the account to its TikTok user id, as a bio-code or Login Kit proof does."""
    from webapp.auth.bio import bind_identity

    bind_identity(user.id, tiktok_user_id, user.tiktok_handle)


def proven_creator(sandbox, email="sari@example.com", handle="sari.dance"):
    """A creator whose TikTok account (made in the sandbox) is proven -> (user, TikTok user)."""
    tt_user = tiktok_user(sandbox, handle)
    user = creator(email, handle)
    prove(user, tt_user["user_id"])
    return user, tt_user


def approved_video(sandbox, views: int = 0, handle: str = "sari.dance",
                   proven: bool = True) -> dict:
    """A creator (with a proven TikTok identity unless proven=False), an admin and one of the
    creator's sandbox videos, submitted, verified and approved through the real services
    (inside an app context). Returns plain ids."""
    from webapp.submissions import services

    tt = tiktok_user(sandbox, handle)
    owner, reviewer = creator(handle=handle), admin()
    if proven:
        prove(owner, tt["user_id"])
    vid = tiktok_video(sandbox, tt["user_id"], views=views)
    sub_id = services.submit(owner.id, f"https://www.tiktok.com/@{handle}/video/{vid}").id
    services.verify(sub_id)
    services.approve(sub_id, reviewer.id)
    return {"sub_id": sub_id, "creator_id": owner.id, "admin_id": reviewer.id, "vid": vid}
