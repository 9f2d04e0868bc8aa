"""The views field reads what people type, and refuses everything else with one message each."""
import pytest

from tests import factories
from tests.conftest import csrf_token
from webapp.tracking.errors import InvalidViews
from webapp.tracking.views_input import parse_views

NBSP, NARROW_NBSP = "\u00a0", "\u202f"


@pytest.mark.parametrize("text, views", [
    ("50.000", 50_000), ("50,000", 50_000), ("50000", 50_000), (" 50 000 ", 50_000),
    (f"50{NBSP}000", 50_000), (f"50{NARROW_NBSP}000", 50_000), ("1.250.000", 1_250_000),
    ("1,250,000", 1_250_000), ("1 250 000", 1_250_000), ("0", 0), ("7", 7),
    ("50.000.000.000", 50_000_000_000),  # exactly MAX_PLAUSIBLE_VIEWS
])
def test_accepts_what_people_type(ctx, text, views):
    assert parse_views(text) == views


@pytest.mark.parametrize("text, code", [
    ("", "empty"), ("   ", "empty"), (None, "empty"),
    ("abc", "not_number"), ("50K", "not_number"), ("1.5M", "not_number"), ("+5", "not_number"),
    ("-5", "negative"), ("\u22125", "negative"), ("- 50.000", "negative"),
    ("50,5", "decimal"), ("1.5", "decimal"), ("12.3456", "decimal"), ("0,500", "decimal"),
    ("1.234,5", "decimal"), (".5", "decimal"),
    ("1.23.456", "grouping"), ("1,234.567", "grouping"), ("5 0000", "grouping"),
    ("50.000.000.001", "absurd"), ("99999999999999", "absurd"), ("9" * 5000, "absurd"),
])
def test_refuses_with_one_reason(ctx, text, code):
    with pytest.raises(InvalidViews) as refused:
        parse_views(text)
    assert refused.value.code == code


def test_the_limit_can_be_passed_in(ctx):
    with pytest.raises(InvalidViews):
        parse_views("1.001", max_views=1000)


@pytest.fixture
def approved(app, sandbox):
    with app.app_context():
        return factories.approved_video(sandbox, views=10_000)


def _post(act, sub_id, views):
    return act.hx_post(f"/admin/videos/{sub_id}/views",
                       {"views": views, "reason_code": "fetch_blocked", "note": "blocked"})


@pytest.mark.parametrize("views, message", [
    ("abc", "Type the exact count in digits, like 50,000 (not 50K)."),
    ("-5", "A view count cannot be negative."),
    ("1,5", "A view count must be a whole number."),
])
def test_the_form_says_what_is_wrong_in_english(act, approved, views, message):
    act.login("admin@example.com")
    act.client.post("/lang/en", data={"csrf_token": csrf_token(act.client), "next": "/admin/videos"})
    response = _post(act, approved["sub_id"], views)
    assert response.status_code == 422
    html = response.get_data(as_text=True)
    assert message in html and html.count('role="alert"') == 1


@pytest.mark.parametrize("views, message", [
    ("-5", "Jumlah tayangan tidak boleh negatif."),
    ("1,5", "Jumlah tayangan harus bilangan bulat."),
])
def test_the_form_says_it_in_indonesian_by_default(act, approved, views, message):
    act.login("admin@example.com")
    response = _post(act, approved["sub_id"], views)
    assert response.status_code == 422 and message in response.get_data(as_text=True)


def test_the_field_asks_for_a_numeric_keyboard(act, approved):
    act.login("admin@example.com")
    html = act.hx_get(f"/admin/videos/{approved['sub_id']}/views").get_data(as_text=True)
    assert 'name="views"' in html and 'inputmode="numeric"' in html and 'type="text"' in html
