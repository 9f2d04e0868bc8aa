from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import (BooleanField, IntegerField, SearchField, SelectChoice, SelectField,
                     StringField, TextAreaField)
from wtforms.validators import (DataRequired, InputRequired, Length, NumberRange, Optional,
                                ValidationError)
from wtforms.widgets import HiddenInput

from webapp.admin.filters import FLAG_FILTER_LABELS, FLAGS, SEARCH_MAX, SOURCES, Filters
from webapp.bounds import MAX_ID

from webapp.tracking.errors import InvalidViews
from webapp.tracking.manual import NOTE_MAX, REJECT_REASON_MAX, URL_MAX, check_evidence_url
from webapp.tracking.views_input import parse_views


class RejectForm(FlaskForm):
    reason = TextAreaField(_l("Reason (the creator sees it)"), validators=[
        InputRequired(message=_l("Say why, so the creator can fix it.")), Length(max=1000)])


def _strip(value):
    return value.strip() if isinstance(value, str) else value


class BulkRejectForm(FlaskForm):
    """Reject every ticked row with one reason (the ticked ids are read beside the form)."""
    reason = TextAreaField(_l("Reason for rejecting the selected videos (the creators see it)"),
                           filters=[_strip], validators=[
        DataRequired(message=_l("Say why the selected videos are rejected.")), Length(max=1000)],
                           render_kw={"rows": 2})


class ListFilterForm(FlaskForm):
    """The GET filters of the review queue and the tracked videos (no CSRF: it changes nothing).

    `statuses` lists the status choices of the page ((value, label) pairs; none: no status
    filter). A value that is not a choice falls back to the default (see `filters`)."""

    class Meta:
        csrf = False

    status = SelectField(_l("Status"), default="review")
    flag = SelectField(_l("Open flag"), default="")
    source = SelectField(_l("Latest count"), default="")
    creator = IntegerField(widget=HiddenInput(), validators=[Optional(), NumberRange(1, MAX_ID)])
    q = SearchField(_l("Search"), filters=[_strip], validators=[Length(max=SEARCH_MAX)],
                    render_kw={"placeholder": _l("@handle, email, video id/link"),
                               "autocomplete": "off"})

    def __init__(self, formdata, statuses=(), flag_labels=None, source_labels=None):
        super().__init__(formdata=formdata)
        self.status.choices = [SelectChoice(value, label) for value, label in statuses] or [
            SelectChoice("review", "")]
        flag_labels = {**(flag_labels or {}), **FLAG_FILTER_LABELS}
        source_labels = source_labels or {}
        self.flag.choices = [SelectChoice(value, flag_labels.get(value, value))
                             for value in ("", *FLAGS)]
        self.source.choices = [SelectChoice("", _l("From anywhere"))] + [
            SelectChoice(source, source_labels.get(source, source)) for source in SOURCES]

    def filters(self) -> Filters:
        """The valid filters; a field that failed validation is left at its default."""
        self.validate()
        valid = {name: field.data for name, field in self._fields.items()
                 if not field.errors and field.data not in (None, "")}
        valid.setdefault("status", self.status.default)
        return Filters(**valid)


# One message per reason a count or a manual entry is refused (codes of InvalidViews).
VIEW_ERRORS = {
    "empty": _l("Enter the view count shown on TikTok."),
    "not_number": _l("Type the exact count in digits, like 50,000 (not 50K)."),
    "negative": _l("A view count cannot be negative."),
    "decimal": _l("A view count must be a whole number."),
    "not_whole": _l("A view count must be a whole number."),
    "grouping": _l("Group the digits in threes, like 1,250,000."),
    "absurd": _l("That view count is not plausible for one video."),
    "not_approved": _l("Views can only be entered for approved videos."),
    "reason": _l("Choose why the count is entered by hand."),
    "note_required": _l("Write a note: the creator reads it with the reason."),
    "note_too_long": _l("Keep the note to 300 characters or fewer."),
    "evidence_url": _l("The evidence link must be a web address (http or https)."),
    "invalid": _l("That view count cannot be used."),
}

# Why an admin typed a count (the creator reads the reason with the note).
REASON_LABELS = {
    "fetch_blocked": _l("TikTok could not be read automatically"),
    "creator_evidence": _l("The creator sent proof (screenshot or recording)"),
    "correction": _l("Correcting an earlier count"),
    "other": _l("Other (the note explains)"),
}


class ManualViewsForm(FlaskForm):
    # Text, not IntegerField: people type 50.000, 50,000 or 50 000 (parse_views reads them all).
    views = StringField(_l("Views on TikTok now"), render_kw={
        "inputmode": "numeric", "autocomplete": "off", "placeholder": "50.000"})
    reason_code = SelectField(
        _l("Why by hand"), choices=[SelectChoice("", _l("Choose a reason"))]
        + [SelectChoice(code, label) for code, label in REASON_LABELS.items()],
        validators=[InputRequired(message=VIEW_ERRORS["reason"])])
    note = TextAreaField(_l("Note (the creator sees it)"), filters=[_strip], validators=[
        DataRequired(message=VIEW_ERRORS["note_required"]),
        Length(max=NOTE_MAX, message=VIEW_ERRORS["note_too_long"])])
    evidence_url = StringField(_l("Evidence link (optional)"), filters=[_strip], render_kw={
        "inputmode": "url", "placeholder": "https://"}, validators=[Optional()])
    confirm_decrease = BooleanField(_l("Yes, the count goes down (the note says why)"))
    four_eyes_ack = BooleanField(_l("Send for a second admin's approval"))

    count: int | None = None  # the number read from `views` once validated

    def validate_views(self, field):
        try:
            self.count = parse_views(field.data)
        except InvalidViews as exc:
            raise ValidationError(VIEW_ERRORS.get(exc.code, VIEW_ERRORS["invalid"])) from None

    def validate_evidence_url(self, field):
        if len(field.data or "") > URL_MAX:
            raise ValidationError(_l("Keep the link to 500 characters or fewer."))
        try:
            check_evidence_url(field.data)
        except InvalidViews:
            raise ValidationError(VIEW_ERRORS["evidence_url"]) from None


class ProposalRejectForm(FlaskForm):
    reason = StringField(_l("Why reject"), filters=[_strip], validators=[
        DataRequired(message=_l("Say why the entry is rejected.")),
        Length(max=REJECT_REASON_MAX)])
