"""HTTP and HTMX behaviour: access rules, CSRF, 422 fragments, live polling."""
import re

import pytest

from tests import factories
from tests.conftest import csrf_token
from webapp.submissions import services


@pytest.fixture
def people(ctx, sandbox):
    sari_tt = factories.tiktok_user(sandbox, "sari.dance")
    budi_tt = factories.tiktok_user(sandbox, "budi_masak")
    return dict(sari=factories.creator(), budi=factories.creator("budi@example.com", "budi_masak"),
                admin=factories.admin(), sari_tt=sari_tt, budi_tt=budi_tt)


@pytest.mark.parametrize("path", ["/dashboard", "/dashboard/live", "/submissions/1", "/admin/"])
def test_login_required(client, path):
    response = client.get(path)
    assert response.status_code == 302 and "/login" in response.headers["Location"]


def test_htmx_requests_after_session_expiry_get_hx_redirect(client):
    response = client.get("/dashboard/live", headers={"HX-Request": "true"})
    assert response.status_code == 401
    assert response.headers["HX-Redirect"].startswith("/login")


def test_signup_logs_in_and_shows_dashboard(client):
    token = csrf_token(client)
    response = client.post("/signup", data={"email": "new@example.com", "password": "kopi-tubruk-77",
                                            "tiktok_handle": "@new.creator", "csrf_token": token},
                           follow_redirects=True)
    assert response.status_code == 200
    assert 'id="live"' in response.get_data(as_text=True)


def test_signup_with_bad_handle_is_422(client):
    token = csrf_token(client)
    response = client.post("/signup", data={"email": "new@example.com", "password": "password123",
                                            "tiktok_handle": "no spaces!", "csrf_token": token})
    assert response.status_code == 422


def test_wrong_password_is_refused(act, people):
    token = csrf_token(act.client)
    response = act.client.post("/login", data={"email": "sari@example.com", "password": "nope",
                                               "csrf_token": token})
    assert response.status_code == 422
    assert act.client.get("/dashboard").status_code == 302


def test_creators_never_see_another_creators_submission(act, people, sandbox):
    vid = factories.tiktok_video(sandbox, people["budi_tt"]["user_id"])
    budis = services.submit(people["budi"].id, f"https://www.tiktok.com/@budi_masak/video/{vid}")
    act.login("sari@example.com")
    assert act.client.get(f"/submissions/{budis.id}").status_code == 404
    assert vid not in act.client.get("/dashboard").get_data(as_text=True)
    assert vid not in act.hx_get("/dashboard/live").get_data(as_text=True)


@pytest.mark.parametrize("method,path", [
    ("get", "/admin/"), ("post", "/admin/submissions/1/approve"),
    ("post", "/admin/submissions/1/reject"), ("get", "/admin/submissions/1/reject"),
])
def test_admin_routes_are_for_admins_only(act, people, method, path):
    act.login("sari@example.com")
    if method == "post":
        response = act.hx_post(path)
    else:
        response = act.client.get(path)
    assert response.status_code == 403


def test_htmx_post_without_csrf_token_fails(act, people, sandbox):
    act.login("sari@example.com")
    vid = factories.tiktok_video(sandbox, people["sari_tt"]["user_id"])
    response = act.client.post("/submissions", data={"url": f"https://www.tiktok.com/@s/video/{vid}"},
                               headers={"HX-Request": "true"})
    assert response.status_code == 400
    assert services.for_creator(people["sari"].id).items == []


def test_submit_returns_new_row_out_of_band(act, people, sandbox):
    act.login("sari@example.com")
    vid = factories.tiktok_video(sandbox, people["sari_tt"]["user_id"])
    response = act.hx_post("/submissions", {"url": f"Tonton ini! https://www.tiktok.com/@sari.dance/video/{vid}?_r=1 #fyp"})
    html = response.get_data(as_text=True)
    assert response.status_code == 200, html
    assert 'id="submit-form"' in html and 'hx-swap-oob="true"' in html and vid in html


@pytest.mark.parametrize("url", ["", "hello", "https://www.youtube.com/watch?v=1",
                                 "https://www.tiktok.com/share/user/6820838815978423302"])
