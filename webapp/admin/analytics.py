"""Admin analytics: viral videos and fraud signals."""
from flask import render_template

from webapp.admin import bp
from webapp.tracking import analytics


@bp.get("/analytics")
def analytics_page():
    """Which videos go viral and which look fraudulent."""
    signals = analytics.video_signals()
    return render_template("admin/analytics.html", viral=analytics.viral(signals),
                           suspicious=analytics.suspicious(signals))
