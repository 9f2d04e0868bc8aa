"""The OpenAPI document is valid OpenAPI 3.1, covers every /api route, and every /api response
the API tests receive conforms to it: the `api` client below (used by every tests/test_api_*.py)
validates each answer with openapi-core before the test sees it.

Other API test modules import the fixtures from here (`api`, `token`, `bearer`).
"""
import re

import pytest
from openapi_core import OpenAPI
from openapi_core.contrib.werkzeug import WerkzeugOpenAPIRequest, WerkzeugOpenAPIResponse
from openapi_core.templating.paths.exceptions import OperationNotFound, PathNotFound
from openapi_schema_validator import OAS31Validator
from openapi_spec_validator import validate as validate_spec

from tests.conftest import IsolatedClient
from webapp.api.openapi import document


@pytest.fixture(scope="session")
def spec() -> OpenAPI:
    return OpenAPI.from_dict(document())  # checks the document itself first


class SentRequest(WerkzeugOpenAPIRequest):
    """The request as the response remembers it; its body was already read by the app (and
    checking a response needs only the method, path and query)."""

    @property
    def body(self):
        return None


def check_response(spec: OpenAPI, response) -> None:
    """Fail unless this /api answer is JSON that the document allows, headers included."""
    assert response.mimetype == "application/json", response.get_data(as_text=True)[:200]
    try:
        spec.validate_response(SentRequest(response.request),
                               WerkzeugOpenAPIResponse(response))
    except (PathNotFound, OperationNotFound):
        # Not an endpoint of the document (an unknown path, a method a path does not take, a
        # route a test adds to crash): only errors, in the documented error shape.
        assert response.status_code in (404, 405, 500), response.status_code
        if response.status_code == 405:
            assert response.headers["Allow"]
        OAS31Validator(document()["components"]["schemas"]["Error"]).validate(
            response.get_json())


class ApiClient(IsolatedClient):
    """The test client, validating every /api response against the OpenAPI document."""

    spec: OpenAPI

    def open(self, *args, **kwargs):
        response = super().open(*args, **kwargs)
        if response.request.path == "/api" or response.request.path.startswith("/api/"):
            check_response(self.spec, response)
        return response


@pytest.fixture
def api(app, spec):
    client = ApiClient(app, app.response_class, use_cookies=True)
    client.spec = spec
    return client


def bearer(secret: str) -> dict:
    return {"Authorization": f"Bearer {secret}"}


@pytest.fixture
def token(app):
    """make(name, scope="read", owner_id=None) -> the secret of a new token."""
    from webapp.api import tokens

    def make(name: str, scope: str = "read", owner_id: int | None = None) -> str:
        with app.app_context():
            return tokens.create(name, scope, owner_id=owner_id, actor_id=None, via="test")[1]
    return make


def test_the_document_is_valid_openapi_31_and_public(api):
    validate_spec(document())
    response = api.get("/api/openapi.json")  # no token needed: it holds no data
    assert response.status_code == 200 and response.get_json() == document()
    assert response.get_json()["openapi"].startswith("3.1")


def test_every_api_route_and_method_is_documented(app):
    paths = document()["paths"]
    for rule in app.url_map.iter_rules():
        if not rule.endpoint.startswith("api."):
            continue
        path = re.sub(r"<(?:[^:<>]+:)?([^<>]+)>", r"{\1}", rule.rule)
        assert path in paths, path
        assert rule.methods - {"HEAD", "OPTIONS"} == {m.upper() for m in paths[path]}, path


def test_the_validator_refuses_an_answer_off_the_document(app, spec):
    """The checks above only mean something if a wrong shape fails them."""
    with app.test_request_context("/api/jobs/" + "a" * 32,
                                  headers={"Authorization": "Bearer x"}) as ctx:
        wrong = app.response_class('{"status": "finished", "done": 1, "total": 1, "results": []}',
                                   status=200, mimetype="application/json")
        wrong.request = ctx.request
        with pytest.raises(Exception, match="status|finished|enum"):
            check_response(spec, wrong)
        no_retry_after = app.response_class(
            '{"error": {"code": "rate_limited", "message": "wait"}}', status=429,
            mimetype="application/json")
        no_retry_after.request = ctx.request
        with pytest.raises(Exception, match="Retry-After|header"):
            check_response(spec, no_retry_after)
