"""Short links: vm.tiktok.com/<code>/ (at /_vm), vt.tiktok.com/<code> (at /_vt) and /t/<code>/.

Location headers are real TikTok URLs, as TikTok sends them; ViewPay maps hosts back itself.
"""
import hashlib

from flask import Blueprint, Response

from . import items
from .state import current

bp = Blueprint("shortlinks", __name__)

NOT_FOUND = f"{items.WWW}/?_r=1"  # how TikTok says "no such short link / video"


def _target(link) -> str:
    if link is None:
        return NOT_FOUND
    if link.location:
        return link.location
    found = current().video(link.video_id)
    if found is None:
        return NOT_FOUND
    video, user = found
    u_code = hashlib.md5(f"{link.code}:{user.user_id}".encode()).hexdigest()[:13]
    path = items.post_url("" if link.empty_handle else user.handle, video.video_id, video.photo)
    return (f"{path}?_r=1&u_code={u_code}&preview_pb=0&language=en&_d={u_code[:8]}"
            f"&share_item_id={video.video_id}&source=h5_m&utm_source=copy"
            "&utm_campaign=client_share&utm_medium=android&share_app_id=1233")


def _resolve(code: str, host: str, status: int) -> Response:
    location = _target(current().shortlink(code, host))
    return Response("", status=status, headers={"Location": location})


@bp.get("/_vm/<code>/", strict_slashes=False)
def vm(code):
    """vm.tiktok.com/<code>/ (GET and HEAD)."""
    return _resolve(code, "vm", 301)


@bp.get("/_vt/<code>/", strict_slashes=False)
def vt(code):
    """vt.tiktok.com/<code> (GET and HEAD)."""
    return _resolve(code, "vt", 301)


@bp.get("/t/<code>/", strict_slashes=False)
def www_t(code):
    """www.tiktok.com/t/<code>/ (GET and HEAD)."""
    return _resolve(code, "t", 302)
