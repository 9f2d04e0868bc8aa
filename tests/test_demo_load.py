"""`flask demo load` builds proven creators and approved, tracked videos through the real services
and the sandbox (over HTTP, in forked load processes), and adds more when run again."""
from collections import Counter

from rq.job import Job
from sqlalchemy import func, select

from webapp.auth.models import User
from webapp.extensions import db, jobqueue
from webapp.submissions.models import Submission
from webapp.tracking.models import ViewSnapshot


def _load(runner, *args):
    result = runner.invoke(args=["demo", "load", *args])
    assert result.exit_code == 0, result.output
    return result.output


def _loaded(app):
    with app.app_context():
        creators = list(db.session.scalars(
            select(User).where(User.email.like("load%@example.com")).order_by(User.id)))
        subs = list(db.session.scalars(select(Submission).order_by(Submission.id)))
        snapshots = db.session.scalar(select(func.count(ViewSnapshot.id)))
        waiting = [s.id for s in subs if jobqueue.connection.exists(Job.key_for(f"verify-{s.id}"))]
        return ([(c.email, c.identity_proven) for c in creators],
                [(s.creator_id, s.status, s.next_refresh_at is not None, s.credited_views)
                 for s in subs], snapshots, waiting)


def test_demo_load_makes_approved_tracked_videos_over_proven_creators_and_adds_more(
        app, runner):
    output = _load(runner, "--videos", "7", "--creators", "3", "--processes", "2")
    assert "7/7 videos" in output and "7 approved and tracked, 0 waiting for review" in output
    creators, subs, snapshots, waiting = _loaded(app)
    assert sorted(creators) == [(f"load{n}@example.com", True) for n in (1, 2, 3)]  # bio codes
    assert sorted(Counter(s[0] for s in subs).values()) == [2, 2, 3]  # spread as evenly as can be
    # Approved and due for refresh, each with the counts verification fetched and the money
    # approval credited for them.
    assert all(status == "approved" and tracked and credited >= 1000
               for _, status, tracked, credited in subs)
    assert snapshots == 7
    assert waiting == []  # verified here: no verify job left for a worker to fork for
    assert runner.invoke(args=["ledger", "verify"]).exit_code == 0

    output = _load(runner, "--videos", "3", "--creators", "1", "--pending", "1",
                   "--processes", "1")
    assert "2 approved and tracked, 1 waiting for review" in output
    creators, subs, _, _ = _loaded(app)
    assert sorted(creators)[-1] == ("load4@example.com", True)  # numbered on
    assert Counter(status for _, status, _, _ in subs) == {"approved": 9, "pending_review": 1}
    verify = runner.invoke(args=["ledger", "verify"])
    assert verify.exit_code == 0, verify.output


def test_demo_load_refuses_nonsense_and_creates_nothing(app, runner):
    result = runner.invoke(args=["demo", "load", "--videos", "0"])
    assert result.exit_code == 2 and "--videos" in result.output
    with app.app_context():
        assert db.session.scalar(select(func.count(User.id))) == 0
