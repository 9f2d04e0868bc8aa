"""Each notification in words, in the reader's language, from its kind and parameters.

Worded when shown (and when a mail is written, in the recipient's language), never stored as
text: a creator who switches to English reads every old notification in English too. Amounts
go through the rupiah filter, view counts through the views filter.
"""
from dataclasses import dataclass
from decimal import Decimal

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l

from webapp import i18n
from webapp.notifications.models import (
    APPROVED, FIRST_RUPIAH, FLAGGED, MILESTONE_VIEWS, PAYOUT_APPROVED, PAYOUT_PAID, REJECTED,
    TRACKING_STOPPED)

CAPTION_CHARS = 50

# Flag kinds (webapp.tracking.models): what the creator should know about each.
FLAG_WORDS = {
    "spike": (_l("Earnings on hold for a check"),
              _l("Your video %(video)s suddenly gained very many views. Its new earnings wait "
                 "until we have checked them.")),
    "engagement": (_l("Earnings on hold for a check"),
                   _l("Your video %(video)s has many views but few likes, comments and shares. "
                      "Its new earnings wait until we have checked them.")),
    "cliff": (_l("Big drop in views"),
              _l("The views of your video %(video)s dropped sharply. We look again soon "
                 "before anything changes.")),
    "count_mismatch": (_l("View count under review"),
                       _l("TikTok now shows fewer views for your video %(video)s than we "
                          "recorded. An admin checks it.")),
    "identity": (_l("Prove your TikTok account"),
                 _l("The earnings of your video %(video)s wait until you prove that the TikTok "
                    "account is yours. Open your TikTok account page to do it.")),
}
# Why a video stopped being counted (webapp.tracking.cadence states).
STOPPED_WORDS = {
    "deleted": (_l("Video no longer on TikTok"),
                _l("Your video %(video)s was deleted or is no longer available, so its views "
                   "are not counted any more. What it earned stays yours.")),
    "private": (_l("Video is private"),
                _l("Your video %(video)s is private now, so we cannot count its views. Make it "
                   "public again to keep earning.")),
    "blocked": (_l("Video not available in Indonesia"),
                _l("Your video %(video)s cannot be watched from Indonesia, so we cannot count "
                   "its views.")),
}


@dataclass(frozen=True)
class Words:
    title: str
    body: str


def video_label(params: dict) -> str:
    """“the caption” (shortened), or the last digits of the video's id when it has none."""
    caption = " ".join((params.get("caption") or "").split())
    if caption:
        if len(caption) > CAPTION_CHARS:
            caption = caption[:CAPTION_CHARS].rstrip() + "…"
        return f"“{caption}”"
    return "…" + str(params.get("video_id") or "")[-6:]


def words(kind: str, params: dict) -> Words:
    """Title and sentence of a notification, in the current language."""
    video = video_label(params)
    if kind == APPROVED:
        return Words(_("Video approved"), _("Your video %(video)s was approved. From now on its "
                                            "views earn money.", video=video))
    if kind == REJECTED:
        return Words(_("Video not approved"),
                     _("Your video %(video)s was not approved. Reason: %(reason)s",
                       video=video, reason=params.get("reason") or "–"))
    if kind == FLAGGED:
        title, body = FLAG_WORDS.get(params.get("flag"), FLAG_WORDS["spike"])
        return Words(str(title), str(body) % {"video": video})
    if kind == TRACKING_STOPPED:
        title, body = STOPPED_WORDS.get(params.get("state"), STOPPED_WORDS["deleted"])
        return Words(str(title), str(body) % {"video": video})
    if kind == PAYOUT_APPROVED:
        return Words(_("Withdrawal approved"),
                     _("Your withdrawal of %(amount)s was approved. The transfer to your account "
                       "follows.", amount=_rupiah(params)))
    if kind == PAYOUT_PAID:
        return Words(_("Money sent"),
                     _("%(amount)s was transferred to your account (reference %(reference)s).",
                       amount=_rupiah(params), reference=params.get("reference") or "–"))
    if kind == MILESTONE_VIEWS:
        views = i18n.views(int(params.get("views") or 0))
        return Words(_("%(views)s views!", views=views),
                     _("Your video %(video)s reached %(views)s views.", video=video, views=views))
    if kind == FIRST_RUPIAH:
        return Words(_("Your first Rupiah"),
                     _("Your videos have earned %(amount)s so far. Keep going!",
                       amount=_rupiah(params)))
    return Words(_("Notification"), "")


def _rupiah(params: dict) -> str:
    return i18n.rupiah(Decimal(str(params.get("amount") or "0")))
