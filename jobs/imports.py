from jobs.context import app_context


def book_import(import_id: int) -> dict:
    """Book the rows of a recorded CSV import of view counts (resumable: a retry books only
    the rows still missing)."""
    from webapp.tracking.imports import book

    with app_context():
        report = book(import_id)
        return {"booked": report.count("ok") + report.count("proposed"),
                "refused": report.count("error"), "finished": report.started.finished}
