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
    APPROVED, CLAIM_SUPERSEDED, FIRST_RUPIAH, FLAGGED, MILESTONE_VIEWS, PAYOUT_APPROVED,
    PAYOUT_PAID, PAYOUT_REJECTED, REJECTED, TAKEN_BACK, TRACKING_STOPPED)

CAPTION_CHARS = 50

# Every notification's words: (kind, variant) -> (title, sentence), worded when shown. The
# variant is the flag kind (FLAGGED), the cadence state (TRACKING_STOPPED, see
# webapp.tracking.cadence), whether the claim had been approved (CLAIM_SUPERSEDED), else None.
# Placeholders are filled from `_values`; an unknown variant reads as its kind's first one.
WORDS = {
    (APPROVED, None): (_l("Video approved"),
                       _l("Your video %(video)s was approved. From now on its views earn "
                          "money.")),
    (APPROVED, "many"): (_l("%(count)s videos approved"),
                         _l("%(count)s of your videos, among them %(video)s, were approved. "
                            "From now on their views earn money.")),
    (REJECTED, None): (_l("Video not approved"),
                       _l("Your video %(video)s was not approved. Reason: %(reason)s")),
    (FLAGGED, "spike"): (_l("Earnings on hold for a check"),
                         _l("Your video %(video)s suddenly gained very many views. Its new "
                            "earnings wait until we have checked them.")),
    (FLAGGED, "engagement"): (_l("Earnings on hold for a check"),
                              _l("Your video %(video)s has many views but few likes, comments "
                                 "and shares. Its new earnings wait until we have checked "
                                 "them.")),
    (FLAGGED, "cliff"): (_l("Big drop in views"),
                         _l("The views of your video %(video)s dropped sharply. We look again "
                            "soon before anything changes.")),
    (FLAGGED, "count_mismatch"): (_l("View count under review"),
                                  _l("TikTok now shows fewer views for your video %(video)s "
                                     "than we recorded. An admin checks it.")),
    (FLAGGED, "identity"): (_l("Prove your TikTok account"),
                            _l("The earnings of your video %(video)s wait until you prove that "
                               "the TikTok account is yours. Open your TikTok account page to "
                               "do it.")),
    (FLAGGED, "identity_old"): (_l("Earnings on hold for a check"),
                                _l("Your video %(video)s was posted long before you proved "
                                   "your TikTok account. Its earnings wait until an admin has "
                                   "checked it.")),
    (FLAGGED, "identity_claimed"): (_l("Earnings on hold for a check"),
                                    _l("The proven owner of the TikTok account of your video "
                                       "%(video)s claimed it. What it earned is on hold until "
                                       "an admin decides.")),
    (TAKEN_BACK, None): (_l("Earnings taken back after a check"),
                         _l("After a check, %(amount)s that your video %(video)s earned was "
                            "taken back. Reason: %(reason)s")),
    (TRACKING_STOPPED, "deleted"): (_l("Video no longer on TikTok"),
                                    _l("Your video %(video)s was deleted or is no longer "
                                       "available, so its views are not counted any more. What "
                                       "it earned stays yours.")),
    (TRACKING_STOPPED, "private"): (_l("Video is private"),
                                    _l("Your video %(video)s is private now, so we cannot count "
                                       "its views. Make it public again to keep earning.")),
    (TRACKING_STOPPED, "blocked"): (_l("Video not available in Indonesia"),
                                    _l("Your video %(video)s cannot be watched from Indonesia, "
                                       "so we cannot count its views.")),
    (CLAIM_SUPERSEDED, "approved"): (_l("Video claimed by its owner"),
                                     _l("The proven owner of the TikTok account of your video "
                                        "%(video)s submitted it, so it is no longer counted for "
                                        "you. What it earned is on hold until an admin "
                                        "decides.")),
    (CLAIM_SUPERSEDED, "pending"): (_l("Video claimed by its owner"),
                                    _l("The proven owner of the TikTok account of your video "
                                       "%(video)s submitted it, so it is no longer counted for "
                                       "you.")),
    (PAYOUT_APPROVED, None): (_l("Withdrawal approved"),
                              _l("Your withdrawal of %(amount)s was approved. The transfer to "
                                 "your account follows.")),
    (PAYOUT_REJECTED, None): (_l("Withdrawal not approved"),
                              _l("Your withdrawal of %(amount)s was not approved, so the money "
                                 "is available again. Reason: %(reason)s")),
    (PAYOUT_PAID, None): (_l("Money sent"),
                          _l("%(amount)s was transferred to your account (reference "
                             "%(reference)s).")),
    (MILESTONE_VIEWS, None): (_l("%(views)s views!"),
                              _l("Your video %(video)s reached %(views)s views.")),
    (FIRST_RUPIAH, None): (_l("Your first Rupiah"),
                           _l("Your videos have earned %(amount)s so far. Keep going!")),
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


def _variant(kind: str, params: dict):
    if kind == FLAGGED:
        return params.get("flag")
    if kind == TRACKING_STOPPED:
        return params.get("state")
    if kind == CLAIM_SUPERSEDED:
        return "approved" if params.get("was_approved") else "pending"
    if kind == APPROVED and int(params.get("count") or 1) > 1:
        return "many"  # one bulk approval's videos of one creator, told together
    return None


def _values(params: dict) -> dict:
    """Every placeholder a sentence may use, formatted for the current language."""
    amount = Decimal(str(params.get("amount") or "0"))
    return {"video": video_label(params), "reason": params.get("reason") or "–",
            "amount": i18n.rupiah(amount), "reference": params.get("reference") or "–",
            "views": i18n.views(int(params.get("views") or 0)),
            "count": i18n.views(int(params.get("count") or 0))}


def words(kind: str, params: dict) -> Words:
    """Title and sentence of a notification, in the current language."""
    said = WORDS.get((kind, _variant(kind, params))) or next(
        (said for (known, _), said in WORDS.items() if known == kind), None)
    if said is None:
        return Words(_("Notification"), "")
    values = _values(params)
    return Words(str(said[0]) % values, str(said[1]) % values)
