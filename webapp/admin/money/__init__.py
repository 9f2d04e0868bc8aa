"""Admin money pages: payouts, rates, held view drops, ledger checks (all under /admin)."""
from webapp.admin import bp
from webapp.earnings.verify import latest_check


@bp.app_template_global()
def latest_ledger_check():
    """For admin/money/_ledger_alert.html, which any admin page may include."""
    return latest_check()


from webapp.admin.money import holds, ledger, payouts, rates  # noqa: E402,F401
