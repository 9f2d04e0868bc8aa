"""No input makes a 500: every route in app.url_map, as anyone, with hostile ids, pages and bodies.

Run it on PostgreSQL too (DATABASE_URL=...): there an id beyond `integer` or a NUL byte is a
database error, on SQLite an id beyond 64 bits; all must be stopped before a query.
"""
import importlib
import inspect
import pkgutil
import re

import pytest
from flask_wtf import FlaskForm
from sqlalchemy import BigInteger, Integer, select
from werkzeug.routing import IntegerConverter
from wtforms.fields.core import UnboundField

import webapp

from tests import factories
from tests.conftest import csrf_token
from webapp.bounds import MAX_ID
from webapp.extensions import db
from webapp.tracking.models import ViewSnapshot

HOSTILE_IDS = ["0", "-1", "00", str(2**31), str(2**63), str(10**20), "1" * 400,
               "%C2%B2", "%D9%A3", "abc", "1.5", "1e3", "%00"]
HOSTILE_STRINGS = ["abc", "%C2%B2", "x" * 3000, "%00", "..%2F..%2Fetc%2Fpasswd", "'%20OR%201=1--"]
HOSTILE_VALUES = [str(10**20), str(2**63), "-1", "0", "abc", "²", "٣", "1e309", "NaN", "-Infinity",
                  "x" * 3000, "", "\x00", "<script>alert(1)</script>"]
# Query names the routes read; form field names are added from every FlaskForm (_form_fields).
QUERY_NAMES = ["page", "per_page", "after", "status", "kind", "sort", "q", "tab", "ids",
               "creator", "video", "actor", "state", "code", "error", "next", "override",
               "ack_unproven", "submission_id", "payout_id", "flag_id", "snapshot_id"]
LAST = re.compile(r"logout|password|sessions")  # may end the login the walk is using


@pytest.fixture
def world(app, sandbox):
    """An admin, a creator with an approved video, and the ids that exist."""
    with app.app_context():
        approved = factories.approved_video(sandbox, views=1234)
        snapshot_id = db.session.scalar(select(ViewSnapshot.id).limit(1)) or 1
        db.session.remove()
    return {"submission_id": approved["sub_id"], "snapshot_id": snapshot_id}


def _form_fields() -> set[str]:
    for module in pkgutil.walk_packages(webapp.__path__, "webapp."):
        if module.name.endswith(".forms"):
            importlib.import_module(module.name)
    forms, found = [FlaskForm], set()
    while forms:
        form = forms.pop()
        forms.extend(form.__subclasses__())
        fields = inspect.getmembers(form, lambda member: isinstance(member, UnboundField))
        found.update(name for name, _ in fields)
    return found


NAMES = sorted(set(QUERY_NAMES) | _form_fields())


def _client(app, email, rule):
    client = app.test_client()
    if email:
        answer = client.post("/login", data={"email": email, "password": "password123",
                                             "csrf_token": csrf_token(client)})
        assert answer.status_code == 302, f"the walk lost its login before {rule.rule}"
    return client


def _url(rule, values: dict) -> str:
    path = rule.rule
    for name in rule.arguments:
        path = re.sub(r"<(?:[^:<>]+:)?%s>" % name, values[name], path)
    return path


def _requests(rule, real_ids):
    """(url, fields): each hostile path with no fields, then a real path with every hostile value
    in every query and form field."""
    ints = any(isinstance(c, IntegerConverter) for c in rule._converters.values())
    for value in (HOSTILE_IDS if ints else HOSTILE_STRINGS) if rule.arguments else ():
        yield _url(rule, dict.fromkeys(rule.arguments, value)), {}
    real = _url(rule, {name: str(real_ids.get(name, 1)) for name in rule.arguments})
    for value in HOSTILE_VALUES:
        yield real, dict(dict.fromkeys(NAMES, value), ids=[value, "²", str(10**20), "-1", "1"])


def _walk(app, email, real_ids):
    failures = []
    for rule in sorted(app.url_map.iter_rules(), key=lambda r: (bool(LAST.search(r.endpoint)),
                                                                r.rule)):
        client = _client(app, email, rule)
        token = csrf_token(client)
        for method in sorted(rule.methods & {"GET", "POST"}):
            for number, (url, fields) in enumerate(_requests(rule, real_ids)):
                headers = {"HX-Request": "true"} if number % 2 else {}
                query, body = fields, None
                if method == "POST":  # with the CSRF token, but for one post without it
                    query, body = {}, fields if number == 1 else dict(fields, csrf_token=token)
                    headers.update({} if number == 1 else {"X-CSRFToken": token})
                try:
                    status = client.open(url, method=method, query_string=query, data=body,
                                         headers=headers).status_code
                except Exception as exc:  # noqa: BLE001 - TESTING propagates what would be a 500
                    status = f"{type(exc).__name__}: {str(exc)[:200]}"
                if status == 500 or isinstance(status, str):
                    failures.append(f"{email or 'anonymous'} {method} {url[:120]} "
                                    f"{str(fields)[:80]} -> {status}")
    return failures


@pytest.mark.parametrize("login_as", [None, "sari@example.com", "admin@example.com"])
def test_no_route_answers_500(app, world, login_as):
    failures = _walk(app, login_as, world)
    assert not failures, "\n".join(failures)


def test_the_walk_knows_the_routes_and_fields(app):
    endpoints = {r.endpoint for r in app.url_map.iter_rules()}
    assert {"submissions.detail", "admin.approve_selected", "admin.video_rate"} <= endpoints
    assert {"views", "amount", "per_view", "account_number", "url", "password"} <= set(NAMES)


@pytest.mark.parametrize("path", [
    "/submissions/99999999999999999999", "/submissions/0", "/submissions/-1", "/submissions/%C2%B2",
    f"/submissions/{2**31}", f"/admin/flags/{2**63}", "/earnings/payouts/18446744073709551616"])
def test_absurd_ids_are_404(act, world, path):
    act.login("admin@example.com" if path.startswith("/admin") else "sari@example.com")
    assert act.client.get(path).status_code == 404


@pytest.mark.parametrize("page", ["99999999999999999999", str(2**63), "-99999999999999999999"])
def test_absurd_pages_are_404(act, world, page):
    act.login("admin@example.com")
    assert act.client.get("/admin/", query_string={"page": page}).status_code == 404
    assert act.client.get("/admin/", query_string={"page": "abc"}).status_code == 200


def test_bulk_approve_skips_ids_that_cannot_be_ids(act, world):
    act.login("admin@example.com")
    response = act.client.post("/admin/submissions/approve-selected", data={
        "ids": ["²", "٣", "99999999999999999999", "-1", "0", "abc"],
        "csrf_token": csrf_token(act.client)})
    assert response.status_code == 422  # none of them is an id: an empty selection, refused


def test_every_id_column_holds_max_id(app):
    """The converter's bound must fit the narrowest id column, or PostgreSQL answers 500 again."""
    for table in db.metadata.sorted_tables:
        for column in table.columns:
            if (column.primary_key or column.foreign_keys) and isinstance(column.type, Integer):
                limit = 2**63 - 1 if isinstance(column.type, BigInteger) else 2**31 - 1
                assert MAX_ID <= limit, f"{table.name}.{column.name}"


def test_nul_bytes_are_400(act, world):
    act.login("admin@example.com")
    assert act.client.get("/admin/money/videos", query_string={"q": "a\x00b"}).status_code == 400
