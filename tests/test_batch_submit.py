"""submit_many and verify_many: a chunk of a creator's links in one transaction, verified at once
against the sandbox over HTTP; each link gets the status it would have got on its own."""
from decimal import Decimal

import pytest
from rq.job import Job
from sqlalchemy import func, select

from tests import factories
from webapp.extensions import db, jobqueue
from webapp.submissions import services
from webapp.submissions.errors import SubmissionError
from webapp.submissions.models import Submission
from webapp.tracking.models import ViewSnapshot


@pytest.fixture
def sari(ctx, sandbox):
    return factories.proven_creator(sandbox)


def url(handle, vid):
    return f"https://www.tiktok.com/@{handle}/video/{vid}"


def test_a_mixed_chunk_gives_each_link_its_own_status(sari, sandbox):
    creator, tt = sari
    budi_tt = factories.tiktok_user(sandbox, "budi_masak")
    budi = factories.creator("budi@example.com", "budi_masak")
    good = factories.tiktok_video(sandbox, tt["user_id"], views=150_247)
    small = factories.tiktok_video(sandbox, tt["user_id"], views=42)
    theirs = factories.tiktok_video(sandbox, budi_tt["user_id"], views=900)
    claimed = factories.tiktok_video(sandbox, budi_tt["user_id"], views=5)
    services.submit(budi.id, url("budi_masak", claimed))  # budi's live claim
    deleted = factories.tiktok_video(sandbox, tt["user_id"], views=7, status="deleted")
    private = factories.tiktok_video(sandbox, tt["user_id"], views=7, status="private")
    links = [url("sari.dance", good), "not a url", url("sari.dance", small),
             f"https://m.tiktok.com/v/{good}.html",  # the same video again, another shape
             url("budi_masak", claimed), url("budi_masak", theirs), url("sari.dance", deleted),
             url("sari.dance", private)]

    results = services.submit_many(creator.id, links, queue=False)

    refused = {i: r.code for i, r in enumerate(results) if isinstance(r, SubmissionError)}
    assert refused == {1: "malformed", 3: "duplicate", 4: "duplicate"}
    ids = {i: r.id for i, r in enumerate(results) if isinstance(r, Submission)}
    assert all(not jobqueue.connection.exists(Job.key_for(f"verify-{i}")) for i in ids.values())

    statuses = services.verify_many(list(ids.values()))

    assert {i: statuses[sub_id] for i, sub_id in ids.items()} == {
        0: "pending_review", 2: "pending_review", 5: "not_yours",
        6: "checking",  # page 10204 + oEmbed 400: a retry is scheduled, never one sighting
        7: "not_found"}
    assert jobqueue.queue.scheduled_job_registry.get_job_ids() == [f"verify-{ids[6]}-try2"]
    db.session.expire_all()
    good_sub = db.session.get(Submission, ids[0])
    assert (good_sub.current_views, good_sub.author_id_seen, good_sub.verified_at is not None) \
        == (150_247, tt["user_id"], True)
    assert db.session.get(Submission, ids[5]).status_detail == "posted by @budi_masak"
    # First counts stored by tracking for every answered video (not yours too), and only once.
    counted = dict(db.session.execute(
        select(ViewSnapshot.submission_id, func.count(ViewSnapshot.id))
        .group_by(ViewSnapshot.submission_id)).all())
    assert counted == {ids[0]: 1, ids[2]: 1, ids[5]: 1}

    # Run again (a replay, or a crash retry): nothing moves, nothing is stored twice.
    assert services.verify_many([ids[0], ids[5], ids[7]]) == {
        ids[0]: "pending_review", ids[5]: "not_yours", ids[7]: "not_found"}
    assert db.session.scalar(select(func.count(ViewSnapshot.id))) == 3


def test_submit_many_queues_one_verification_per_video_unless_told_not_to(sari, sandbox):
    creator, tt = sari
    vids = [factories.tiktok_video(sandbox, tt["user_id"], views=10) for _ in range(3)]
    subs = services.submit_many(creator.id, [url("sari.dance", v) for v in vids])
    assert [s.status for s in subs] == ["checking"] * 3
    assert all(jobqueue.queue.fetch_job(f"verify-{s.id}") is not None for s in subs)


def test_a_proven_owner_still_outranks_an_unproven_claim_in_a_chunk(sari, sandbox):
    creator, tt = sari
    squatter = factories.creator("rina@example.com", "rina_x")  # unproven, not checked yet
    vid = factories.tiktok_video(sandbox, tt["user_id"], views=10)
    first = services.submit(squatter.id, url("sari.dance", vid))
    [mine] = services.submit_many(creator.id, [url("sari.dance", vid)], queue=False)
    assert isinstance(mine, Submission) and mine.creator_id == creator.id
    assert db.session.get(Submission, first.id).status == "superseded"


def test_approved_chunk_is_credited_exactly_and_the_ledger_verifies(app, sari, sandbox, runner):
    creator, tt = sari
    admin = factories.admin()
    vids = [factories.tiktok_video(sandbox, tt["user_id"], views=v) for v in (150_247, 1000)]
    subs = services.submit_many(creator.id, [url("sari.dance", v) for v in vids], queue=False)
    services.verify_many([s.id for s in subs])
    approved, skipped = services.approve_many([s.id for s in subs], admin.id)
    assert (sorted(approved), skipped) == (sorted(s.id for s in subs), [])
    from webapp.earnings import services as earnings

    assert earnings.balance(creator.id) == Decimal("151247") * Decimal("0.00002489")
    result = runner.invoke(args=["ledger", "verify"])
    assert result.exit_code == 0, result.output
