"""Admin: `ledger verify` results, and running it now on the worker."""
from flask import render_template, request

from webapp.admin import bp
from webapp.earnings import verify
from webapp.extensions import jobqueue

VERIFY_JOB = "jobs.ledger.verify"


@bp.get("/money/ledger")
def ledger_checks():
    """The latest ledger checks and what they found."""
    return render_template("admin/money/ledger.html", checks=verify.recent_checks(),
                           latest=verify.latest_check(), waiting_after=None)


@bp.post("/money/ledger/verify")
def ledger_verify():
    """Queue a full check on the worker; the status fragment polls until it has run."""
    latest = verify.latest_check()
    jobqueue.enqueue(VERIFY_JOB, "admin", job_id="ledger-verify", timeout=1800)
    return render_template("admin/money/_ledger_status.html", latest=latest,
                           waiting_after=latest.id if latest else 0)


@bp.get("/money/ledger/status")
def ledger_status():
    """The latest check; keeps polling while the one asked for has not finished."""
    after = request.args.get("after", type=int)
    latest = verify.latest_check()
    done = after is None or (latest is not None and latest.id > after)
    # The check just finished: the table below gets its row in the same answer (out of band).
    finished = done and after is not None
    return render_template("admin/money/_ledger_status.html", latest=latest,
                           waiting_after=None if done else after, oob_checks=finished,
                           checks=verify.recent_checks() if finished else None,
                           new_after=after)
