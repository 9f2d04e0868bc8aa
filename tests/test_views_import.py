"""Bulk view counts from CSV: a file with any bad row books nothing, a good one is booked
through the manual-entry path (exact credits, four-eyes proposals), and no file or observation
is ever booked twice. Through the shell command and the admin page."""
import io
import json
from datetime import datetime, timedelta, timezone
from decimal import Decimal
from html import unescape

import pytest
from sqlalchemy import func, select

from tests import factories
from tests.conftest import csrf_token, run_worker
from webapp.audit.models import AuditEvent
from webapp.earnings import services as earnings
from webapp.earnings.models import LedgerEntry
from webapp.extensions import db
from webapp.submissions import services as submissions
from webapp.submissions.models import Submission
from webapp.tracking import imports
from webapp.tracking.import_csv import WIB
from webapp.tracking.import_models import ViewImport, ViewImportRow
from webapp.tracking.models import OK, PROPOSED, ViewSnapshot
from webapp.tracking.refresh import refresh_submission

RATE = Decimal("0.00002489")


@pytest.fixture
def world(app, sandbox):
    """One proven creator with three approved videos (10.000, 20.000 and 10.000 views)."""
    with app.app_context():
        first = factories.approved_video(sandbox, views=10_000)
        tiktok_id = db.session.get(Submission, first["sub_id"]).creator.tiktok_user_id
        subs = [first["sub_id"]]
        for views in (20_000, 10_000):
            vid = factories.tiktok_video(sandbox, tiktok_id, views=views)
            sub_id = submissions.submit(
                first["creator_id"], f"https://www.tiktok.com/@sari.dance/video/{vid}").id
            submissions.verify(sub_id)
            submissions.approve(sub_id, first["admin_id"])
            subs.append(sub_id)
        vids = [db.session.get(Submission, sub_id).video_id for sub_id in subs]
        db.session.remove()
    # Seen just now (after their first counts), typed in Jakarta time to the minute.
    seen = datetime.now(WIB).replace(second=0, microsecond=0)
    return {**first, "subs": subs, "vids": vids, "seen": seen, "when": f"{seen:%Y-%m-%d %H:%M}"}


def _good_csv(world) -> str:
    (a, b, c), when = world["vids"], world["when"]
    rows = [("video_url_or_id", "views", "observed_at", "note"),
            (f"https://www.tiktok.com/@sari.dance/video/{a}?lang=id", "12.500", when, ""),
            (b, '"19,000"', when, "creator deleted a duplicate upload"),  # a decrease, explained
            (c, "150247", when, "")]  # more than 3x the current count: a second admin decides
    return "\n".join(",".join(row) for row in rows) + "\n"


def _counts(creator_id):
    snapshots = db.session.scalar(select(func.count()).select_from(ViewSnapshot))
    entries = db.session.scalar(select(func.count()).select_from(LedgerEntry)
                                .where(LedgerEntry.creator_id == creator_id))
    imported = db.session.scalar(select(func.count()).select_from(ViewImport))
    return snapshots, entries, imported, earnings.balance(creator_id)


def _import(runner, tmp_path, text, *extra, encoding="utf-8"):
    path = tmp_path / "views.csv"
    path.write_bytes(text.encode(encoding))
    return runner.invoke(args=["views", "import", str(path), "--admin", "admin@example.com",
                               *extra])


