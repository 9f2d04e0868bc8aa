"""WTForms' own messages ("This field is required.", "Not a valid integer value.") in the
interface language.

WTForms ships catalogs for many languages, but not Indonesian, and Flask-WTF only looks there. So
every form looks its built-in messages up in our catalog instead: they are msgids of our catalog
(listed below for `pybabel extract`, exactly as WTForms writes them), translated with the rest.
A message our catalog lacks stays WTForms' English.
"""
from flask_babel import get_translations
from flask_wtf import FlaskForm


class OurCatalog:
    """The gettext interface WTForms asks a form's Meta for, answered by our catalog."""

    def gettext(self, string: str) -> str:
        return get_translations().ugettext(string)

    def ngettext(self, singular: str, plural: str, n: int) -> str:
        return get_translations().ungettext(singular, plural, n)


CATALOG = OurCatalog()


def _our_catalog(meta, form) -> OurCatalog:
    return CATALOG


def init_app(app) -> None:
    # FlaskForm.Meta is the base of every form's Meta (WTForms builds each form's from the
    # Meta classes of its bases), so this reaches every form, ours and future ones alike.
    FlaskForm.Meta.get_translations = _our_catalog


# --- for `pybabel extract` only: markers with its default keywords N_ and ngettext -------------
def N_(message: str) -> str:  # noqa: N802 - the conventional no-op marker
    return message


def ngettext(singular: str, plural: str, n: int = 1) -> str:
    return singular


WTFORMS_MESSAGES = (
    N_("This field is required."),
    N_("Invalid input."),
    N_("Invalid email address."),
    N_("Invalid URL."),
    N_("Invalid UUID."),
    N_("Invalid IP address."),
    N_("Invalid Mac address."),
    N_("Field must be equal to %(other_name)s."),
    ngettext("Field must be at least %(min)d character long.",
             "Field must be at least %(min)d characters long."),
    ngettext("Field cannot be longer than %(max)d character.",
             "Field cannot be longer than %(max)d characters."),
    ngettext("Field must be exactly %(max)d character long.",
             "Field must be exactly %(max)d characters long."),
    N_("Field must be between %(min)d and %(max)d characters long."),
    N_("Number must be at least %(min)s."),
    N_("Number must be at most %(max)s."),
    N_("Number must be between %(min)s and %(max)s."),
    N_("Date must be at least %(min)s."),
    N_("Date must be at most %(max)s."),
    N_("Date must be between %(min)s and %(max)s."),
    N_("Invalid value, must be one of: %(values)s."),
    N_("Invalid value, can't be any of: %(values)s."),
    N_("This field cannot be edited."),
    N_("This field is disabled and cannot have a value."),
    N_("Not a valid choice."),
    N_("Invalid Choice: could not coerce."),
    N_("Invalid choice(s): one or more data inputs could not be coerced."),
    ngettext("'%(value)s' is not a valid choice for this field.",
             "'%(value)s' are not valid choices for this field."),
    N_("Not a valid integer value."),
    N_("Not a valid decimal value."),
    N_("Not a valid float value."),
    N_("Not a valid datetime value."),
    N_("Not a valid date value."),
    N_("Not a valid time value."),
    N_("Not a valid week value."),
)
