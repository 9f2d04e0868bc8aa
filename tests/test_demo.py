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

    second = runner.invoke(args=["demo", "seed"])
    assert second.exit_code == 0 and "none (already seeded)" in second.output
    with app.app_context():
        assert counts == (db.session.scalar(select(func.count(User.id))),
                          db.session.scalar(select(func.count(Submission.id))))
    act.login("admin@example.com", "demo12345")  # the printed logins really work