def test_the_command_refuses_a_file_with_bad_rows_and_stores_nothing(app, runner, tmp_path,
                                                                     world):
    (a, b, c), when = world["vids"], world["when"]
    future = f"{datetime.now(WIB) + timedelta(hours=1):%Y-%m-%d %H:%M}"
    older = f"{world['seen'] - timedelta(hours=1):%Y-%m-%d %H:%M}"
    text = "\n".join([
        "video_url_or_id,views,observed_at,note",
        f"{a},12.500,{when},",                                    # 2: fine on its own
        f"{b},19.000,{when},",                                    # 3: a decrease, no note
        f"{c},150rb,{when},",                                     # 4: not digits
        f"{a},13.000,{when},",                                    # 5: video already on row 2
        f"{factories.video_id()},1.000,{when},",                  # 6: not tracked here
        f"https://vm.tiktok.com/ZSabc123/,1.000,{when},",         # 7: short link
        f"{c},11.000,{future},",                                  # 8: in the future
        f"{c},11.000,kemarin,",                                   # 9: not a time
        f"{c},11.000,{when},note, with a comma",                  # 10: unquoted comma
        f"{c},-5,{when},",                                        # 11: negative
        f"https://www.tiktok.com/@sari.dance,1.000,{when},",      # 12: a profile
        f"{c},11.000,{older},",                                   # 13: older than its count
    ]) + "\n"
    with app.app_context():
        before = _counts(world["creator_id"])
    result = _import(runner, tmp_path, text)
    assert result.exit_code == 2, result.output
    lines = result.output.splitlines()
    assert lines[0] == f"row 2: ok {a} 10,000 → 12,500"
    assert lines[1:11] == [
        "row 3: error: That is less than the current 20,000 views. Say in the note why the "
        "count went down.",
        "row 4: error: Type the exact count in digits, like 50,000 (not 50K).",
        "row 5: error: The same video is on row 2. Keep one row per video.",
        "row 6: error: No video with this id is tracked.",
        "row 7: error: Short links cannot be imported. Give the full video link or the video id.",
        "row 8: error: This time is in the future.",
        "row 9: error: Cannot read this time. Write it like 2026-11-28 14:30 (Jakarta time).",
        "row 10: error: This row has more cells than there are columns. Put a note that "
        "contains commas or semicolons in quotes.",
        "row 11: error: A view count cannot be negative.",
        "row 12: error: This is a profile, not a video. Open the video and share that link.",
    ]
    assert lines[11].startswith("row 13: error: This count was seen before the video's current "
                                "count (seen ")
    assert lines[-1] == "1 ok, 0 proposed, 0 already imported, 11 refused: nothing booked"
    with app.app_context():
        assert _counts(world["creator_id"]) == before
        assert db.session.scalar(select(func.count()).select_from(ViewImportRow)) == 0


@pytest.mark.parametrize("text, message", [
    ("video,views,observed_at\n1,2,3\n", 'error: Unknown column "video".'),
    ("video_url_or_id,views,note\n1,2,3\n", 'error: The column "observed_at" is missing.'),
    ("video_url_or_id,views,observed_at\n", "error: The file has a header but no rows"),
    ("video_url_or_id,views,observed_at\n" + "1,2,3\n" * 5_001, "more than 5000 rows"),
])
def test_the_command_refuses_a_file_it_cannot_read(app, runner, tmp_path, world, text, message):
    result = _import(runner, tmp_path, text)
    assert result.exit_code == 2 and message in result.output, result.output
    with app.app_context():
        assert db.session.scalar(select(func.count()).select_from(ViewImport)) == 0


def test_a_file_that_is_not_utf8_is_refused(app, runner, tmp_path, world):
    text = ("video_url_or_id;views;observed_at;note\n"
            f"{world['vids'][0]};12.500;{world['when']};café\n")
    result = _import(runner, tmp_path, text, encoding="cp1252")
    assert result.exit_code == 2
    assert 'The file is not UTF-8 text. In Excel, save it as "CSV UTF-8".' in result.output


def test_a_good_file_is_booked_exactly_once(app, runner, tmp_path, world):
    text = _good_csv(world)
    with app.app_context():
        before = _counts(world["creator_id"])
    dry = _import(runner, tmp_path, text, "--dry-run")
    assert dry.exit_code == 0, dry.output
    assert dry.output.splitlines()[-1] == ("2 ok, 1 proposed, 0 already imported, 0 refused: "
                                           "dry run, nothing stored")
    with app.app_context():
        assert _counts(world["creator_id"]) == before

    result = _import(runner, tmp_path, text)
    a, b, c = world["vids"]
    assert result.exit_code == 0, result.output
    assert result.output.splitlines() == [
        f"row 2: ok {a} 10,000 → 12,500",
        f"row 3: ok {b} 20,000 → 19,000",
        f"row 4: proposed {c} 10,000 → 150,247 (waits for a second admin)",
        "2 ok, 1 proposed, 0 already imported, 0 refused: booked (import #1)",
    ]
    with app.app_context():
        snaps = db.session.scalars(select(ViewSnapshot).where(ViewSnapshot.source == "manual")
                                   .order_by(ViewSnapshot.id)).all()
        assert [(s.submission_id, s.views, s.state) for s in snaps] == [
            (world["subs"][0], 12_500, OK), (world["subs"][1], 19_000, OK),
            (world["subs"][2], 150_247, PROPOSED)]
        assert {s.entered_by_id for s in snaps} == {world["admin_id"]}
        assert all(s.fetched_at.replace(tzinfo=timezone.utc) == world["seen"] for s in snaps)
        assert snaps[1].note == "creator deleted a duplicate upload"
        assert snaps[0].note and snaps[0].reason_code == "fetch_blocked"
        # Exactly views x rate per video; the proposal credits nothing until approved.
        assert earnings.balance(world["creator_id"]) == RATE * (12_500 + 19_000 + 10_000)
        [event] = db.session.scalars(select(AuditEvent).where(
            AuditEvent.action == "views_import")).all()
        assert json.loads(event.detail)["rows"] == 3 and event.actor_id == world["admin_id"]
        booked = _counts(world["creator_id"])
    assert runner.invoke(args=["ledger", "verify"]).exit_code == 0

    replay = _import(runner, tmp_path, text.replace("\n", "\r\n"))  # re-saved on Windows
    assert replay.exit_code == 0, replay.output
    assert "already imported on" in replay.output and "by admin@example.com: nothing booked" \
        in replay.output
    with app.app_context():
        assert _counts(world["creator_id"]) == booked


