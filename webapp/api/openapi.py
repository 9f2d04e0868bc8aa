"""The API's contract: an OpenAPI 3.1 document of every endpoint, served at /api/openapi.json.

The tests validate every /api response they receive against it (tests/test_api_openapi.py), so
a change of shape here or in a view that the other does not follow fails them.
"""
from webapp.api.batches import MAX_URLS

NULLABLE_INT = {"type": ["integer", "null"]}
NULLABLE_STR = {"type": ["string", "null"]}
NULLABLE_TIME = {"type": ["string", "null"], "format": "date-time"}
VIDEO_ID = {"type": "string", "pattern": "^[0-9]{1,20}$",
            "description": "TikTok's id, a string: it exceeds 2^53."}

ERROR_CODES = """Stable error codes (the message is English and may change):
`bad_request` (400); `missing_token`, `invalid_token`, `token_revoked` (401); `insufficient_scope`,
`admin_token_required` (403); `not_found` (404); `method_not_allowed` (405);
`needs_confirmation`, `not_tracked` (409); `too_large`, `too_many_urls` (413);
`invalid_json`, `invalid_request`, `invalid_views`, `invalid_likes`, `invalid_note`,
`invalid_observed_at`, `stale_observation`, `invalid_url` (422); `rate_limited` (429, with Retry-After);
`internal_error` (500); `refresh_failed` (502)."""

