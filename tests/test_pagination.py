"""The one pager macro: plain links keeping the list's filters, HTMX swaps only where asked."""
from types import SimpleNamespace

from flask import render_template_string

PAGER = '{% from "_pagination.html" import pager %}'


def _render(app, call: str, **page) -> str:
    page = SimpleNamespace(**{"has_prev": True, "has_next": True, "prev_num": 1, "next_num": 3,
                              **page})
    with app.test_request_context():
        return render_template_string(PAGER + "{{ " + call + " }}", page=page)


def test_links_keep_the_filters_and_put_the_page_last(app):
    html = _render(app, "pager(page, 'admin.money_videos', {'q': 'a&b'})")
    assert '<nav class="pages">' in html
    assert 'href="/admin/money/videos?q=a%26b&amp;page=1"' in html
    assert 'href="/admin/money/videos?q=a%26b&amp;page=3"' in html
    assert "hx-get" not in html


def test_only_the_existing_neighbours_are_linked(app):
    html = _render(app, "pager(page, 'admin.queue', prev_label=_('Newer'))", has_next=False)
    assert "page=1" in html and "page=3" not in html
    assert html.count("<a ") == 1


def test_a_target_makes_the_links_swap_it_in_place(app):
    html = _render(app, "pager(page, 'earnings.ledger', hx_target='#entries')")
    assert ('<a href="/earnings/ledger?page=3" hx-get="/earnings/ledger?page=3" '
            'hx-target="#entries" hx-swap="outerHTML" hx-push-url="true">') in html


def test_no_template_writes_its_own_pager(app):
    """Every paged list uses the macro (grep: a hand-written nav would drift from it)."""
    import pathlib

    root = pathlib.Path(app.root_path) / "templates"
    own = [str(p.relative_to(root)) for p in root.rglob("*.html")
           if "has_next" in p.read_text() and p.name != "_pagination.html"]
    assert own == []