def test_bad_input_gets_a_422_fragment_with_a_message(act, people, url):
    act.login("sari@example.com")
    response = act.hx_post("/submissions", {"url": url})
    html = response.get_data(as_text=True)
    assert response.status_code == 422
    assert 'id="submit-form"' in html and 'class="error"' in html
    assert "<html" not in html  # a fragment, not a page
    assert services.for_creator(people["sari"].id).items == []


def test_messages_are_indonesian_by_default_and_english_on_request(act, app):
    with app.app_context():  # not held open: the locale is chosen per request
        factories.creator()
    act.login("sari@example.com")
    response = act.hx_post("/submissions", {"url": "https://www.tiktok.com/share/user/6820838815978423302"})
    assert "Ini profil, bukan video" in response.get_data(as_text=True)
    act.client.post("/lang/en", data={"csrf_token": csrf_token(act.client)})
    response = act.hx_post("/submissions", {"url": "https://www.tiktok.com/share/user/6820838815978423302"})
    assert "This is a profile, not a video" in response.get_data(as_text=True)


def test_live_fragment_answers_304_when_nothing_changed(act, people, sandbox):
    act.login("sari@example.com")
    first = act.hx_get("/dashboard/live")
    assert first.status_code == 200 and first.headers["ETag"]
    again = act.hx_get("/dashboard/live", **{"If-None-Match": first.headers["ETag"]})
    assert again.status_code == 304 and again.get_data() == b""
    vid = factories.tiktok_video(sandbox, people["sari_tt"]["user_id"])
    services.submit(people["sari"].id, f"https://www.tiktok.com/@sari.dance/video/{vid}")
    changed = act.hx_get("/dashboard/live", **{"If-None-Match": first.headers["ETag"]})
    assert changed.status_code == 200 and vid in changed.get_data(as_text=True)
    assert "HX-Request" in changed.headers["Vary"]


def test_live_fragment_polls_fast_while_checking(act, people, sandbox):
    act.login("sari@example.com")
    vid = factories.tiktok_video(sandbox, people["sari_tt"]["user_id"])
    services.submit(people["sari"].id, f"https://www.tiktok.com/@sari.dance/video/{vid}")
    html = act.hx_get("/dashboard/live").get_data(as_text=True)
    assert re.search(r'hx-trigger="every 2s"', html)


def test_admin_approves_and_rejects_with_htmx(act, people, sandbox):
    vid1 = factories.tiktok_video(sandbox, people["sari_tt"]["user_id"], views=150_247)
    vid2 = factories.tiktok_video(sandbox, people["sari_tt"]["user_id"], views=3)
    s1 = services.submit(people["sari"].id, f"https://www.tiktok.com/@sari.dance/video/{vid1}")
    s2 = services.submit(people["sari"].id, f"https://www.tiktok.com/@sari.dance/video/{vid2}")
    services.verify(s1.id), services.verify(s2.id)
    act.login("admin@example.com")
    queue = act.client.get("/admin/").get_data(as_text=True)
    assert vid1 in queue and vid2 in queue
    # Sari's handle is unproven: approving one by one needs the admin's explicit tick.
    refused = act.hx_post(f"/admin/submissions/{s1.id}/approve")
    assert refused.status_code == 409 and 'name="ack_unproven"' in refused.get_data(as_text=True)
    approved = act.hx_post(f"/admin/submissions/{s1.id}/approve", {"ack_unproven": "1"})
    assert approved.status_code == 200 and "admin@example.com" in approved.get_data(as_text=True)
    assert act.hx_post(f"/admin/submissions/{s1.id}/approve",
                       {"ack_unproven": "1"}).status_code == 409
    assert 'name="reason"' in act.hx_get(f"/admin/submissions/{s2.id}/reject").get_data(as_text=True)
    assert act.hx_post(f"/admin/submissions/{s2.id}/reject", {"reason": ""}).status_code == 422
    rejected = act.hx_post(f"/admin/submissions/{s2.id}/reject", {"reason": "Duplicate upload"})
    assert rejected.status_code == 200 and "Duplicate upload" in rejected.get_data(as_text=True)


