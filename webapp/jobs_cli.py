"""`flask jobs ...`: the refresh scan by hand, and the operators' view of background work (status,
retry, drop). Outside webapp/tracking/ because it reads webapp.operations, which reads tracking."""
import json

import click
from flask.cli import AppGroup

from webapp.tracking.scheduling import enqueue_due_refreshes

jobs_cli = AppGroup("jobs", help="Background work.")


@jobs_cli.command("refresh-due")
def refresh_due():
    """Enqueue a refresh for every approved video that is due now."""
    click.echo(f"queued {enqueue_due_refreshes()} refresh job(s)")


@jobs_cli.command("status")
@click.option("--failed", "failed_limit", default=20, show_default=True,
              help="How many of the newest failed jobs to list.")
def status(failed_limit):
    """Queues, failed jobs, workers, scheduler, periodic jobs and stuck leases, as JSON."""
    from webapp import operations

    click.echo(json.dumps(operations.status(failed_limit), indent=2))


@jobs_cli.command("retry-failed")
@click.argument("job_ids", nargs=-1)
@click.option("--all", "every", is_flag=True, help="Every failed job.")
def retry_failed(job_ids, every):
    """Queue failed jobs again (audited)."""
    from webapp import operations

    done = operations.retry_failed(_chosen(job_ids, every), actor_id=None, via="cli")
    _report("retried", done, job_ids)


@jobs_cli.command("drop-failed")
@click.argument("job_ids", nargs=-1)
@click.option("--all", "every", is_flag=True, help="Every failed job.")
def drop_failed(job_ids, every):
    """Delete failed jobs (audited); a dropped refresh's videos are due again at once."""
    from webapp import operations

    done = operations.drop_failed(_chosen(job_ids, every), actor_id=None, via="cli")
    _report("dropped", done, job_ids)


def _chosen(job_ids, every) -> list[str] | None:
    if bool(job_ids) == bool(every):
        raise click.UsageError("Give failed job ids, or --all.")
    return list(job_ids) if job_ids else None


def _report(verb: str, done: list[str], asked) -> None:
    click.echo(f"{verb} {len(done)} job(s)")
    missing = sorted(set(asked) - set(done))
    if missing:
        raise click.ClickException(f"not in the failed registry: {', '.join(missing)}")
