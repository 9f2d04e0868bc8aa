"""Issue 9: a page costs the same number of SQL statements for a creator with 3 videos or 30,
and for an admin list of 3 rows or 30 (a page of them): no query per card, per row or per flag.
Counts, not timings: the statements each request sends are recorded at the engine."""
import os

import pytest

import factories
from tests.sql_counter import statements
from tests.test_api_openapi import bearer, token  # noqa: F401
from webapp.auth.models import User
from webapp.extensions import db
from webapp.submissions import services

HX = {"HX-Request": "true"}
PAGES = {  # name: (who, url, headers)
    "live fragment": ("creator", "/dashboard/live", HX),
    "dashboard": ("creator", "/dashboard", {}),
    "dashboard, a page of cards": ("creator", "/dashboard?page=1", HX),
    "earnings summary": ("creator", "/earnings/", {}),
    "ledger": ("creator", "/earnings/ledger", {}),
    "video detail": ("creator", "/submissions/{sub_id}", {}),
    "admin queue": ("admin", "/admin/", {}),
    "admin tracked videos": ("admin", "/admin/videos", {}),
    "API video": ("api", "/api/tiktok/video/{vid}", {}),
}


def _add(sandbox, creator_id: int, admin_id: int, tiktok_id: str, approved: int,
         waiting: int) -> None:
    """Videos through the real services: `approved` earning ones, `waiting` for review."""
    for n in range(approved + waiting):
        vid = factories.tiktok_video(sandbox, tiktok_id, views=1000 + 37 * n)
        sub = services.submit(creator_id, f"https://www.tiktok.com/@sari.dance/video/{vid}")
        services.verify(sub.id)
        if n < approved:
            services.approve(sub.id, admin_id)


def _costs(app, sari: dict, api_secret: str) -> dict:
    """The statements of each page, for the creator, the admin and an API client."""
    clients = {"creator": app.test_client(), "admin": app.test_client(),
               "api": app.test_client()}
    for who, email in (("creator", "sari@example.com"), ("admin", "admin@example.com")):
        from tests.conftest import Actions

        Actions(app, clients[who]).login(email)
    costs = {}
    for name, (who, url, headers) in PAGES.items():
        if who == "api":
            headers = bearer(api_secret)
        url = url.format(**sari)
        clients[who].get(url, headers=headers)  # warm: the first request compiles templates
        with statements(app) as sent:
            response = clients[who].get(url, headers=headers)
        assert response.status_code == 200, (name, response.status_code)
        costs[name] = sent
    return costs


def test_each_page_sends_the_same_statements_for_3_videos_or_30(app, sandbox, token):  # noqa: F811
    with app.app_context():
        made = factories.approved_video(sandbox, views=150_247)
        tiktok_id = db.session.get(User, made["creator_id"]).tiktok_user_id
        _add(sandbox, made["creator_id"], made["admin_id"], tiktok_id, approved=2, waiting=3)
    sari = {"sub_id": made["sub_id"], "vid": made["vid"]}
    secret = token("reader")
    few = _costs(app, sari, secret)
    with app.app_context():
        _add(sandbox, made["creator_id"], made["admin_id"], tiktok_id, approved=27, waiting=27)
    many = _costs(app, sari, secret)
    if os.environ.get("PAGE_QUERIES_SHOW"):  # a profiling aid: what each page asks
        for name, sent in many.items():
            print(f"\n== {name}: {len(sent)} statements")
            for statement in sent:
                print("  ", " ".join(statement.split())[:160])
    # Never more for 30 (the ledger may ask one question less once it has older days to page).
    grew = {name: (len(few[name]), len(many[name])) for name in PAGES
            if len(many[name]) > len(few[name])}
    assert grew == {}, grew
    # "A handful": a page of 20 cards or rows is a few queries, not one per card.
    assert max(len(sent) for sent in many.values()) <= 25, {n: len(s) for n, s in many.items()}


@pytest.mark.parametrize("page", ["/dashboard/live"])
def test_the_counts_are_of_a_real_page(app, sandbox, act, page):
    """The recorder sees the page's queries (so the test above can fail)."""
    with app.app_context():
        factories.approved_video(sandbox, views=1000)
    act.login("sari@example.com")
    with statements(app) as sent:
        assert act.hx_get(page).status_code == 200
    assert any("submissions" in s for s in sent)
