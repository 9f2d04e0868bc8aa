"""A verified chunk's first counts and covers, and a bulk approval's first credits, are written
together (a few transactions for the whole chunk, not a few per video) with every rule of the
one-video path: one first snapshot each, a refused count costs only its own video, covers
stored, each video credited exactly once and its creator told once."""
from decimal import Decimal

import pytest
from flask_babel import force_locale
from sqlalchemy import func, select

from tests import factories
from tests.sql_counter import COMMIT, statements
from webapp.earnings import services as earnings
from webapp.earnings.models import LedgerEntry
from webapp.extensions import db
from webapp.notifications.models import Notification, OutboxMail
from webapp.submissions import services
from webapp.submissions.models import Submission
from webapp.tracking.models import ViewSnapshot

RATE = Decimal("0.00002489")


@pytest.fixture
def sari(ctx, sandbox):
    return factories.proven_creator(sandbox)


def chunk(creator, tt, sandbox, views: list[int]) -> list[int]:
    vids = [factories.tiktok_video(sandbox, tt["user_id"], views=v) for v in views]
    subs = services.submit_many(
        creator.id, [f"https://www.tiktok.com/@sari.dance/video/{v}" for v in vids], queue=False)
    return [s.id for s in subs]


def commits(sent: list[str]) -> int:
    return sent.count(COMMIT)


def reads_and_updates(sent: list[str]) -> list[str]:
    return [s for s in sent if s != COMMIT and not s.strip().upper().startswith("INSERT")]


def verify_and_count(app, ids):
    with statements(app, commits=True) as sent:
        services.verify_many(ids)
    return sent


def test_a_chunk_gets_one_first_count_and_a_cover_each(app, sari, sandbox):
    creator, tt = sari
    views = [150_247, 1000, 3, 0, 42]
    ids = chunk(creator, tt, sandbox, views)
    services.verify_many(ids)
    db.session.expire_all()
    for sub_id, expected in zip(ids, views):
        sub = db.session.get(Submission, sub_id)
        assert (sub.status, sub.current_views) == ("pending_review", expected)
        assert sub.thumbnail_etag is not None  # the sandbox's CDN cover, stored
        snaps = db.session.scalars(select(ViewSnapshot).where(
            ViewSnapshot.submission_id == sub_id)).all()
        assert [(s.views, s.state) for s in snaps] == [(expected, "ok")]


def test_the_writes_of_a_chunk_do_not_grow_with_its_size(app, sari, sandbox):
    """Statements and commits of verifying 4 videos vs 16: the per-video rounds are gone (the
    old path committed a snapshot and a cover for each video, 2 commits a video)."""
    creator, tt = sari
    small = verify_and_count(app, chunk(creator, tt, sandbox, [10, 20, 30, 40]))
    big = verify_and_count(app, chunk(creator, tt, sandbox, [1000 + n for n in range(16)]))
    assert db.session.scalar(select(func.count(ViewSnapshot.id))) == 20
    assert commits(big) == commits(small) == 3  # statuses; first counts; covers
    # INSERTs aside (SQLite's driver takes rows with RETURNING one at a time; PostgreSQL's in
    # one statement), the same statements for 16 videos as for 4.
    assert len(reads_and_updates(big)) == len(reads_and_updates(small)), big


def test_a_refused_count_costs_only_its_own_video(app, sari, sandbox):
    creator, tt = sari
    absurd = app.config["MAX_PLAUSIBLE_VIEWS"] + 1
    ids = chunk(creator, tt, sandbox, [500, absurd, 700])
    services.verify_many(ids)
    db.session.expire_all()
    stored = dict(db.session.execute(select(ViewSnapshot.submission_id, ViewSnapshot.views)).all())
    assert stored == {ids[0]: 500, ids[2]: 700}


