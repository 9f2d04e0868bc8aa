"""The admin audit trail page: events recorded by the real services, listed, filtered, safe."""
from decimal import Decimal

import pytest
from sqlalchemy import delete, select, update
from sqlalchemy.exc import DBAPIError

from tests import factories
from tests.conftest import csrf_token
from webapp.audit import services as audit
from webapp.audit.models import AuditEvent
from webapp.earnings import rates
from webapp.extensions import db
from webapp.submissions import services as submissions

HOSTILE_REASON = "<b>not yours</b>"


def _event_id(action: str, actor_id=...) -> int:
    query = select(AuditEvent.id).where(AuditEvent.action == action)
    if actor_id is not ...:
        query = query.where(AuditEvent.actor_id.is_(actor_id) if actor_id is None
                            else AuditEvent.actor_id == actor_id)
    return db.session.scalar(query.order_by(AuditEvent.id.desc()))


@pytest.fixture
def trail(app, sandbox):
    """Sari's video approved, Budi's rejected, a rate set by each admin, a system decision and
    an action this page does not know yet. Returns the event ids by name."""
    with app.app_context():
        sari = factories.approved_video(sandbox, handle="sari.dance")
        budi = factories.creator("budi@example.com", handle="budi.vlog")
        tt = factories.tiktok_user(sandbox, "budi.vlog")
        vid = factories.tiktok_video(sandbox, tt["user_id"])
        budi_sub = submissions.submit(budi.id, f"https://www.tiktok.com/@budi.vlog/video/{vid}").id
        submissions.verify(budi_sub)
        submissions.reject(budi_sub, sari["admin_id"], HOSTILE_REASON)
        ops = factories.admin("ops@example.com")
        rates.set_rate(Decimal("0.00003"), sari["admin_id"])
        rates.set_rate(Decimal("0.00004"), ops.id)
        audit.record(None, "auto_approve", "submission", sari["sub_id"],
                              creator_id=sari["creator_id"], submission_id=sari["sub_id"])
        audit.record(None, "mystery_action", "widget", 7, note="future")
        db.session.commit()
        return {
            "approve": _event_id("approve"), "reject": _event_id("reject"),
            "rate_admin": _event_id("set_rate", sari["admin_id"]),
            "rate_ops": _event_id("set_rate", ops.id),
            "auto": _event_id("auto_approve"), "mystery": _event_id("mystery_action"),
            "sari_vid": sari["vid"], "sari_sub": sari["sub_id"], "budi_sub": budi_sub,
        }


def _admin_in_english(act):
    act.login("admin@example.com")
    act.client.post("/lang/en", data={"csrf_token": csrf_token(act.client), "next": "/"})


def _listed(html: str, trail: dict) -> set[str]:
    names = ("approve", "reject", "rate_admin", "rate_ops", "auto", "mystery")
    return {name for name in names if f'id="audit-{trail[name]}"' in html}


def test_the_page_lists_every_event_in_words_newest_first(act, trail):
    _admin_in_english(act)
    response = act.client.get("/admin/audit")
    html = response.get_data(as_text=True)
    assert response.status_code == 200
    assert _listed(html, trail) == {"approve", "reject", "rate_admin", "rate_ops", "auto", "mystery"}
    for label in ("Approved a video", "Rejected a video", "Set the rate for new approvals",
                  "Approved a video automatically", "System"):
        assert label in html
    assert "mystery_action" in html  # an unknown action shows its raw code
    assert html.index(f'id="audit-{trail["mystery"]}"') < html.index(f'id="audit-{trail["approve"]}"')
    assert f'href="/admin/money/videos/{trail["sari_sub"]}"' in html and trail["sari_vid"] in html
    assert "sari@example.com" in html and "budi@example.com" in html
    assert "Rate per view:" in html and "0.00003" in html
    assert HOSTILE_REASON not in html and "&lt;b&gt;not yours&lt;/b&gt;" in html
    assert 'href="/admin/audit"' in html  # the nav link


@pytest.mark.parametrize("query, expected", [
    ("actor=system", {"auto", "mystery"}),
    ("actor=admin@example.com", {"approve", "reject", "rate_admin"}),
    ("actor=ADMIN@Example.com", {"approve", "reject", "rate_admin"}),
    ("actor=ops@example.com", {"rate_ops"}),
    ("actor=nobody@example.com", set()),
    ("creator=sari@example.com", {"approve", "auto"}),
    ("creator=budi@example.com", {"reject"}),
    ("kind=set_rate", {"rate_admin", "rate_ops"}),
    ("kind=approve", {"approve"}),
    ("kind=approve&creator=budi@example.com", set()),
    ("kind=set_rate&actor=ops@example.com", {"rate_ops"}),
])
def test_each_filter_narrows(act, trail, query, expected):
    _admin_in_english(act)
    response = act.client.get(f"/admin/audit?{query}")
    assert response.status_code == 200
    assert _listed(response.get_data(as_text=True), trail) == expected


