"""API tokens from the shell (`flask api ...`) and from the admins' page: shown once, stored as a
hash, revoked at once, audited."""
import re

from sqlalchemy import select

from tests import factories
from tests.conftest import Actions
from tests.test_api_openapi import api, bearer, spec  # noqa: F401
from webapp.api.models import ApiToken
from webapp.audit.models import AuditEvent
from webapp.extensions import db

NEEDING = "/api/videos/needing-observation"


def _events(app) -> list[tuple]:
    with app.app_context():
        return [(e.actor_id, e.action) for e in db.session.scalars(
            select(AuditEvent).where(AuditEvent.subject_type == "api_token")
            .order_by(AuditEvent.id))]


def test_the_cli_makes_lists_and_revokes_tokens(app, api, runner):
    with app.app_context():
        factories.admin()
        factories.creator()
        db.session.remove()
    made = runner.invoke(args=["api", "create-token", "extension", "--scope", "write",
                               "--admin", "admin@example.com"])
    assert made.exit_code == 0, made.output
    secret = made.output.strip().splitlines()[-1]  # the token alone on the last line
    assert re.fullmatch(r"vp_[A-Za-z0-9_-]{43}", secret)
    with app.app_context():
        stored = db.session.scalars(select(ApiToken)).one()
        assert stored.token_hash != secret and secret not in stored.token_hash
        assert stored.scope == "write" and stored.owner.email == "admin@example.com"
    assert api.get(NEEDING, headers=bearer(secret)).status_code == 200

    reader = runner.invoke(args=["api", "create-token", "dashboards"])  # read by default
    assert reader.exit_code == 0
    listed = runner.invoke(args=["api", "list-tokens"])
    assert listed.exit_code == 0 and secret not in listed.output
    lines = listed.output.strip().splitlines()
    assert lines[0].split("\t")[:3] == ["dashboards", "read", "-"]
    assert lines[1].split("\t")[:3] == ["extension", "write", "admin@example.com"]
    assert "active" in lines[1] and "used never" not in lines[1]  # it was used above

    for args, message in [(["create-token", "extension"], "already exists"),
                          (["create-token", "x y"], "letters, digits"),
                          (["create-token", "other", "--admin", "sari@example.com"],
                           "not an admin"),
                          (["create-token", "other", "--scope", "admin"], "Invalid value"),
                          (["revoke-token", "nobody"], "No token")]:
        refused = runner.invoke(args=["api", *args])
        assert refused.exit_code != 0 and message in refused.output, (args, refused.output)

    revoked = runner.invoke(args=["api", "revoke-token", "extension"])
    assert revoked.exit_code == 0 and "revoked" in revoked.output
    answer = api.get(NEEDING, headers=bearer(secret))
    assert answer.status_code == 401 and answer.get_json()["error"]["code"] == "token_revoked"
    again = runner.invoke(args=["api", "revoke-token", "extension"])
    assert again.exit_code != 0 and "already revoked" in again.output
    assert _events(app) == [(None, "api_token_created"), (None, "api_token_created"),
                            (None, "api_token_revoked")]


def _secret_on(html: str) -> str | None:
    found = re.search(r'id="new-token-value"[^>]*value="([^"]+)"', html)
    return found and found.group(1)


def test_admins_make_and_revoke_tokens_on_their_page(app, client, api):
    with app.app_context():
        admin_id = factories.admin().id
        factories.creator()
        db.session.remove()
    act = Actions(app, client)
    act.login("admin@example.com")
    act.english()  # the assertions read the English texts
    assert 'href="/admin/api-tokens"' in client.get("/admin/operations").get_data(as_text=True)
    page = client.get("/admin/api-tokens")
    assert page.status_code == 200 and _secret_on(page.get_data(as_text=True)) is None

    token = re.search(r'name="csrf_token" type="hidden" value="([^"]+)"',
                      page.get_data(as_text=True)).group(1)
    bad = client.post("/admin/api-tokens", data={"name": "no spaces please", "scope": "write",
                                                 "csrf_token": token})
    assert bad.status_code == 422 and 'role="alert"' in bad.get_data(as_text=True)
    made = client.post("/admin/api-tokens", data={"name": "laptop", "scope": "write",
                                                  "csrf_token": token})
    secret = _secret_on(made.get_data(as_text=True))
    assert made.status_code == 200 and secret
    assert _secret_on(client.get("/admin/api-tokens").get_data(as_text=True)) is None  # once
    assert secret not in client.get("/admin/api-tokens").get_data(as_text=True)

    # The token acts for this admin: it may enter observations.
    listed = api.get(NEEDING, headers=bearer(secret))
    assert listed.status_code == 200
    with app.app_context():
        stored = db.session.scalars(select(ApiToken).where(ApiToken.name == "laptop")).one()
        assert stored.owner_id == admin_id and stored.scope == "write"
        token_id = stored.id
    taken = client.post("/admin/api-tokens", data={"name": "laptop", "scope": "read",
                                                   "csrf_token": token})
    assert taken.status_code == 422 and _secret_on(taken.get_data(as_text=True)) is None

    revoked = client.post(f"/admin/api-tokens/{token_id}/revoke", data={"csrf_token": token})
    assert revoked.status_code == 303
    assert api.get(NEEDING, headers=bearer(secret)).status_code == 401
    assert "revoked" in client.get("/admin/api-tokens").get_data(as_text=True).lower()
    assert _events(app) == [(admin_id, "api_token_created"), (admin_id, "api_token_revoked")]
    assert "api_token_created<br>" not in client.get("/admin/audit").get_data(as_text=True)

    act.logout()
    act.login("sari@example.com")  # a creator
    assert client.get("/admin/api-tokens").status_code == 403
    assert client.post(f"/admin/api-tokens/{token_id}/revoke",
                       data={"csrf_token": token}).status_code in (400, 403)
