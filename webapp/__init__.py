"""ViewPay: pays creators by the views their TikTok videos earn."""
import os

from flask import Flask

from webapp import bounds, security
from webapp.config import Config


def create_app(config: dict | None = None) -> Flask:
    # INSTANCE_PATH (tests, benchmarks): keep the database and secret key out of the checkout.
    app = Flask(__name__, instance_relative_config=False,
                instance_path=(config or {}).get("INSTANCE_PATH") or Config.INSTANCE_PATH)
    app.config.from_object(Config)
    if config:
        app.config.update(config)
    security.restrict_instance_dir(app.instance_path)
    embedded = not app.config.get("SQLALCHEMY_DATABASE_URI")
    if embedded:
        app.config["SQLALCHEMY_DATABASE_URI"] = "sqlite:///" + os.path.join(
            app.instance_path, "viewpay.db")
    check_settings(app, embedded)
    register_extensions(app)
    bounds.init_app(app)  # before the blueprints: their <int:...> rules use its converter
    register_blueprints(app)
    register_signal_receivers()
    register_errorhandlers(app)
    security.init_app(app)  # headers on every answer, error pages included
    register_template_helpers(app)
    register_commands(app)
    return app


def check_settings(app: Flask, embedded: bool) -> None:
    """Refuse to run with settings that would fail later or silently weaken security."""
    from webapp import secrets_file
    from webapp.auth import redirect_uri
    from webapp.earnings.rates import validate_rate

    if not app.config.get("SECRET_KEY"):
        if not (embedded or app.config.get("TESTING")):
            raise RuntimeError("Set SECRET_KEY: sessions and stored TikTok tokens depend on it.")
        app.config["SECRET_KEY"] = secrets_file.instance_secret(app.instance_path)
    redirect_uri.check_settings(app)  # Login Kit's callback URL from settings, never the Host
    with app.app_context():
        validate_rate(app.config["RATE_PER_VIEW"])  # a bad RATE_PER_VIEW would fail every approval


def register_extensions(app: Flask) -> None:
    from webapp import form_messages, i18n, logs, sqlite_pragmas
    from webapp.auth import throttle
    from webapp.extensions import csrf, db, jobqueue, limiter, login_manager, migrate
    from webapp.extensions import session_cookies

    logs.init_app(app)  # JSON lines with the request id, first: everything after logs
    app.session_interface = session_cookies

    sqlite_pragmas.init_app(app)  # engine options must be set before the engine exists
    db.init_app(app)
    from webapp import autocommit, db_pool

    with app.app_context():
        db_pool.init_app(app, db.engine)  # ping pooled connections only after idling
        autocommit.init_app(app, db.engine)  # the polls' own pool (PostgreSQL)
    from webapp import txn

    txn.init_app(app)  # the polls' autocommit, before any hook that reads (the login's user)
    migrate.init_app(app, db, directory=os.path.join(os.path.dirname(app.root_path), "migrations"))
    login_manager.init_app(app)
    csrf.init_app(app)
    i18n.init_app(app)
    form_messages.init_app(app)  # WTForms' own messages from our catalog (it has no Indonesian)
    # One count for all gunicorn workers: the app's Redis, the embedded one included.
    app.config["RATELIMIT_STORAGE_URI"] = throttle.limiter_storage_uri(app)
    limiter.init_app(app)
    jobqueue.init_app(app)


def register_blueprints(app: Flask) -> None:
    from webapp.admin import bp as admin_bp
    from webapp.auth import bp as auth_bp
    from webapp.earnings import bp as earnings_bp
    from webapp.submissions import bp as submissions_bp

    app.register_blueprint(auth_bp)
    app.register_blueprint(submissions_bp)
    app.register_blueprint(earnings_bp)
    app.register_blueprint(admin_bp, url_prefix="/admin")
    from webapp.health import bp as health_bp

    app.register_blueprint(health_bp)
    from webapp.site import bp as site_bp

    app.register_blueprint(site_bp)  # /favicon.ico
    from webapp import bench_trivial

    bench_trivial.init_app(app)  # /_bench/trivial, only with BENCH_TRIVIAL_ENDPOINT=1
    from webapp.api import bp as api_bp

    app.register_blueprint(api_bp, url_prefix="/api")
    from webapp.notifications import bp as notifications_bp

    app.register_blueprint(notifications_bp)
    from webapp.landing import bp as landing_bp

    app.register_blueprint(landing_bp)  # the landing page's figures (/ is submissions.index)


def register_signal_receivers() -> None:
    """Areas hear each other's news without importing each other (webapp.auth.signals): the
    receivers connect when their modules load, so load them in every process (web, worker)."""
    from webapp.earnings import listeners as earnings_listeners  # noqa: F401 (money follows)
    from webapp.submissions import services  # noqa: F401 (claims end when a handle is lost)
    from webapp.tracking import listeners as tracking_listeners  # noqa: F401 (counts, flags)
    from webapp.notifications import listeners as notification_listeners  # noqa: F401 (last)


def register_errorhandlers(app: Flask) -> None:
    from webapp import errors

    errors.init_app(app)


def register_template_helpers(app: Flask) -> None:
    from webapp import htmx, i18n

    i18n.register_filters(app)
    htmx.init_app(app)


def register_commands(app: Flask) -> None:
    from webapp.auth.cli import users_cli
    from webapp.demo import demo_cli
    from webapp.demo_load import load as demo_load  # `flask demo load` (it uses demo's accounts)
    from webapp.earnings.cli import ledger_cli
    from webapp.tiktok_cli import tiktok_cli
    from webapp.jobs_cli import jobs_cli
    from webapp.api.cli import api_cli

    demo_cli.add_command(demo_load)
    for group in (users_cli, demo_cli, jobs_cli, ledger_cli, tiktok_cli, api_cli):
        app.cli.add_command(group)
    from webapp.tracking.cli import views_cli  # bulk view counts (CSV import)

    app.cli.add_command(views_cli)
