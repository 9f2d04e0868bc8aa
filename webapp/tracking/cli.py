"""`flask views ...`: view counts from the shell."""
import sys

import click
from flask.cli import AppGroup
from flask_babel import force_locale

from webapp.auth.services import find_by_email
from webapp.i18n import views, when
from webapp.tracking import import_csv, import_messages, imports
from webapp.tracking.models import MANUAL_REASONS

views_cli = AppGroup("views", help="Bulk view counts.")
INVALID = 2  # exit status when any row (or the file) is refused: nothing was booked


@views_cli.command("import")
@click.argument("file", type=click.File("rb"))
@click.option("--admin", "admin_email", required=True, help="The admin the entries are by.")
@click.option("--reason", "reason_code", type=click.Choice(MANUAL_REASONS),
              default="fetch_blocked", show_default=True, help="Why the counts are by hand.")
@click.option("--dry-run", is_flag=True, help="Check every row; store nothing.")
def import_command(file, admin_email: str, reason_code: str, dry_run: bool):
    """Import view counts from a CSV file (video_url_or_id,views,observed_at,note).

    One line per row; exit 0 when every row is valid (and booked unless --dry-run), 2 when any
    is not (then nothing is booked).
    """
    admin = find_by_email(admin_email)
    if admin is None or not admin.is_admin:
        raise click.ClickException(f"no admin account for {admin_email}")
    content = file.read(import_csv.MAX_BYTES + 1)
    with force_locale("en"):  # the shell speaks English, like the other commands
        try:
            report = (imports.preview(content) if dry_run
                      else imports.apply(content, admin.id, reason_code))
        except import_csv.FileRefused as exc:
            click.echo(f"error: {import_messages.file_error(exc)}")
            sys.exit(INVALID)
        for check in report.rows:
            click.echo(_line(check))
        click.echo(_summary(report, dry_run))
    if not report.valid:
        sys.exit(INVALID)


def _line(check) -> str:
    """row 2: ok 7350123456789012345 150,247 → 160,000"""
    head = f"row {check.row.number}: {check.state}"
    if check.state == imports.ERROR:
        return f"{head}: {import_messages.row_error(check)}"
    if check.state == imports.SKIP:
        return (f"{head} {check.video_id} {views(check.views)} (import "
                f"#{check.booked_as.import_id}, row {check.booked_as.row_number})")
    line = f"{head} {check.video_id} {views(check.views_before)} → {views(check.views)}"
    return line + (" (waits for a second admin)" if check.state == imports.PROPOSE else "")


def _summary(report, dry_run: bool) -> str:
    counts = (f"{report.count(imports.OK)} ok, {report.count(imports.PROPOSE)} proposed, "
              f"{report.count(imports.SKIP)} already imported, "
              f"{report.count(imports.ERROR)} refused")
    if report.already_imported:
        return (f"already imported on {when(report.previous.created_at)} by "
                f"{report.previous.admin.email}: nothing booked")
    if report.stopped_at is not None:
        return (f"stopped at row {report.stopped_at.row.number}; the rows before it are booked, "
                "fix the file and run it again to book the rest")
    if not report.valid:
        return f"{counts}: nothing booked"
    if dry_run:
        return f"{counts}: dry run, nothing stored"
    return f"{counts}: booked (import #{report.started.id})"
