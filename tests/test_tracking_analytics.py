"""Viral and fraud signals computed from real stored snapshots."""
from datetime import timedelta

from tests import factories
from webapp.extensions import db
from webapp.submissions.models import APPROVED, Submission
from webapp.tiktok.stats import VideoStats
from webapp.timeutil import utcnow
from webapp.tracking import analytics, services


def tracked(creator, **counts_by_age):
    sub = Submission(creator_id=creator.id, video_id=factories.video_id(), canonical_url="u",
                     submitted_url="u", status=APPROVED, verify_attempts=0, refresh_failures=0,
                     credited_views=0, credit_seq=0)
    db.session.add(sub)
    db.session.commit()
    return sub


def observe(sub, hours_ago, views, likes=None):
    services.record_snapshot(sub.id, VideoStats(
        video_id=sub.video_id, source="page", views=views, likes=likes, comments=0, shares=0,
        fetched_at=utcnow() - timedelta(hours=hours_ago)))


def test_viral_spike_and_low_engagement_are_told_apart(ctx):
    creator = factories.creator()
    steady = tracked(creator)
    for hours, views in ((150, 1000), (48, 2000), (26, 2300), (0, 2600)):
        observe(steady, hours, views, likes=views // 10)
    spiking = tracked(creator)
    for hours, views in ((144, 1000), (48, 2000), (25, 2200), (0, 60_000)):
        observe(spiking, hours, views, likes=views // 10)
    botted = tracked(creator)
    observe(botted, 30, 90_000, likes=40)
    observe(botted, 0, 100_000, likes=40)

    signals = {s.submission.id: s for s in analytics.video_signals()}
    assert signals[spiking.id].flags == ["spike"]
    assert signals[spiking.id].gained_24h == 57_800
    assert signals[botted.id].flags == ["low_engagement"]
    assert signals[steady.id].flags == []
    viral = analytics.viral(list(signals.values()))
    assert [s.submission.id for s in viral] == [spiking.id, botted.id, steady.id]
    assert [s.submission.id for s in analytics.suspicious(list(signals.values()))] == [botted.id, spiking.id]


def test_analytics_page_is_admin_only_and_lists_flags(app, act):
    with app.app_context():
        creator = factories.creator()
        factories.admin()
        botted = tracked(creator)
        observe(botted, 0, 100_000, likes=3)
        vid = botted.video_id
    act.login("sari@example.com")
    assert act.client.get("/admin/analytics").status_code == 403
    act.logout()
    act.login("admin@example.com")
    html = act.client.get("/admin/analytics").get_data(as_text=True)
    assert vid in html and 'data-flag="low_engagement"' in html
