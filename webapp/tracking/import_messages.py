"""The words of a CSV import: why a file or a row is refused, and each row's state (the admin
page and the `views import` command say the same things)."""
from flask_babel import lazy_gettext as _l

from webapp.i18n import views, when
from webapp.submissions.messages import admin_status_label, error_message

FILE_ERRORS = {
    "too_big": _l("The file is larger than %(limit)s bytes. Split it into smaller files."),
    "empty": _l("The file is empty."),
    "no_rows": _l("The file has a header but no rows to import."),
    "unreadable": _l("The file cannot be read as CSV."),
    "not_utf8": _l("The file is not UTF-8 text. In Excel, save it as \"CSV UTF-8\"."),
    "unknown_column": _l("Unknown column \"%(name)s\". The first row must name the columns "
                         "%(expected)s."),
    "missing_column": _l("The column \"%(name)s\" is missing. The first row must name the "
                         "columns %(expected)s."),
    "duplicate_column": _l("A column is named twice. The first row must name the columns "
                           "%(expected)s."),
    "too_many_rows": _l("The file has more than %(limit)s rows. Split it into smaller files."),
}

ROW_ERRORS = {
    "extra_cells": _l("This row has more cells than there are columns. Put a note that "
                      "contains commas or semicolons in quotes."),
    "video_empty": _l("The video is missing: give its TikTok link or its id."),
    "short_link": _l("Short links cannot be imported. Give the full video link or the video id."),
    "not_tracked": _l("No video with this id is tracked."),
    "not_approved": _l("This video is not approved (it is: %(status)s)."),
    "duplicate": _l("The same video is on row %(row)s. Keep one row per video."),
    "time_empty": _l("The time the count was seen (observed_at) is missing."),
    "time_invalid": _l("Cannot read this time. Write it like 2026-11-28 14:30 (Jakarta time)."),
    "time_future": _l("This time is in the future."),
    "time_before_video": _l("This time is before the video was posted."),
    "time_stale": _l("This count was seen before the video's current count (seen %(when)s). "
                     "Leave the row out: it would take the count back."),
    "decrease_needs_note": _l("That is less than the current %(views)s views. Say in the note "
                              "why the count went down."),
    "note_too_long": _l("Keep the note to 300 characters or fewer."),
    "changed": _l("The video's count changed while the file was being applied. Check the file "
                  "again."),
    # The count itself (codes of webapp.tracking.views_input.parse_views).
    "empty": _l("Enter the view count shown on TikTok."),
    "not_number": _l("Type the exact count in digits, like 50,000 (not 50K)."),
    "negative": _l("A view count cannot be negative."),
    "decimal": _l("A view count must be a whole number."),
    "grouping": _l("Group the digits in threes, like 1,250,000."),
    "absurd": _l("That view count is not plausible for one video."),
}

STATES = {
    "ok": _l("OK"),
    "proposed": _l("Needs a second admin"),
    "skipped": _l("Already imported"),
    "error": _l("Error"),
}

DEFAULT_NOTE = _l("Counted on TikTok by the ViewPay team and entered from a list.")


def file_error(exc) -> str:
    return str(FILE_ERRORS.get(exc.code, FILE_ERRORS["unreadable"]) % {
        "limit": "", "name": "", "expected": "", **exc.params})


def row_error(check) -> str:
    """Why a row is refused, in words (a views import RowCheck in the error state)."""
    params = dict(check.params)
    if check.error == "url":
        return str(error_message(params.get("url_error", "")))
    if check.error == "not_approved":
        params["status"] = admin_status_label(params.get("status", ""))  # admins read it
    if check.error == "decrease_needs_note":
        params["views"] = views(params.get("views"))
    if check.error == "time_stale":
        params["when"] = when(params.get("when"))
    message = ROW_ERRORS.get(check.error, ROW_ERRORS["changed"])
    return str(message % params) if params else str(message)
