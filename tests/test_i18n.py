"""Both catalogs ship, and every user-facing string has its Indonesian translation."""
from pathlib import Path

from babel.messages.pofile import read_po

CATALOGS = Path(__file__).parent.parent / "webapp" / "translations"


def test_every_string_is_translated_to_indonesian():
    with open(CATALOGS / "id" / "LC_MESSAGES" / "messages.po", "rb") as f:
        catalog = read_po(f)
    untranslated = [m.id for m in catalog if m.id and (not m.string or m.fuzzy)]
    assert untranslated == []


def test_catalog_covers_the_template():
    with open(CATALOGS / "messages.pot", "rb") as f:
        template = {m.id for m in read_po(f) if m.id}
    with open(CATALOGS / "id" / "LC_MESSAGES" / "messages.po", "rb") as f:
        translated = {m.id for m in read_po(f) if m.id}  # obsolete entries are kept apart
    assert template <= translated


def test_dashboard_defaults_to_indonesian_and_switches_to_english(act, app):
    from tests import factories
    from tests.conftest import csrf_token

    with app.app_context():  # not held open: each request gets its own context, like in production
        factories.creator()
    act.login("sari@example.com")
    assert "Saldo" in act.client.get("/dashboard").get_data(as_text=True)
    act.client.post("/lang/en", data={"csrf_token": csrf_token(act.client), "next": "/dashboard"})
    html = act.client.get("/dashboard").get_data(as_text=True)
    assert "Balance" in html and 'lang="en"' in html