def test_an_observation_is_booked_once_across_files_and_an_unfinished_import_resumes(
        app, runner, tmp_path, world):
    (a, b, _), when = world["vids"], world["when"]
    header = "video_url_or_id,views,observed_at,note\n"
    first = _import(runner, tmp_path, header + f"{a},12.500,{when},\n")
    assert first.exit_code == 0, first.output
    with app.app_context():  # as if the process died after its last row, before finishing
        db.session.get(ViewImport, 1).applied_at = None
        db.session.commit()
    resumed = _import(runner, tmp_path, header + f"{a},12.500,{when},\n")
    assert resumed.exit_code == 0 and "skipped" in resumed.output, resumed.output
    second = _import(runner, tmp_path, header + f"{a},12.500,{when},\n{b},21.000,{when},\n")
    assert second.output.splitlines()[:2] == [
        f"row 2: skipped {a} 12,500 (import #1, row 2)",
        f"row 3: ok {b} 20,000 → 21,000"]
    with app.app_context():
        assert db.session.get(ViewImport, 1).finished
        assert db.session.scalar(select(func.count()).select_from(ViewSnapshot).where(
            ViewSnapshot.source == "manual")) == 2
        assert earnings.balance(world["creator_id"]) == RATE * (12_500 + 21_000 + 10_000)
    assert runner.invoke(args=["ledger", "verify"]).exit_code == 0


def test_an_indonesian_excel_file_semicolons_and_bom(app, world):
    (a, b, _), seen = world["vids"], world["seen"]
    text = ("video_url_or_id;views;observed_at;note;;\r\n"
            f"{a};15.247;{seen:%d/%m/%Y %H.%M};\"dihitung; dari layar\";;\r\n"
            f"{b};21.000;{seen:%Y-%m-%dT%H:%M}+07:00;;;\r\n;;;;;\r\n")
    with app.app_context():
        report = imports.preview(("\ufeff" + text).encode())
        assert [(c.state, c.views, c.row.note, c.observed_at) for c in report.rows] == [
            ("ok", 15_247, "dihitung; dari layar", seen), ("ok", 21_000, "", seen)]
        assert report.sha256 == imports.preview(text.encode()).sha256  # the BOM changes nothing


def _english(client):
    client.post("/lang/en", data={"csrf_token": csrf_token(client), "next": "/"})


def _upload(client, text: str, reason="creator_evidence"):
    return client.post("/admin/views/import", content_type="multipart/form-data", data={
        "csrf_token": csrf_token(client), "reason_code": reason,
        "file": (io.BytesIO(text.encode()), "views.csv")})


def _apply(client, digest: str):
    return client.post("/admin/views/import/apply", follow_redirects=True, data={
        "csrf_token": csrf_token(client), "digest": digest})


