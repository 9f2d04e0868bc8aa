"""Read-only views of tracked videos for the admin pages."""
from sqlalchemy import select

from webapp.extensions import db
from webapp.submissions.models import APPROVED, Submission

SORTS = {
    "views": Submission.current_views.desc().nulls_last(),
    "failing": Submission.refresh_failures.desc(),
    "stale": Submission.last_view_update.asc().nulls_first(),
}


def tracked_videos(sort: str = "views", page: int = 1, per_page: int = 50):
    query = select(Submission).where(Submission.status == APPROVED).order_by(
        SORTS.get(sort, SORTS["views"]), Submission.id)
    return db.paginate(query, page=page, per_page=per_page, error_out=False)
