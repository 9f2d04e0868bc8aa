"""Recording what admins (and the system) did; callers commit with their own transaction.

Append-only like the ledger (the database refuses UPDATE and DELETE on audit_events). An event
with no actor is the system's own decision (auto-approval, a flag cleared by a proof)."""
import json

from webapp.audit.models import AuditEvent
from webapp.extensions import db


def record(actor_id: int | None, action: str, subject_type: str, subject_id, *,
           creator_id: int | None = None, submission_id: int | None = None, **detail) -> None:
    db.session.add(AuditEvent(
        actor_id=actor_id, action=action, subject_type=subject_type,
        subject_id=str(subject_id), creator_id=creator_id, submission_id=submission_id,
        detail=json.dumps(detail, default=str) if detail else None,
    ))
