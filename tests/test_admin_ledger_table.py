"""The ledger-checks page: a check started from the page adds its row to the table without a
reload (the status fragment that stops polling carries the table out of band)."""
import re

from tests import factories
from tests.conftest import run_worker


def test_a_finished_check_brings_its_row_into_the_table(app, act):
    with app.app_context():
        factories.admin()
    act.login("admin@example.com")
    page = act.client.get("/admin/money/ledger").get_data(as_text=True)
    assert 'id="ledger-checks"' in page and 'id="ledger-check-' not in page
    queued = act.hx_post("/admin/money/ledger/verify").get_data(as_text=True)
    assert "after=0" in queued and "hx-swap-oob" not in queued
    waiting = act.hx_get("/admin/money/ledger/status?after=0").get_data(as_text=True)
    assert 'hx-trigger="every 2s"' in waiting and "hx-swap-oob" not in waiting
    run_worker(app)
    done = act.hx_get("/admin/money/ledger/status?after=0").get_data(as_text=True)
    assert "hx-trigger" not in done
    table = done[done.index('<div id="ledger-checks" hx-swap-oob="true">'):]
    assert re.search(r'<tr id="ledger-check-1" class="al-new">', table)
    # Asked again later (no check awaited), the fragment leaves the table alone.
    assert "ledger-checks" not in act.hx_get("/admin/money/ledger/status").get_data(as_text=True)
    assert 'id="ledger-check-1"' in act.client.get("/admin/money/ledger").get_data(as_text=True)
