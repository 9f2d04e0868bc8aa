"""Admin analytics: growth and money over time, viral videos and fraud signals."""
from flask import render_template
from flask_babel import gettext as _

from webapp import charts
from webapp.admin import bp
from webapp.earnings import periods
from webapp.tracking import analytics

DAYS = 28


@bp.get("/analytics")
def analytics_page():
    """Growth and money over 28 days; which videos go viral and which look fraudulent."""
    signals = analytics.video_signals()
    return render_template("admin/analytics.html", viral=analytics.viral(signals),
                           suspicious=analytics.suspicious(signals),
                           growth=_growth_chart(analytics.daily_growth(DAYS)),
                           money=_money_chart(periods.owed_and_paid(DAYS)))


def _growth_chart(days: list) -> dict:
    from webapp.i18n import day, views
    from webapp.local_days import start

    labels = [day(start(d)) for d, _gained in days]
    gained = charts.Series(_("Views gained"), [g for _d, g in days], fmt=views, css="earn-views")
    label = _("Views gained per day by tracked videos, last %(days)s days", days=len(days))
    return dict(svg=charts.line_chart([gained], labels=labels, label=label, width=320),
                table=charts.chart_table([gained], labels=labels, caption=label,
                                         x_heading=_("Day")),
                has_data=any(g for _d, g in days))


def _money_chart(days: list) -> dict:
    from webapp.i18n import day, rupiah

    labels = [day(d.moment) for d in days]
    earned = charts.Series(_("Earned by creators"), [d.earned for d in days], fmt=rupiah,
                           css="earn-money")
    paid = charts.Series(_("Paid out"), [d.paid for d in days], fmt=rupiah, css="earn-paid")
    owed = charts.Series(_("Owed"), [d.owed for d in days], fmt=rupiah)
    label = _("Money earned by creators and paid out, running totals; the gap is owed")
    return dict(svg=charts.line_chart([earned, paid], labels=labels, label=label,
                                      same_scale=True, width=320),
                table=charts.chart_table([earned, paid, owed], labels=labels, caption=label,
                                         x_heading=_("Day")),
                owed=days[-1].owed if days else None,
                has_data=any(d.earned or d.paid for d in days))
