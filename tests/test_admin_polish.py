"""The admin pages read right: filter choices, statuses from the admin's side, job states and
times, audit details in words, server-side messages for the bulk forms, why a bulk approval
left videos behind, and no value shown twice or as an empty range."""
import html as htmllib
import re

import pytest
from flask_babel import force_locale

from tests import factories
from tests.conftest import csrf_token
from webapp.audit import services as audit
from webapp.auth import services as auth
from webapp.extensions import db
from webapp.submissions import services
from webapp.submissions.models import Submission
from webapp.tracking import decisions, flags, manual


def url(handle, vid):
    return f"https://www.tiktok.com/@{handle}/video/{vid}"


def text(html) -> str:
    """What a reader sees: the page without its tags."""
    return htmllib.unescape(re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", html)))


def options(html, name) -> list[tuple[str, str]]:
    select = re.search(rf'<select[^>]*name="{name}".*?</select>', html, re.S)[0]
    return [(value, htmllib.unescape(label)) for value, label in
            re.findall(r'<option[^>]*value="([^"]*)"[^>]*>([^<]*)</option>', select)]


@pytest.fixture
def queue(ctx, sandbox):
    """Budi proved his TikTok account, Sari only typed her handle; Sari also claimed one of
    Budi's videos (TikTok names Budi: not hers), and Budi claimed it too."""
    sari_tt = factories.tiktok_user(sandbox, "sari.dance")
    budi_tt = factories.tiktok_user(sandbox, "budi_masak")
    sari, budi = factories.creator(), factories.creator("budi@example.com", "budi_masak")
    factories.prove(budi, budi_tt["user_id"])
    admin = factories.admin()

    def submitted(creator, owner_tt, vid=None):
        vid = vid or factories.tiktok_video(sandbox, owner_tt["user_id"], views=1_234)
        sub_id = services.submit(creator.id, url(creator.tiktok_handle, vid)).id
        services.verify(sub_id)
        return sub_id, vid

    budi_page, _ = submitted(budi, budi_tt)
    sari_mine, _ = submitted(sari, sari_tt)
    not_yours, vid = submitted(sari, budi_tt)
    budi_claim, _ = submitted(budi, budi_tt, vid)
    return dict(budi_page=budi_page, sari_mine=sari_mine, not_yours=not_yours,
                budi_claim=budi_claim, admin=admin.id, sari=sari.id)


def admin_in(act, locale):
    with act.app.app_context():
        auth.set_locale(auth.find_by_email("admin@example.com"), locale)
    act.login("admin@example.com")


# 1. The open-flag filter names every choice; the URL values stay ("", "any", the kinds).
@pytest.mark.parametrize("path", ["/admin/", "/admin/videos"])
def test_the_flag_filter_names_every_choice(act, queue, path):
    admin_in(act, "en")
    choices = options(act.client.get(path).get_data(as_text=True), "flag")
    assert choices[:2] == [("", "All videos"), ("any", "Any open flag")]
    assert ("identity", "TikTok account not proven") in choices
    assert not [label for value, label in choices if label == value]  # no raw code shown
    flagged = act.client.get(path, query_string={"flag": "any"}).get_data(as_text=True)
    assert re.search(r'<option selected value="any">Any open flag</option>', flagged)


# 2. Admins read "not the creator's"; the creator still reads "not yours".
def test_admins_read_the_status_from_their_side_creators_from_theirs(act, queue):
    admin_in(act, "en")
    page = act.client.get("/admin/", query_string={"status": "not_yours"}).get_data(as_text=True)
    seen = text(page)
    assert f'id="row-{queue["not_yours"]}"' in page
    assert "Not the creator's" in seen and "Not yours" not in seen
    assert ("not_yours", "Not the creator's") in options(page, "status")
    everything = text(act.client.get("/admin/").get_data(as_text=True))
    assert "also claimed by sari@example.com (unproven, not the creator's)" in everything
    assert "not yours" not in everything.lower()
    detail = text(act.client.get(f"/admin/videos/{queue['not_yours']}").get_data(as_text=True))
    assert "Not the creator's" in detail
    act.logout()

    act.login("sari@example.com")
    act.english()
    mine = text(act.client.get(f"/submissions/{queue['not_yours']}").get_data(as_text=True))
    assert "Not yours" in mine and "Not the creator's" not in mine


# 3. Periodic jobs: the next run in Jakarta time, the job's state in words.
def test_operations_show_the_next_run_in_wib_and_the_job_state_in_words(app, act, ctx):
    from jobs.scheduler import make_scheduler
    from webapp.admin.operations import job_state_label, worker_state_label

    factories.admin()
    make_scheduler(app).enqueue_jobs()  # the periodic jobs registered, as the scheduler does
    admin_in(act, "id")
    html = act.client.get("/admin/operations").get_data(as_text=True)
    periodic = re.search(r'<ul id="ops-periodic">.*?</ul>', html, re.S)[0]
    assert "WIB" in periodic and not re.search(r"\d{4}-\d\d-\d\dT\d\d:", periodic)
    assert "+00:00" not in periodic
    act.logout()
    admin_in(act, "en")
    periodic = re.search(r'<ul id="ops-periodic">.*?</ul>',
                         act.client.get("/admin/operations").get_data(as_text=True), re.S)[0]
    assert periodic.count("(last state: ") == 3
    with app.test_request_context(), force_locale("en"):
        assert job_state_label("started") == "running"
        assert job_state_label("deferred") == "waiting for another job"
        assert job_state_label("gone") == "no longer exists"
        assert job_state_label("someday") == "someday" and job_state_label(None) == "–"
        assert worker_state_label("started") == "starting"


# 4. Audit details: labels for the keys, views grouped, codes in words, unknown keys kept.
@pytest.fixture
def trail(ctx, sandbox):
    made = factories.approved_video(sandbox, views=150_247)
    manual.enter_views(made["sub_id"], made["admin_id"], 151_000, "creator_evidence",
                       "Screenshot dari kreator")
    flag = flags.raise_flag(made["sub_id"], made["creator_id"], "identity", None, {})
    decisions.clear(flag.id, None, "TikTok account proven")
    audit.record(None, "mystery_action", "widget", 7, colour="blue", views_before="lots")
    db.session.commit()
    return dict(made, flag_id=flag.id)


def test_audit_details_read_as_words_and_grouped_numbers(act, trail):
    admin_in(act, "id")
    seen = text(act.client.get("/admin/audit").get_data(as_text=True))
    assert "150.247" in seen and "151.000" in seen  # Indonesian thousands separators
    for raw in ("snapshot_id", "views_before", "views_after", "reason_code", "creator_evidence",
                "kind: identity", "flag #"):
        assert raw not in seen, raw
    act.logout()

    admin_in(act, "en")
    seen = text(act.client.get("/admin/audit").get_data(as_text=True))
    for shown in ("Views before: 150,247", "Views after: 151,000",
                  "Why by hand: The creator sent proof (screenshot or recording)",
                  "Note: Screenshot dari kreator", "Second admin needed for: –",
                  "Flag: TikTok account not proven",
                  "Reason: The creator proved their TikTok account.",
                  f"Flag #{trail['flag_id']}", "Count record: #"):
        assert shown in seen, shown
    # An unknown key, and a value its format does not fit, are shown as stored.
    assert "colour: blue" in seen and "Views before: lots" in seen


def test_unknown_shapes_of_details_are_shown_as_stored(app):
    from webapp.admin.audit_details import detail_items

    with app.test_request_context(), force_locale("en"):
        assert detail_items('{"thresholds": "jump", "bank": "bca", "per_view": "x"}') == [
            ("Second admin needed for", "jump"), ("Bank", "BCA"), ("Rate per view", "x")]
        assert detail_items("[1, 2]") == [("", "1, 2")]
        assert detail_items("not json") == [("", "not json")]


# 5. An empty bulk reason gets the app's own message, in the page's language.
def test_bulk_reject_without_a_reason_is_refused_by_the_server_in_indonesian(act, queue):
    admin_in(act, "id")
    page = act.client.get("/admin/").get_data(as_text=True)
    assert re.search(r'<form id="bulk"[^>]*\snovalidate[\s>]', page)  # no browser bubble
    ticked = [queue["sari_mine"], queue["not_yours"]]
    refused = act.client.post("/admin/submissions/reject-selected", data={
        "ids": [str(i) for i in ticked], "reason": "  ", "csrf_token": csrf_token(act.client)})
    assert refused.status_code == 422
    assert "Tulis alasan video yang dipilih ditolak." in text(refused.get_data(as_text=True))
    db.session.expire_all()
    assert {db.session.get(Submission, i).status for i in ticked} == {"pending_review",
                                                                      "not_yours"}


def test_the_flag_decision_form_leaves_the_empty_reason_to_the_server(act, ctx, sandbox):
    made = factories.approved_video(sandbox, views=10, proven=False)
    flag_id = flags.for_submission(made["sub_id"])[0].id  # identity: the creator is unproven
    admin_in(act, "en")
    card = act.client.get(f"/admin/flags/{flag_id}").get_data(as_text=True)
    assert re.search(r'<form class="decide"[^>]*\snovalidate>', card)
    refused = act.hx_post(f"/admin/flags/{flag_id}/clear", {"reason": " "})
    assert refused.status_code == 422 and "Say why; it is kept in the audit trail" in text(
        refused.get_data(as_text=True))


# 6. A bulk approval says why each video it left behind was left.
def test_bulk_approval_names_the_real_reasons_videos_were_left(act, queue):
    admin_in(act, "en")
    ticked = [queue["budi_page"], queue["sari_mine"], queue["not_yours"], 999_999]
    done = act.client.post("/admin/submissions/approve-selected", data={
        "ids": [str(i) for i in ticked], "csrf_token": csrf_token(act.client)})
    assert done.status_code == 303
    seen = text(act.client.get(done.headers["Location"]).get_data(as_text=True))
    assert "Approved 1 submission(s)." in seen
    assert ("3 were left for a one-by-one look: 1 not the creator's video, 1 from a creator who "
            "has not proven their TikTok account, and 1 no longer exist.") in seen
    assert "already reviewed" not in seen

    again = act.client.post("/admin/submissions/approve-selected", data={
        "ids": [str(queue["budi_page"])], "csrf_token": csrf_token(act.client)})
    assert "1 were left for a one-by-one look: 1 already decided." in text(
        act.client.get(again.headers["Location"]).get_data(as_text=True))


# 7. The search box is wide enough for its hint (see test_admin_polish_browser.py for the
# measured width); the hint is the short one.
def test_the_search_hint_is_short(act, queue):
    admin_in(act, "en")
    page = act.client.get("/admin/").get_data(as_text=True)
    assert 'placeholder="@handle, email, video id/link"' in page


# 8. The video page says when it refreshes next once.
def test_the_video_page_names_the_next_refresh_once(act, ctx, sandbox):
    made = factories.approved_video(sandbox, views=500)
    admin_in(act, "en")
    seen = text(act.client.get(f"/admin/videos/{made['sub_id']}").get_data(as_text=True))
    assert seen.count("Next refresh") == 1 and "Next refresh ≈" in seen


# 9. A chart whose counts are all equal shows one value, not "312 – 312".
def test_a_flat_chart_shows_one_count_not_an_empty_range(act, ctx, sandbox):
    from webapp.tracking.refresh import refresh_submission

    made = factories.approved_video(sandbox, views=312, proven=False)
    refresh_submission(made["sub_id"])  # a second count, the same
    flag_id = flags.for_submission(made["sub_id"])[0].id  # identity: the creator is unproven
    admin_in(act, "en")
    page = act.client.get(f"/admin/flags/{flag_id}").get_data(as_text=True)
    assert "<figcaption><small>312 views</small></figcaption>" in page
    assert "312 – 312" not in text(page)

    factories.set_views(sandbox, made["vid"], 400)
    refresh_submission(made["sub_id"])
    seen = text(act.client.get(f"/admin/flags/{flag_id}").get_data(as_text=True))
    assert "312 – 400 views" in seen


def test_an_import_row_names_the_status_as_admins_read_it(app):
    from types import SimpleNamespace

    from flask_babel import force_locale

    from webapp.tracking.import_messages import row_error

    check = SimpleNamespace(error="not_approved", params={"status": "not_yours"})
    with app.test_request_context(), force_locale("en"):
        assert row_error(check) == "This video is not approved (it is: Not the creator's)."
