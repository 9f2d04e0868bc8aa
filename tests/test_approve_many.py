"""approve_many: an admin's "approve selected" (and the demo load) in one transaction, with every
rule of a single approval: once only, today's rate locked, audited, credited exactly once."""
from decimal import Decimal

import pytest
from sqlalchemy import func, select

from tests import factories
from webapp.audit.models import AuditEvent
from webapp.earnings import rates
from webapp.earnings import services as earnings
from webapp.earnings.models import LedgerEntry
from webapp.extensions import db
from webapp.submissions import services
from webapp.submissions.models import Submission

RATE = Decimal("0.00002489")


def verified(creator, tt, sandbox, views):
    vid = factories.tiktok_video(sandbox, tt["user_id"], views=views)
    sub = services.submit(creator.id, f"https://www.tiktok.com/@{creator.tiktok_handle}/video/{vid}")
    assert services.verify(sub.id) == "pending_review"
    return sub.id


@pytest.fixture
def world(ctx, sandbox):
    sari_tt = factories.tiktok_user(sandbox, "sari.dance")
    sari = factories.creator()
    factories.prove(sari, sari_tt["user_id"])
    rina_tt = factories.tiktok_user(sandbox, "rina.lucu")
    rina = factories.creator("rina@example.com", "rina.lucu")  # unproven: one by one only
    return {"admin": factories.admin(),
            "sari": [verified(sari, sari_tt, sandbox, v) for v in (150_247, 1000, 3)],
            "rina": verified(rina, rina_tt, sandbox, 500), "sari_id": sari.id}


def entries() -> int:
    return db.session.scalar(select(func.count(LedgerEntry.id)))


def test_bulk_approval_locks_the_rate_audits_and_credits_each_once(world, runner):
    sari = world["sari"]
    approved, skipped = services.approve_many([*sari, sari[0], world["rina"], 999_999],
                                              world["admin"].id)
    assert approved == sari  # in the order asked, a repeated id once
    assert skipped == [world["rina"], 999_999]  # unproven creator; no such submission
    db.session.expire_all()
    for sub_id in sari:
        sub = db.session.get(Submission, sub_id)
        assert (sub.status, sub.rate, sub.reviewed_by_id) == ("approved", RATE, world["admin"].id)
        assert sub.next_refresh_at is not None
    assert db.session.get(Submission, world["rina"]).status == "pending_review"
    audited = db.session.scalars(select(AuditEvent.submission_id).where(
        AuditEvent.action == "approve").order_by(AuditEvent.submission_id)).all()
    assert audited == sari
    assert earnings.balance(world["sari_id"]) == (150_247 + 1000 + 3) * RATE

    # Replayed (a double click, a second admin, a retried request): nothing moves again.
    before = entries()
    assert services.approve_many(sari, world["admin"].id) == ([], sari)
    assert entries() == before
    assert earnings.balance(world["sari_id"]) == (150_247 + 1000 + 3) * RATE
    result = runner.invoke(args=["ledger", "verify"])
    assert result.exit_code == 0, result.output


def test_each_video_keeps_the_rate_in_force_when_it_was_approved(world):
    admin = world["admin"]
    first, second, _ = world["sari"]
    services.approve_many([first], admin.id)
    rates.set_rate(Decimal("0.00005"), admin.id)
    services.approve_many([second], admin.id)
    db.session.expire_all()
    assert db.session.get(Submission, first).rate == RATE
    assert db.session.get(Submission, second).rate == Decimal("0.00005")
    assert earnings.balance(world["sari_id"]) == 150_247 * RATE + 1000 * Decimal("0.00005")


def test_the_system_approves_through_the_same_rules(world):
    approved, skipped = services.approve_many(world["sari"][:1], None, action="auto_approve",
                                              after_hours=24)
    assert (approved, skipped) == (world["sari"][:1], [])
    event = db.session.scalar(select(AuditEvent).where(AuditEvent.action == "auto_approve"))
    assert (event.actor_id, event.submission_id) == (None, world["sari"][0])
