"""Record staff writes."""
from survey_app.extensions import db
from survey_app.models import AuditLog


def record(user, action, target, **detail):
    db.session.add(AuditLog(
        user_id=getattr(user, "id", None), action=action,
        target_type=type(target).__name__.lower(), target_id=getattr(target, "id", None),
        detail=detail or None,
    ))
