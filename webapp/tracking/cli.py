import click
from flask.cli import AppGroup

from webapp.tracking.scheduling import enqueue_due_refreshes

jobs_cli = AppGroup("jobs", help="Background work.")


@jobs_cli.command("refresh-due")
def refresh_due():
    """Enqueue a refresh for every approved video that is due now."""
    click.echo(f"queued {enqueue_due_refreshes()} refresh job(s)")
