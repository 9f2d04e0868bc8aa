"""Writing mail: each one worded in its recipient's language and put in the outbox."""
from flask import current_app, render_template
from flask_babel import force_locale
from flask_babel import gettext as _

from webapp.auth.models import User
from webapp.notifications import links, messages, outbox
from webapp.notifications.models import PASSWORD_RESET


def _language(user: User) -> str:
    config = current_app.config
    return user.locale if user.locale in config["LANGUAGES"] else config["BABEL_DEFAULT_LOCALE"]


def queue_notification(user: User, kind: str, params: dict, link: str | None) -> int:
    """The notification as a mail, with a link to what it is about and to the e-mail switch."""
    with force_locale(_language(user)):
        said = messages.words(kind, params)
        page = dict(
            title=said.title, body=said.body,
            url=links.absolute(link or links.path_for("notifications.index")),
            settings_url=links.absolute(links.path_for("notifications.settings")))
        subject = _("ViewPay: %(title)s", title=said.title)
        text = render_template("notifications/mail_notification.txt", **page)
        html = render_template("notifications/mail_notification.html", **page)
    return outbox.add(user.id, kind, user.email, subject, text, html)


def queue_password_reset(user: User, token: str) -> int:
    """The reset link, sent whatever the user chose for notifications (they asked for it)."""
    with force_locale(_language(user)):
        page = dict(url=links.absolute(links.path_for("auth.reset_password", token=token)),
                    hours=current_app.config["PASSWORD_RESET_HOURS"],
                    forgot_url=links.absolute(links.path_for("auth.forgot_password")))
        subject = _("ViewPay: reset your password")
        text = render_template("notifications/mail_reset.txt", **page)
        html = render_template("notifications/mail_reset.html", **page)
    return outbox.add(user.id, PASSWORD_RESET, user.email, subject, text, html)
