from jobs.context import app_context


def verify(trigger: str = "job") -> str:
    """The daily job (and "Check now"): verify the whole ledger and record the result."""
    from webapp.earnings.verify import run_and_record

    with app_context():
        check, problems = run_and_record(trigger)
        return "ok" if check.ok else f"{len(problems)} mismatch(es)"