def test_the_admin_page_previews_applies_once_and_says_so_on_a_replay(app, act, world):
    act.login("sari@example.com")
    assert act.client.get("/admin/views/import").status_code == 403
    act.logout()
    act.login("admin@example.com")
    _english(act.client)
    assert 'enctype="multipart/form-data"' in act.client.get("/admin/views/import").get_data(
        as_text=True)
    with app.app_context():
        before = _counts(world["creator_id"])

    bad = _upload(act.client, _good_csv(world).replace("12.500", "12.5"))
    html = unescape(bad.get_data(as_text=True))
    assert bad.status_code == 422
    assert "A view count must be a whole number." in html and 'name="digest"' not in html
    no_csrf = act.client.post("/admin/views/import", content_type="multipart/form-data", data={
        "reason_code": "other", "file": (io.BytesIO(_good_csv(world).encode()), "views.csv")})
    assert no_csrf.status_code == 400

    preview = _upload(act.client, _good_csv(world))
    html = unescape(preview.get_data(as_text=True))
    assert preview.status_code == 200, html
    assert "2 to book, 1 for a second admin, 0 already imported, 0 refused." in html
    assert "10,000 → 12,500" in html and "20,000 → 19,000" in html and "Needs a second admin" \
        in html
    digest = html.split('name="digest" type="hidden" value="')[1][:64]
    with app.app_context():
        assert _counts(world["creator_id"]) == before  # a preview stores nothing
    # Only a previewed file can be applied: another digest finds nothing to apply.
    forged = _apply(act.client, "0" * 64)
    assert "This preview is no longer available." in unescape(forged.get_data(as_text=True))
    with app.app_context():
        assert _counts(world["creator_id"]) == before

    applied = _apply(act.client, digest)
    html = unescape(applied.get_data(as_text=True))
    assert applied.request.path == "/admin/views/import/1"
    assert "Import #1 started: 3 row(s) to book." in html and "Booking: " in html
    status = act.hx_get("/admin/views/import/1")
    assert 'hx-trigger="every 2s"' in status.get_data(as_text=True)  # polls while booking
    run_worker(app)
    status = unescape(act.hx_get("/admin/views/import/1").get_data(as_text=True))
    assert "3 row(s) booked." in status and "1 of them wait for a second admin." in status
    assert "hx-trigger" not in status and "<html" not in status
    with app.app_context():
        assert earnings.balance(world["creator_id"]) == RATE * (12_500 + 19_000 + 10_000)
        assert {s.reason_code for s in db.session.scalars(select(ViewSnapshot).where(
            ViewSnapshot.source == "manual"))} == {"creator_evidence"}
        booked = _counts(world["creator_id"])

    again = _upload(act.client, _good_csv(world))
    html = unescape(again.get_data(as_text=True))
    assert "This file was already imported on" in html and "by admin@example.com" in html
    assert 'name="digest"' not in html
    replay = _apply(act.client, digest)  # the old preview's button, clicked again
    html = unescape(replay.get_data(as_text=True))
    assert "This file was already imported on" in html and "Nothing was booked." in html
    with app.app_context():
        assert _counts(world["creator_id"]) == booked


def test_an_import_that_stopped_is_finished_from_its_page_unless_a_row_is_refused_now(
        app, act, sandbox, world):
    (a, b, c), when = world["vids"], world["when"]
    header = "video_url_or_id,views,observed_at,note\n"
    stalled = header + f"{a},12.500,{when},\n{b},21.000,{when},\n"
    overtaken = header + f"{c},11.000,{when},\n"
    with app.app_context():  # recorded, then the worker died before booking anything
        first = imports.start(stalled.encode(), world["admin_id"], "other").started.id
        second = imports.start(overtaken.encode(), world["admin_id"], "other").started.id
        # A refresh finds more views than the second file's row: it would now be a decrease.
        factories.set_views(sandbox, c, 12_000)
        refresh_submission(world["subs"][2])
    act.login("admin@example.com")
    _english(act.client)
    page = unescape(act.client.get(f"/admin/views/import/{first}").get_data(as_text=True))
    assert "Stopped before the end: 0 of 2 row(s) booked." in page
    resumed = act.client.post(f"/admin/views/import/{first}/resume", follow_redirects=True,
                              data={"csrf_token": csrf_token(act.client)})
    assert "Booking: " in unescape(resumed.get_data(as_text=True))
    run_worker(app)
    page = unescape(act.client.get(f"/admin/views/import/{first}").get_data(as_text=True))
    assert "2 row(s) booked." in page

    page = unescape(act.client.get(f"/admin/views/import/{second}").get_data(as_text=True))
    assert "Some rows are refused now" in page and "Book the remaining rows" not in page
    with app.app_context():  # a decrease now, or older than the new count when a minute passed
        assert imports.review(second).rows[0].error in ("decrease_needs_note", "time_stale")
    with app.app_context():
        assert imports.book(second).stopped_at is None  # refused whole: nothing booked
        assert not imports.get(second).finished
        assert earnings.balance(world["creator_id"]) == RATE * (12_500 + 21_000 + 12_000)
    assert act.client.get("/admin/views/import/999").status_code == 404
