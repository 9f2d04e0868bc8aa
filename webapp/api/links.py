"""What an API client sends as a video: an id, or any TikTok URL form a phone gives (share
text included). Short links are followed through the SSRF-safe client, one checked hop at a
time; the codes of the failures are the ones submissions use for the same links."""
from webapp.tiktok import errors as tt
from webapp.tiktok.client import http_from_config
from webapp.tiktok.stats import ParsedUrl
from webapp.tiktok.urls import parse_url


class LinkError(ValueError):
    def __init__(self, message: str, code: str):
        super().__init__(message)
        self.message, self.code = message, code


def parse(text: str) -> ParsedUrl:
    """Offline: a video id, or a short link still to resolve (ParsedUrl.short_url)."""
    try:
        return parse_url(text)
    except tt.InvalidUrl as exc:
        raise LinkError(exc.message, exc.code) from exc


def resolve(parsed: ParsedUrl, http=None) -> str:
    """The video id, following a short link over the network when needed."""
    if parsed.kind != "short_link":
        return parsed.video_id
    try:
        return (http or http_from_config()).resolve(parsed).video_id
    except tt.UnsafeUrl as exc:
        code = exc.code if exc.code in ("too_many_redirects", "private_address") else "unsafe_url"
        raise LinkError(exc.message, code) from exc
    except tt.InvalidUrl as exc:  # it led to a profile or a bad id
        raise LinkError(exc.message, exc.code) from exc
    except tt.NotFound as exc:
        raise LinkError("This short link leads to no video.", "short_not_found") from exc
    except tt.TikTokError as exc:
        raise LinkError("TikTok did not answer; try again in a minute.", "tiktok_down") from exc


def video_id_of(text: str) -> str:
    return resolve(parse(text))
