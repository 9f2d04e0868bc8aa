"""Recording admin actions; callers commit with their own transaction."""
import json

from webapp.audit.models import AuditEvent
from webapp.extensions import db


def record(actor_id: int | None, action: str, subject_type: str, subject_id, **detail) -> None:
    db.session.add(AuditEvent(
        actor_id=actor_id, action=action, subject_type=subject_type,
        subject_id=str(subject_id), detail=json.dumps(detail, default=str) if detail else None,
    ))