SCHEMAS = {
    "Error": {
        "type": "object", "required": ["error"], "description": ERROR_CODES,
        "properties": {
            "error": {"type": "object", "required": ["code", "message"],
                      "additionalProperties": False,
                      "properties": {"code": {"type": "string", "pattern": "^[a-z_]+$"},
                                     "message": {"type": "string"}}},
            "views_before": {"type": "integer",
                             "description": "needs_confirmation: the count recorded now."},
            "reason": {"type": "string",
                       "description": "refresh_failed, invalid_url: what went wrong, as a code."},
        },
    },
    "Video": {
        "type": "object", "additionalProperties": False,
        "required": ["video_id", "views", "creator", "title", "created_at", "last_view_update",
                     "status", "source", "exact", "earnings"],
        "properties": {
            "video_id": VIDEO_ID,
            "views": NULLABLE_INT,
            "creator": {**NULLABLE_STR, "examples": ["@sari.dance"]},
            "title": NULLABLE_STR,
            "created_at": {"type": "string", "format": "date-time",
                           "description": "When the video was posted (Jakarta time)."},
            "last_view_update": NULLABLE_TIME,
            "status": {"type": "string", "enum": [
                "checking", "pending_review", "not_yours", "not_found", "check_failed",
                "approved", "rejected", "superseded"]},
            "source": {"type": ["string", "null"],
                       "enum": ["display", "page", "oembed", "manual", "extension", None]},
            "exact": {"type": ["boolean", "null"],
                      "description": "false: TikTok's rounded count, shown but never paid on."},
            "earnings": {"type": "string", "pattern": r"^-?[0-9]+\.[0-9]{8}$",
                         "description": "Rupiah earned by the video, exact (8 places).",
                         "examples": ["3.73964783"]},
        },
    },
    "BatchRequest": {
        "type": "object", "required": ["video_urls"],
        "properties": {"video_urls": {
            "type": "array", "minItems": 1, "maxItems": MAX_URLS, "items": {"type": "string"},
            "description": "Any URL form a phone gives, share text and short links included "
                           f"(vm/vt.tiktok.com, resolved by the job). More than {MAX_URLS}: 413."}},
    },
    "BatchAccepted": {
        "type": "object", "additionalProperties": False,
        "required": ["job_id", "accepted", "rejected"],
        "properties": {
            "job_id": {"type": "string", "pattern": "^[0-9a-f]{32}$"},
            "accepted": {"type": "array", "items": {
                "type": "object", "required": ["url", "video_id"], "additionalProperties": False,
                "properties": {"url": {"type": "string"}, "video_id": {
                    "type": ["string", "null"],
                    "description": "null for a short link: the job resolves it."}}}},
            "rejected": {"type": "array", "items": {
                "type": "object", "required": ["url", "reason"], "additionalProperties": False,
                "properties": {"url": {"type": "string"}, "reason": {
                    "type": "string", "description": "not_tiktok, profile_not_video, bad_id, "
                                                     "no_video, malformed, scheme, empty, ..."}}}},
        },
    },
    "Job": {
        "type": "object", "additionalProperties": False,
        "required": ["status", "done", "total", "results"],
        "properties": {
            "status": {"type": "string", "enum": ["queued", "running", "done"]},
            "done": {"type": "integer", "minimum": 0},
            "total": {"type": "integer", "minimum": 0},
            "results": {"type": "array", "items": {
                "type": "object", "additionalProperties": False,
                "required": ["url", "video_id", "views", "exact", "error"],
                "properties": {
                    "url": {"type": "string"}, "video_id": NULLABLE_STR, "views": NULLABLE_INT,
                    "exact": {"type": ["boolean", "null"]},
                    "error": {**NULLABLE_STR, "description":
                              "null, or why there is no count: throttled, rate_limited, "
                              "blocked, not_found, private, short_not_found, not_processed "
                              "(the job failed for good before this URL), ..."}}}},
        },
    },
    "ObservationRequest": {
        "type": "object", "required": ["views"],
        "description": "video_id or url names the video.",
        "properties": {
            "video_id": VIDEO_ID, "url": {"type": "string"},
            "views": {"type": "integer", "minimum": 0},
            "likes": {"type": "integer", "minimum": 0},
            "observed_at": {"type": "string", "format": "date-time"},
            "note": {"type": "string", "maxLength": 300},
            "confirm_decrease": {"type": "boolean"},
        },
    },
    "Observation": {
        "type": "object", "required": ["observation"], "additionalProperties": False,
        "properties": {"observation": {
            "type": "object", "additionalProperties": False,
            "required": ["id", "video_id", "views", "state", "source", "observed_at"],
            "properties": {
                "id": {"type": "integer"}, "video_id": VIDEO_ID,
                "views": {"type": "integer", "minimum": 0},
                "state": {"type": "string", "enum": ["recorded", "proposed"], "description":
                          "proposed: above a four-eyes threshold, waits for a second admin."},
                "source": {"const": "extension"},
                "observed_at": {"type": "string", "format": "date-time"}}}},
    },
    "NeedingObservation": {
        "type": "object", "required": ["videos"], "additionalProperties": False,
        "properties": {"videos": {"type": "array", "items": {
            "type": "object", "additionalProperties": False,
            "required": ["video_id", "url", "creator", "views", "last_view_update",
                         "last_fetch_error", "refresh_failures"],
            "properties": {
                "video_id": VIDEO_ID, "url": {"type": "string", "format": "uri"},
                "creator": NULLABLE_STR, "views": NULLABLE_INT,
                "last_view_update": NULLABLE_TIME, "last_fetch_error": NULLABLE_STR,
                "refresh_failures": {"type": "integer", "minimum": 0}}}}},
    },
}

_HEADER = {"schema": {"type": "string"}, "required": True}
RESPONSES = {
    "BadRequest": ("The request is malformed (a NUL byte, say).", {}),
    "Unauthorized": ("No token, an unknown one, or a revoked one.",
                     {"WWW-Authenticate": _HEADER}),
    "Forbidden": ("The token's scope (or owner) does not allow this.", {}),
    "NotFound": ("No such object.", {}),
    "Conflict": ("The request conflicts with the object's state.", {}),
    "TooLarge": ("The body is over the size limit (or too many URLs).", {}),
    "Unprocessable": ("The body or a parameter is not valid; nothing was changed.", {}),
    "RateLimited": ("This token's rate limit, or the shared TikTok budget, is spent.",
                    {"Retry-After": {**_HEADER, "description": "Seconds to wait."}}),
    "InternalError": ("Something went wrong on our side.", {}),
    "BadGateway": ("TikTok gave no count.", {}),
}
_STATUS_OF = {"400": "BadRequest", "401": "Unauthorized", "403": "Forbidden", "404": "NotFound",
              "409": "Conflict", "413": "TooLarge", "422": "Unprocessable", "429": "RateLimited",
              "500": "InternalError", "502": "BadGateway"}


