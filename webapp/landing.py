"""The landing page anonymous visitors get at `/`: what ViewPay is, the rate, how it works.

`/` belongs to submissions (it sends signed-in people to their home), and submissions may not
import earnings, where the rate lives. So this module sits above the areas and hands the
page its figures through a template global, as the video page gets its chart's money.
"""
from dataclasses import dataclass
from decimal import Decimal

from flask import Blueprint, current_app

from webapp.earnings import payouts, rates
from webapp.money import earnings

bp = Blueprint("landing", __name__)

# The README's worked example, so the page and the docs tell the same story.
EXAMPLE_VIEWS = 150_247


@dataclass(frozen=True)
class Facts:
    rate: Decimal  # per view, for videos approved from now on
    example_views: int
    example_amount: Decimal
    minimum: Decimal  # smallest withdrawal
    validation_hours: float  # new earnings wait this long (0: not at all)
    review_hours: float  # an admin looks at a withdrawal within this


@bp.app_template_global()
def landing_facts() -> Facts:
    """The figures the landing page promises, from the rate in force and the settings."""
    rate, config = rates.current_rate(), current_app.config
    return Facts(rate=rate, example_views=EXAMPLE_VIEWS,
                 example_amount=earnings(EXAMPLE_VIEWS, rate), minimum=payouts.minimum(),
                 validation_hours=float(config["VALIDATION_DAYS"]) * 24,
                 review_hours=float(config["PAYOUT_REVIEW_DAYS"]) * 24)