def test_bulk_approval_credits_the_chunk_together_once_and_tells_the_creator_once(app, sari,
                                                                                  sandbox, runner):
    creator, tt = sari
    admin = factories.admin()
    views = [150_247, 1000, 3, 7, 9, 11]
    ids = chunk(creator, tt, sandbox, views)
    services.verify_many(ids)
    with statements(app, commits=True) as sent:
        approved, _ = services.approve_many(ids, admin.id)
    assert sorted(approved) == sorted(ids)
    # Claims, rate locks and audit; the credits; the notifications: three commits in all.
    assert commits(sent) == 3, sent
    assert earnings.balance(creator.id) == sum(views) * RATE
    assert db.session.scalar(select(func.count(LedgerEntry.id))) == len(ids)
    # One notification (and one mail) for the six videos, not six.
    told = db.session.scalars(select(Notification).where(
        Notification.user_id == creator.id, Notification.kind == "approved")).all()
    assert len(told) == 1 and told[0].params["count"] == len(ids), told
    assert told[0].link == "/dashboard"
    mails = db.session.scalars(select(OutboxMail).where(OutboxMail.kind == "approved")).all()
    assert [m.to_address for m in mails] == ["sari@example.com"]
    assert "6 videomu" in mails[0].text_body and "6 video disetujui" in mails[0].subject

    # A retried bulk approval (double click, a second admin) moves nothing and tells no one.
    assert services.approve_many(ids, admin.id) == ([], ids)
    assert earnings.balance(creator.id) == sum(views) * RATE
    assert db.session.scalar(select(func.count(Notification.id)).where(
        Notification.kind == "approved")) == 1
    assert db.session.scalar(select(func.count(OutboxMail.id))) == 1
    result = runner.invoke(args=["ledger", "verify"])
    assert result.exit_code == 0, result.output


def test_a_video_credited_meanwhile_is_not_credited_twice(app, sari, sandbox):
    """credit_approved after one of the videos was credited by another worker (the scan's
    recovery, say): the others are credited, that one is left as it is."""
    from webapp.earnings import recovery

    creator, tt = sari
    admin = factories.admin()
    ids = chunk(creator, tt, sandbox, [100_000, 200_000])
    services.verify_many(ids)
    approved, _ = services.approve_many(ids, admin.id)
    assert recovery.credit_approved(ids) == 0  # both credited already: nothing moves
    assert earnings.balance(creator.id) == 300_000 * RATE
    assert db.session.scalar(select(func.count(LedgerEntry.id))) == 2


def test_a_bulk_approval_tells_each_creator_in_their_words(app, sari, sandbox):
    """Across creators: one with a single video hears about that video (linked to its page),
    one with several hears once how many (linked to the dashboard); each reads it in their
    own language."""
    from webapp.notifications import messages

    creator, tt = sari
    other_tt = factories.tiktok_user(sandbox, "budi.masak")
    other = factories.creator("budi@example.com", "budi.masak")
    other.locale = "en"
    factories.prove(other, other_tt["user_id"])
    mine = chunk(creator, tt, sandbox, [10, 20, 30])
    video = factories.tiktok_video(sandbox, other_tt["user_id"], views=5, desc="Nasi goreng")
    single = services.submit_many(
        other.id, [f"https://www.tiktok.com/@budi.masak/video/{video}"], queue=False)[0].id
    services.verify_many(mine + [single])
    approved, _ = services.approve_many(mine + [single], factories.admin().id)
    assert sorted(approved) == sorted(mine + [single])

    told = {n.user_id: n for n in db.session.scalars(select(Notification).where(
        Notification.kind == "approved"))}
    assert set(told) == {creator.id, other.id}
    assert told[other.id].key == str(single) and told[other.id].link == f"/submissions/{single}"
    assert told[creator.id].params["count"] == 3 and told[creator.id].link == "/dashboard"
    with app.test_request_context(), force_locale("en"):
        together = messages.words("approved", told[creator.id].params)
        alone = messages.words("approved", told[other.id].params)
    assert together.title == "3 videos approved"
    assert together.body.startswith("3 of your videos, among them ")
    assert alone.title == "Video approved" and "“Nasi goreng”" in alone.body
    mails = {m.to_address: m for m in db.session.scalars(select(OutboxMail))}
    assert "3 video disetujui" in mails["sari@example.com"].subject
    assert "Video approved" in mails["budi@example.com"].subject
