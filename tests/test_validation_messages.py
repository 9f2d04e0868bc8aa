"""WTForms' own messages ("This field is required.", "Not a valid integer value.") come from our
catalog, in the interface language, on every form (webapp/form_messages.py)."""
import re

import pytest
from babel.messages.catalog import Catalog
from babel.messages.mofile import write_mo
from babel.support import Translations
from flask_babel import force_locale
from flask_wtf import FlaskForm
from wtforms import IntegerField, StringField
from werkzeug.datastructures import MultiDict
from wtforms.validators import InputRequired

from tests.conftest import _make_app, csrf_token
from webapp.extensions import babel

REQUIRED, NOT_INTEGER = "This field is required.", "Not a valid integer value."
ID_CATALOG = "webapp/translations/id/LC_MESSAGES/messages.mo"


class AgeForm(FlaskForm):
    """A form of no area: the messages must reach forms nobody wired up for them."""

    name = StringField(validators=[InputRequired()])
    age = IntegerField()


def errors_of(form_data: dict, locale: str) -> dict:
    with force_locale(locale):
        form = AgeForm(formdata=MultiDict(form_data), meta={"csrf": False})  # as POSTed
        form.validate()
        return {name: [str(e) for e in errors] for name, errors in form.errors.items()}


def field_errors(html: str) -> list[str]:
    return re.findall(r'<p class="error" role="alert">([^<]*)</p>', html)


def test_english_shows_wtforms_words(app, client):
    with app.test_request_context():
        assert errors_of({"name": "", "age": "abc"}, "en") == {"name": [REQUIRED],
                                                               "age": [NOT_INTEGER]}
    client.post("/lang/en", data={"csrf_token": csrf_token(client), "next": "/signup"})
    html = client.post("/signup", data={"csrf_token": csrf_token(client), "email": "",
                                        "password": "short", "tiktok_handle": "sari.dance"}
                       ).get_data(as_text=True)
    assert REQUIRED in field_errors(html)
    assert "The password needs at least 8 characters." in field_errors(html)  # ours, not WTForms'


@pytest.fixture
def indonesian_catalog(tmp_path):
    """An extra Indonesian catalog with just WTForms' messages, read after the shipped one."""
    catalog = Catalog(locale="id")
    catalog.add(REQUIRED, "Wajib diisi.")
    catalog.add(NOT_INTEGER, "Bukan bilangan bulat.")
    (tmp_path / "id" / "LC_MESSAGES").mkdir(parents=True)
    with open(tmp_path / "id" / "LC_MESSAGES" / "messages.mo", "wb") as f:
        write_mo(f, catalog)
    # Flask-Babel caches loaded catalogs on the process-wide Babel object, not per app.
    babel.domain_instance.cache.clear()
    yield str(tmp_path)
    babel.domain_instance.cache.clear()


def test_indonesian_comes_from_our_catalog(app, _instance, sandbox, indonesian_catalog):
    """Whatever our catalog says in Indonesian is what every form shows."""
    extra = _make_app(_instance, sandbox, app.config["SQLALCHEMY_DATABASE_URI"],
                      BABEL_TRANSLATION_DIRECTORIES=f"translations;{indonesian_catalog}")  # last wins
    with extra.test_request_context():
        assert errors_of({"name": "", "age": "abc"}, "id") == {
            "name": ["Wajib diisi."], "age": ["Bukan bilangan bulat."]}
    client = extra.test_client()  # Indonesian is the default language
    html = client.post("/signup", data={"csrf_token": csrf_token(client), "email": "",
                                        "password": "password123", "tiktok_handle": "sari.dance"}
                       ).get_data(as_text=True)
    assert "Wajib diisi." in field_errors(html) and REQUIRED not in html


def test_the_shipped_indonesian_catalog_translates_them(app, client):
    with open(ID_CATALOG, "rb") as f:
        shipped = Translations(f)
    wanted = {msgid: shipped.ugettext(msgid) for msgid in (REQUIRED, NOT_INTEGER)}
    if any(text == msgid for msgid, text in wanted.items()):
        pytest.skip("WTForms' messages await their Indonesian in the catalog (make i18n-update)")
    with app.test_request_context():
        assert errors_of({"name": "", "age": "abc"}, "id") == {
            "name": [wanted[REQUIRED]], "age": [wanted[NOT_INTEGER]]}
    html = client.post("/signup", data={"csrf_token": csrf_token(client), "email": ""}
                       ).get_data(as_text=True)
    assert wanted[REQUIRED] in field_errors(html)