def test_the_video_filter_takes_a_tiktok_id_a_link_or_a_submission_number(act, trail):
    _admin_in_english(act)
    for value in (trail["sari_vid"], f"https://www.tiktok.com/@sari.dance/video/{trail['sari_vid']}",
                  str(trail["sari_sub"])):
        html = act.client.get("/admin/audit", query_string={"video": value}).get_data(as_text=True)
        assert _listed(html, trail) == {"approve", "auto"}, value
    html = act.client.get(f"/admin/audit?video={trail['budi_sub']}").get_data(as_text=True)
    assert _listed(html, trail) == {"reject"}
    html = act.client.get("/admin/audit?video=123456789012345678").get_data(as_text=True)
    assert _listed(html, trail) == set() and "No events match these filters." in html


def test_htmx_filtering_gets_only_the_results_fragment(act, trail):
    _admin_in_english(act)
    response = act.hx_get("/admin/audit?kind=reject")
    html = response.get_data(as_text=True)
    assert response.status_code == 200 and "HX-Request" in response.headers["Vary"]
    assert html.lstrip().startswith('<div id="audit-results">') and "<html" not in html
    assert _listed(html, trail) == {"reject"}
    full = act.hx_get("/admin/audit?kind=reject", **{"HX-History-Restore-Request": "true"})
    assert "<html" in full.get_data(as_text=True)


def test_pages_are_stable_and_keep_the_filters(app, act, trail):
    with app.app_context():
        for n in range(60):
            audit.record(None, "mystery_action", "widget", n)
        db.session.commit()
        expected = list(db.session.scalars(
            select(AuditEvent.id).where(AuditEvent.action == "mystery_action")
            .order_by(AuditEvent.id.desc())))
    _admin_in_english(act)
    first = act.client.get("/admin/audit?kind=mystery_action").get_data(as_text=True)
    second = act.client.get("/admin/audit?kind=mystery_action&page=2").get_data(as_text=True)
    on_first = [i for i in expected if f'id="audit-{i}"' in first]
    on_second = [i for i in expected if f'id="audit-{i}"' in second]
    assert on_first == expected[:50] and on_second == expected[50:]
    assert "page=2" in first and "kind=mystery_action" in first
    assert act.client.get("/admin/audit?kind=mystery_action&page=3").status_code == 404


@pytest.mark.parametrize("query", [
    "page=abc", "page=-3", "page=0", "page=1.5", "page=99999999999999999999", "page=" + "9" * 5000,
    "video=<script>alert(1)</script>", "actor=<script>alert(1)</script>",
    "creator=<script>alert(1)</script>", "kind=<script>alert(1)</script>",
    "creator=' OR 1=1 --", "video=1%00", "video=" + "1" * 400, "video=%D9%A3",
])
def test_hostile_parameters_never_500_or_reflect_html(act, trail, query):
    _admin_in_english(act)
    response = act.client.get(f"/admin/audit?{query}")
    assert response.status_code in (200, 400, 404)  # 400: a NUL byte (webapp.bounds)
    html = response.get_data(as_text=True)
    assert "<script>alert(1)</script>" not in html
    if response.status_code == 200 and "<script>" in query:
        assert "&lt;script&gt;alert(1)&lt;/script&gt;" in html  # shown back, escaped
        assert _listed(html, trail) == set()


def test_creators_and_visitors_are_kept_out(app, act, trail):
    assert act.client.get("/admin/audit").status_code == 302
    assert act.hx_get("/admin/audit").status_code == 401
    act.login("sari@example.com")
    assert act.client.get("/admin/audit").status_code == 403


def test_the_database_refuses_to_change_or_delete_an_event(app, trail):
    with app.app_context():
        with pytest.raises(DBAPIError):
            db.session.execute(update(AuditEvent).where(AuditEvent.id == trail["reject"])
                               .values(detail='{"reason": "edited"}'))
            db.session.flush()
        db.session.rollback()
        with pytest.raises(DBAPIError):
            db.session.execute(delete(AuditEvent).where(AuditEvent.id == trail["reject"]))
            db.session.flush()
        db.session.rollback()
        assert "not yours" in db.session.get(AuditEvent, trail["reject"]).detail


def test_payout_and_bank_events_are_found_by_their_creator(app, act, trail):
    from tests.test_earnings_services import earn, key, new_creator, with_bank
    from webapp.earnings import payouts

    with app.app_context():
        rich = new_creator("audit")
        earn(rich, 1_000_000_000)
        with_bank(rich)
        payout = payouts.request_payout(rich.id, Decimal(20_000), key())
        admin_id = _event_actor(trail["approve"])
        payouts.approve(payout.id, admin_id)
        email = rich.email
        ids = {"bank": _event_id("bank_details", rich.id),
               "payout": _event_id("payout_approve", admin_id)}
    _admin_in_english(act)
    html = act.client.get("/admin/audit", query_string={"creator": email}).get_data(as_text=True)
    assert all(f'id="audit-{i}"' in html for i in ids.values())
    assert _listed(html, trail) == set()
    assert "Approved a payout" in html and "Saved bank details" in html
    others = act.client.get("/admin/audit?creator=sari@example.com").get_data(as_text=True)
    assert not any(f'id="audit-{i}"' in others for i in ids.values())


def _event_actor(event_id: int) -> int:
    return db.session.get(AuditEvent, event_id).actor_id
