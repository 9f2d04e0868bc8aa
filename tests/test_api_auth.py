"""Who may call /api: bearer tokens only (never a login cookie), by scope; per-token rate limits."""
import pytest

from tests import factories
from tests.conftest import Actions, _make_app
from tests.test_api_openapi import ApiClient, api, bearer, spec, token  # noqa: F401
from webapp.extensions import db


@pytest.fixture
def world(app, sandbox, token):
    """An approved video, an admin, and a token of every kind (revoked included)."""
    from webapp.api import tokens

    with app.app_context():
        made = factories.approved_video(sandbox, views=1000)
        secrets = {"read": token("reader"), "write": token("writer", "write", made["admin_id"])}
        secrets["revoked"] = token("old", "write", made["admin_id"])
        tokens.revoke(tokens.by_name("old").id, actor_id=None, via="test")
        db.session.remove()
    return {**made, **secrets}


def _calls(vid: str):
    """(method, path, json body) of every endpoint but the public document."""
    return [
        ("GET", f"/api/tiktok/video/{vid}", None),
        ("GET", "/api/videos/needing-observation", None),
        ("GET", "/api/jobs/" + "0" * 32, None),
        ("POST", "/api/tiktok/batch-views", {"video_urls": ["https://example.com/x"]}),
        ("POST", "/api/observations", {"video_id": vid, "views": 1500}),
    ]


MATRIX = [  # who calls -> what GET and POST endpoints answer
    (None, {"GET": (401, "missing_token"), "POST": (401, "missing_token")}),
    ("bad", {"GET": (401, "invalid_token"), "POST": (401, "invalid_token")}),
    ("revoked", {"GET": (401, "token_revoked"), "POST": (401, "token_revoked")}),
    ("read", {"GET": "allowed", "POST": (403, "insufficient_scope")}),
    ("write", {"GET": "allowed", "POST": "allowed"}),
]


def test_auth_matrix(api, world):
    for who, expect in MATRIX:
        headers = {} if who is None else bearer("vp_not-a-real-token" if who == "bad"
                                                else world[who])
        for method, path, body in _calls(world["vid"]):
            response = api.open(path, method=method, json=body, headers=headers)
            error = (response.get_json().get("error") or {}) if response.is_json else {}
            if expect[method] == "allowed":
                assert response.status_code not in (401, 403), (who, path, response.get_json())
            else:
                assert (response.status_code, error.get("code")) == expect[method], (who, path)
                if response.status_code == 401:
                    assert response.headers["WWW-Authenticate"].startswith("Bearer")
    # Sent some other way than "Bearer <token>", a token counts as none.
    for header in (f"Token {world['read']}", world["read"], "Bearer ", "Basic dXNlcjpwYXNz"):
        refused = api.get("/api/videos/needing-observation", headers={"Authorization": header})
        assert refused.get_json()["error"]["code"] == "missing_token"


def test_a_login_cookie_never_authenticates_the_api(app, api, world):
    Actions(app, api).login("admin@example.com")  # this client now sends the admin's cookies
    response = api.get("/api/videos/needing-observation")
    assert response.status_code == 401 and response.get_json()["error"]["code"] == "missing_token"
    # no CSRF token needed either, since only the bearer token counts
    ok = api.post("/api/observations", json={"video_id": world["vid"], "views": 1100},
                  headers=bearer(world["write"]))
    assert ok.status_code == 201


def test_a_token_records_when_it_was_last_used(app, api, world):
    from webapp.api import tokens

    with app.app_context():
        assert tokens.by_name("reader").last_used_at is None
    api.get("/api/videos/needing-observation", headers=bearer(world["read"]))
    with app.app_context():
        assert tokens.by_name("reader").last_used_at is not None


@pytest.fixture
def limited(app, _instance, sandbox, spec):
    """The same database and Redis, served with rate limits on: 3 requests a minute per token."""
    limited_app = _make_app(_instance, sandbox, app.config["SQLALCHEMY_DATABASE_URI"],
                            RATELIMIT_ENABLED=True, API_RATE_LIMIT="3/minute")
    client = ApiClient(limited_app, limited_app.response_class)
    client.spec = spec
    yield client
    with limited_app.app_context():
        db.engine.dispose()


def test_rate_limits_count_per_token(limited, world):
    path = "/api/videos/needing-observation"
    for _ in range(3):
        assert limited.get(path, headers=bearer(world["read"])).status_code == 200
    refused = limited.get(path, headers=bearer(world["read"]))
    assert refused.status_code == 429
    assert refused.get_json()["error"]["code"] == "rate_limited"
    assert 1 <= int(refused.headers["Retry-After"]) <= 60
    # Another token has its own budget.
    assert limited.get(path, headers=bearer(world["write"])).status_code == 200