def _ok(status: str, description: str, schema: str, headers: dict | None = None) -> dict:
    answer = {"description": description, "content": {
        "application/json": {"schema": {"$ref": f"#/components/schemas/{schema}"}}}}
    if headers:
        answer["headers"] = headers
    return {status: answer}


def _errors(*statuses: str) -> dict:
    return {s: {"$ref": f"#/components/responses/{_STATUS_OF[s]}"}
            for s in ("400", "401", "429", "500", *statuses)}


def _operation(summary: str, scope: str, answers: dict, **extra) -> dict:
    return {"summary": summary, "security": [{"bearerAuth": [scope]}],
            "responses": answers, **extra}


def _query(name: str, schema: dict, description: str) -> dict:
    return {"name": name, "in": "query", "required": False, "schema": schema,
            "description": description}


def _body(schema: str) -> dict:
    return {"required": True, "content": {"application/json": {
        "schema": {"$ref": f"#/components/schemas/{schema}"}}}}


def document() -> dict:
    json_error = {"application/json": {"schema": {"$ref": "#/components/schemas/Error"}}}
    return {
        "openapi": "3.1.0",
        "info": {"title": "ViewPay API", "version": "1.0.0", "description":
                 "Bearer tokens (`flask --app wsgi api create-token NAME`, or the admins' "
                 "API tokens page). Read scope: GET; write scope: batch-views and "
                 "observations. Every error is JSON: " + ERROR_CODES},
        "servers": [{"url": "/"}],
        "paths": {
            "/api/tiktok/video/{video_id}": {"get": _operation(
                "One tracked video", "read",
                {**_ok("200", "The video.", "Video"), **_errors("403", "404", "409", "422", "502")},
                parameters=[
                    {"name": "video_id", "in": "path", "required": True, "schema": VIDEO_ID},
                    _query("refresh", {"type": "string", "enum": ["true", "false", "1", "0"]},
                           "true: fetch the count now (approved videos; within the shared "
                           "TikTok budget, else 429 with Retry-After).")])},
            "/api/tiktok/batch-views": {"post": _operation(
                "Look up many videos' views", "write",
                {**_ok("202", "Queued; poll the job.", "BatchAccepted",
                       {"Location": {**_HEADER, "description": "/api/jobs/{job_id}"}}),
                 **_errors("403", "413", "422")},
                requestBody=_body("BatchRequest"),
                description="Tracked (approved) videos are refreshed through the normal path "
                            "(stored and credited); others are looked up and only reported.")},
            "/api/jobs/{job_id}": {"get": _operation(
                "A batch job's progress and results (kept 24 h)", "read",
                {**_ok("200", "The job.", "Job"), **_errors("404")},
                parameters=[{"name": "job_id", "in": "path", "required": True,
                             "schema": {"type": "string"}}])},
            "/api/observations": {"post": _operation(
                "Enter a count an admin saw (browser extension)", "write",
                {**_ok("201", "Recorded, or proposed for a second admin.", "Observation"),
                 **_errors("403", "404", "409", "413", "422")},
                requestBody=_body("ObservationRequest"),
                description="The token must belong to an admin. Every manual-entry rule "
                            "applies; a decrease needs confirm_decrease (409 otherwise).")},
            "/api/videos/needing-observation": {"get": _operation(
                "Approved videos whose automatic fetch is failing or blocked", "read",
                {**_ok("200", "Oldest update first.", "NeedingObservation"),
                 **_errors("403", "422")},
                parameters=[_query("limit", {"type": "integer", "minimum": 1, "maximum": 500,
                                             "default": 50}, "How many (1-500).")])},
            "/api/openapi.json": {"get": {
                "summary": "This document", "security": [],
                "responses": {"200": {"description": "OpenAPI 3.1", "content": {
                    "application/json": {"schema": {"type": "object"}}}},
                    "429": {"$ref": "#/components/responses/RateLimited"}}}},
        },
        "components": {
            "securitySchemes": {"bearerAuth": {"type": "http", "scheme": "bearer"}},
            "schemas": SCHEMAS,
            "responses": {name: {"description": text, "content": json_error,
                                 **({"headers": headers} if headers else {})}
                          for name, (text, headers) in RESPONSES.items()},
        },
    }
