"""Every error under /api is JSON with a stable code, the right status and headers: never HTML."""
import pytest

from tests import factories
from tests.test_api_openapi import api, bearer, spec, token  # noqa: F401
from webapp.extensions import db


@pytest.fixture
def writer(app, sandbox, token):
    with app.app_context():
        made = factories.approved_video(sandbox, views=1000)
        db.session.remove()
    return {**made, "secret": token("writer", "write", made["admin_id"])}


def _error(response, status: int, code: str) -> dict:
    assert response.status_code == status, response.get_data(as_text=True)
    assert response.mimetype == "application/json"
    body = response.get_json()
    assert body["error"]["code"] == code and body["error"]["message"]
    return body


def test_unknown_paths_and_wrong_methods(api, writer):
    auth = bearer(writer["secret"])
    _error(api.get("/api/no-such-thing", headers=auth), 404, "not_found")
    _error(api.get("/api", headers=auth), 404, "not_found")
    _error(api.get("/api/tiktok/video/123456789", headers=auth), 404, "not_found")
    _error(api.get("/api/tiktok/video/not-an-id", headers=auth), 404, "not_found")
    _error(api.get("/api/jobs/../../etc", headers=auth), 404, "not_found")
    _error(api.get("/api/jobs/" + "f" * 32, headers=auth), 404, "not_found")
    wrong = api.delete("/api/observations", headers=auth)
    _error(wrong, 405, "method_not_allowed")
    assert "POST" in wrong.headers["Allow"] and "GET" not in wrong.headers["Allow"]
    _error(api.put(f"/api/tiktok/video/{writer['vid']}", headers=auth), 405, "method_not_allowed")


def test_bad_bodies_change_nothing(app, api, writer):
    auth = bearer(writer["secret"])
    for path in ("/api/observations", "/api/tiktok/batch-views"):
        _error(api.post(path, data="{not json", content_type="application/json", headers=auth),
               422, "invalid_json")
        _error(api.post(path, data="[1, 2]", content_type="application/json", headers=auth),
               422, "invalid_json")
        _error(api.post(path, headers=auth), 422, "invalid_json")  # no body at all
    for urls in (None, [], "https://vm.tiktok.com/x/", [1, 2], [None]):
        _error(api.post("/api/tiktok/batch-views", json={"video_urls": urls}, headers=auth),
               422, "invalid_request")
    too_many = ["https://www.tiktok.com/@a/video/1"] * 1001
    _error(api.post("/api/tiktok/batch-views", json={"video_urls": too_many}, headers=auth),
           413, "too_many_urls")
    app.config["MAX_CONTENT_LENGTH"] = 10_000
    _error(api.post("/api/tiktok/batch-views", json={"video_urls": ["x" * 20_000]},
                    headers=auth), 413, "too_large")
    for query in ("refresh=maybe", "limit=0", "limit=501", "limit=abc", "limit=-1"):
        path = (f"/api/tiktok/video/{writer['vid']}?" if "refresh" in query
                else "/api/videos/needing-observation?") + query
        _error(api.get(path, headers=auth), 422, "invalid_request")
    from webapp.extensions import jobqueue

    with app.app_context():  # nothing was queued by any refused batch
        assert not [j for j in jobqueue.queue.job_ids if j.startswith("api-batch")]
        assert not jobqueue.connection.keys("viewpay:api:*")


def test_hostile_input_is_refused_not_crashed(api, writer):
    auth = bearer(writer["secret"])
    for value in ("0" * 30, str(2**64), "%00", "1e3", "٣", "-1"):
        assert api.get(f"/api/tiktok/video/{value}", headers=auth).status_code in (400, 404)
        assert api.get(f"/api/jobs/{value}", headers=auth).status_code in (400, 404)
    for body in ({"video_id": "\x00", "views": 1}, {"video_id": 2**70, "views": 1},
                 {"url": "javascript:alert(1)", "views": 1}, {"video_id": writer["vid"],
                                                             "views": 10**30}):
        assert api.post("/api/observations", json=body, headers=auth).status_code in (404, 422)


@pytest.fixture
def crashing(app):
    app.config["PROPAGATE_EXCEPTIONS"] = False  # answer as production does

    @app.get("/api/_boom")
    def boom():
        raise RuntimeError("boom")

    return app


def test_a_crash_under_api_is_a_json_500(crashing, api):
    response = api.get("/api/_boom")
    _error(response, 500, "internal_error")
    assert "boom" not in response.get_data(as_text=True)  # no internals leak