def test_balance_shows_rupiah_in_indonesian_format(act, people, sandbox):
    vid = factories.tiktok_video(sandbox, people["sari_tt"]["user_id"], views=150_247)
    sub = services.submit(people["sari"].id, f"https://www.tiktok.com/@sari.dance/video/{vid}")
    services.verify(sub.id)
    services.approve(sub.id, people["admin"].id)
    act.login("sari@example.com")
    html = act.client.get("/dashboard").get_data(as_text=True)
    assert "Rp3,74" in html and "150.247" in html
    detail = act.client.get(f"/submissions/{sub.id}").get_data(as_text=True)
    assert "Rp3,73964783" in detail


def test_admin_approves_many_at_once_and_skips_what_is_not_reviewable(act, people, sandbox):
    from webapp.extensions import db

    people["sari"].tiktok_user_id = people["sari_tt"]["user_id"]  # proven (bio code / OAuth)
    db.session.commit()
    vids = [factories.tiktok_video(sandbox, people["sari_tt"]["user_id"], views=n) for n in (10, 20, 30)]
    subs = [services.submit(people["sari"].id, f"https://www.tiktok.com/@sari.dance/video/{v}") for v in vids]
    for sub in subs[:2]:
        services.verify(sub.id)
    budi_vid = factories.tiktok_video(sandbox, people["budi_tt"]["user_id"], views=5)
    budis = services.submit(people["budi"].id, f"https://www.tiktok.com/@budi_masak/video/{budi_vid}")
    services.verify(budis.id)  # verified by handle only: never approved in bulk
    ids = [sub.id for sub in subs]
    act.login("admin@example.com")
    page = act.client.get("/admin/").get_data(as_text=True)
    assert f'name="ids" value="{ids[0]}"' in page and f'name="ids" value="{ids[2]}"' not in page
    # Budi's row can be ticked for a bulk reject, but "approve selected" leaves it out.
    assert f'name="ids" value="{budis.id}" form="bulk" data-approvable="0"' in page and "unproven" in page
    response = act.client.post("/admin/submissions/approve-selected", data={
        "ids": [str(i) for i in ids + [budis.id]], "csrf_token": csrf_token(act.client)})
    assert response.status_code == 303
    db.session.expire_all()  # the request changed them in its own session
    statuses = [services.get_for_creator(people["sari"].id, i).status for i in ids]
    assert statuses == ["approved", "approved", "checking"]
    assert services.get_for_creator(people["budi"].id, budis.id).status == "pending_review"
    assert act.client.post("/admin/submissions/approve-selected", data={"ids": [str(ids[0])]}).status_code == 400


def test_creators_cannot_bulk_approve(act, people):
    act.login("sari@example.com")
    response = act.client.post("/admin/submissions/approve-selected",
                               data={"ids": ["1"], "csrf_token": csrf_token(act.client)})
    assert response.status_code == 403


@pytest.mark.parametrize("target", ["//evil.example", "/\t/evil.example", "/\n/evil.example",
                                    "/\\evil.example", "https://evil.example/", "javascript:alert(1)",
                                    "/\x7f/evil.example"])
def test_login_never_redirects_off_site(act, people, target):
    token = csrf_token(act.client)
    response = act.client.post("/login", query_string={"next": target},
                               data={"email": "sari@example.com", "password": "password123",
                                     "csrf_token": token})
    assert response.status_code == 302
    assert response.headers["Location"] == "/dashboard"


def test_login_keeps_a_same_site_next(act, people):
    token = csrf_token(act.client)
    response = act.client.post("/login", query_string={"next": "/submissions/1?x=1"},
                               data={"email": "sari@example.com", "password": "password123",
                                     "csrf_token": token})
    assert response.headers["Location"] == "/submissions/1?x=1"


def test_a_proven_handle_belongs_to_one_account(client, people):
    from webapp.extensions import db

    people["sari"].tiktok_user_id = people["sari_tt"]["user_id"]  # proven (bio code / OAuth)
    db.session.commit()
    token = csrf_token(client)
    client.post("/lang/en", data={"csrf_token": token})
    response = client.post("/signup", data={"email": "fake@example.com", "password": "password123",
                                            "tiktok_handle": "@SARI.dance", "csrf_token": token})
    assert response.status_code == 422
    assert "already proven it on another ViewPay account" in response.get_data(as_text=True)
    assert "fake@example.com" not in [u.email for u in _all_users()]


def _all_users():
    from sqlalchemy import select

    from webapp.auth.models import User
    from webapp.extensions import db

    return list(db.session.scalars(select(User)))
