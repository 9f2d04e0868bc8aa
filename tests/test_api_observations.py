"""POST /api/observations (the admins' browser extension): a count an admin saw, entered through
the manual-entry rules with source "extension", credited like any count."""
import pytest
import requests
from sqlalchemy import func, select

from tests import factories
from tests.test_api_openapi import api, bearer, spec, token  # noqa: F401
from webapp.audit.models import AuditEvent
from webapp.extensions import db
from webapp.tracking.models import ViewSnapshot


@pytest.fixture
def seen(app, sandbox, token):
    """An approved video at 150.247 views and a write token acting for the admin."""
    with app.app_context():
        made = factories.approved_video(sandbox, views=150_247)
        db.session.remove()
    return {**made, "auth": bearer(token("laptop", "write", made["admin_id"]))}


def _observe(api, seen, **body):
    return api.post("/api/observations", json={"video_id": seen["vid"], **body},
                    headers=seen["auth"])


def _views(api, seen) -> int:
    return api.get(f"/api/tiktok/video/{seen['vid']}", headers=seen["auth"]).get_json()["views"]


def _count(app, model) -> int:
    with app.app_context():
        return db.session.scalar(select(func.count(model.id)))


def test_an_observation_is_recorded_and_credited(app, api, runner, seen):
    from datetime import datetime, timedelta, timezone

    wib = timezone(timedelta(hours=7))
    seen_at = (datetime.now(wib) - timedelta(minutes=1)).replace(microsecond=0).isoformat()
    response = _observe(api, seen, views=160_000, likes=9_000,
                        observed_at=seen_at, note="seen on the phone")
    assert response.status_code == 201
    observation = response.get_json()["observation"]
    assert observation["state"] == "recorded" and observation["source"] == "extension"
    assert (observation["video_id"], observation["views"]) == (seen["vid"], 160_000)
    assert observation["observed_at"] == seen_at
    body = api.get(f"/api/tiktok/video/{seen['vid']}", headers=seen["auth"]).get_json()
    assert (body["views"], body["source"], body["earnings"]) == (160_000, "extension",
                                                                 "3.98240000")
    with app.app_context():
        snap = db.session.get(ViewSnapshot, observation["id"])
        assert (snap.entered_by_id, snap.likes, snap.reason_code, snap.note) == (
            seen["admin_id"], 9_000, "fetch_blocked", "seen on the phone")
        event = db.session.scalars(select(AuditEvent).where(
            AuditEvent.action == "manual_views")).one()
        assert event.actor_id == seen["admin_id"] and event.submission_id == seen["sub_id"]
    verify = runner.invoke(args=["ledger", "verify"])
    assert verify.exit_code == 0, verify.output


def test_a_share_text_short_link_names_the_video(app, api, sandbox, seen):
    requests.post(sandbox.base_url + "/_sandbox/shortlinks",
                  json={"code": "ZSobs123", "video_id": seen["vid"], "host": "vt"},
                  timeout=5).raise_for_status()
    response = api.post("/api/observations", headers=seen["auth"], json={
        "url": "Check out this video! https://vt.tiktok.com/ZSobs123/ #fyp", "views": 151_000})
    assert response.status_code == 201, response.get_json()
    observation = response.get_json()["observation"]
    assert observation["video_id"] == seen["vid"] and observation["views"] == 151_000
    with app.app_context():
        assert db.session.get(ViewSnapshot, observation["id"]).note == "browser extension"


def test_a_big_jump_waits_for_a_second_admin(api, seen):
    response = _observe(api, seen, views=900_000)  # over 3x the current count
    assert response.status_code == 201
    assert response.get_json()["observation"]["state"] == "proposed"
    assert _views(api, seen) == 150_247  # changes nothing until a second admin approves


def test_a_decrease_needs_confirmation(app, api, seen):
    before = _count(app, ViewSnapshot)
    refused = _observe(api, seen, views=140_000)
    assert refused.status_code == 409
    body = refused.get_json()
    assert body["error"]["code"] == "needs_confirmation" and body["views_before"] == 150_247
    assert _count(app, ViewSnapshot) == before
    confirmed = _observe(api, seen, views=140_000, confirm_decrease=True)
    assert confirmed.status_code == 201 and _views(api, seen) == 140_000


BAD = [
    ({"views": -1}, "invalid_views"),
    ({"views": "12k"}, "invalid_views"),
    ({"views": 1.5}, "invalid_views"),
    ({"views": True}, "invalid_views"),
    ({}, "invalid_views"),
    ({"views": 10**12}, "invalid_views"),
    ({"views": 160_000, "likes": -3}, "invalid_likes"),
    ({"views": 160_000, "observed_at": "yesterday"}, "invalid_observed_at"),
    ({"views": 160_000, "observed_at": "2999-01-01T00:00:00Z"}, "invalid_observed_at"),
    ({"views": 160_000, "observed_at": "2020-01-01T00:00:00Z"}, "stale_observation"),
    ({"views": 160_000, "note": "x" * 301}, "invalid_note"),
    ({"views": 160_000, "confirm_decrease": "yes"}, "invalid_request"),
    ({"views": 160_000, "video_id": None}, "invalid_request"),
    ({"views": 160_000, "video_id": "12ab"}, "invalid_request"),
    ({"views": 160_000, "video_id": None, "url": "https://www.tiktok.com/@sari.dance"},
     "invalid_url"),
]


def test_bad_observations_change_nothing(app, api, seen):
    before = (_count(app, ViewSnapshot), _count(app, AuditEvent))
    for body, code in BAD:
        response = _observe(api, seen, **body)
        assert response.status_code == 422, body
        assert response.get_json()["error"]["code"] == code, body
        assert response.get_json()["error"]["message"]
    assert (_count(app, ViewSnapshot), _count(app, AuditEvent)) == before


def test_only_an_admins_token_and_an_approved_video(app, api, sandbox, seen, token):
    machine = _observe(api, {**seen, "auth": bearer(token("script", "write"))}, views=160_000)
    assert machine.status_code == 403
    assert machine.get_json()["error"]["code"] == "admin_token_required"
    unknown = api.post("/api/observations", headers=seen["auth"],
                       json={"video_id": factories.video_id(), "views": 5})
    assert unknown.status_code == 404 and unknown.get_json()["error"]["code"] == "not_found"
    with app.app_context():  # a video still waiting for review is not tracked yet
        from webapp.submissions import services

        creator = factories.creator("budi@example.com", handle="budi")
        vid = factories.tiktok_video(sandbox, factories.tiktok_user(sandbox, "budi")["user_id"])
        services.submit(creator.id, f"https://www.tiktok.com/@budi/video/{vid}")
        db.session.remove()
    waiting = api.post("/api/observations", headers=seen["auth"], json={"video_id": vid,
                                                                         "views": 5})
    assert waiting.status_code == 404
    assert _views(api, seen) == 150_247
