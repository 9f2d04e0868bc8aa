"""`flask demo seed` builds every state through the real services, once."""
import requests
from sqlalchemy import func, select

from webapp.auth.models import User
from webapp.extensions import db
from webapp.submissions.models import Submission


def test_demo_seed_is_idempotent_and_prints_logins(app, runner, sandbox, act):
    requests.post(sandbox.base_url + "/_sandbox/seed", json={}, timeout=5).raise_for_status()
    first = runner.invoke(args=["demo", "seed"])
    assert first.exit_code == 0, first.output
    assert "admin@example.com" in first.output and "demo12345" in first.output
    with app.app_context():
        statuses = dict(db.session.execute(
            select(Submission.status, func.count()).group_by(Submission.status)).all())
        counts = (db.session.scalar(select(func.count(User.id))),
                  db.session.scalar(select(func.count(Submission.id))))
    for state in ("approved", "pending_review", "not_found", "not_yours", "rejected", "checking"):
        assert statuses.get(state), (state, statuses)
    assert "proven by bio code" in first.output
    with app.app_context():
        from webapp.tracking.models import Flag

        sari = db.session.scalar(select(User).where(User.email == "sari@example.com"))
        assert sari.identity_proven  # through the real bio-code flow, over HTTP
        # budi's approved video waits for his proof; sari's money only for the window.
        held_for = set(db.session.scalars(select(Flag.creator_id).where(Flag.status == "open")))
        assert sari.id not in held_for and held_for
        # rina's own video is hers even though budi submitted it first (his claim ended).
        assert db.session.scalar(select(func.count(Submission.id)).where(
            Submission.video_id == "7659660568234564903")) == 2

    second = runner.invoke(args=["demo", "seed"])
    assert second.exit_code == 0 and "none (already seeded)" in second.output
    with app.app_context():
        assert counts == (db.session.scalar(select(func.count(User.id))),
                          db.session.scalar(select(func.count(Submission.id))))
    act.login("admin@example.com", "demo12345")  # the printed logins really work
