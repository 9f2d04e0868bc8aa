from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import BooleanField, SelectChoice, SelectField, StringField, TextAreaField
from wtforms.validators import DataRequired, InputRequired, Length, Optional, ValidationError

from webapp.tracking.errors import InvalidViews
from webapp.tracking.manual import NOTE_MAX, REJECT_REASON_MAX, URL_MAX, check_evidence_url
from webapp.tracking.views_input import parse_views


class RejectForm(FlaskForm):
    reason = TextAreaField(_l("Reason (the creator sees it)"), validators=[
        InputRequired(message=_l("Say why, so the creator can fix it.")), Length(max=1000)])


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


def _strip(value):
    return value.strip() if isinstance(value, str) else value


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
