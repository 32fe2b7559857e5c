"""API keys for integrators: shown once, stored as a hash, revocable."""
import hashlib
import hmac
import secrets

import sqlalchemy as sa

from survey_app.extensions import db
from survey_app.models import ApiKey, Unit
from survey_app.models.base import utcnow
from survey_app.read_replica import ON_PRIMARY


def _hash(secret):
    return hashlib.sha256(secret.encode("utf-8")).hexdigest()


def issue(scope, label=None):
    """Make a key for a service point (invitations) or a unit (read-only results).

    Return ``(row, plain_key)``. The plain key is not kept."""
    prefix = secrets.token_hex(6)
    secret = secrets.token_urlsafe(24)
    plain = f"hl_{prefix}_{secret}"
    row = ApiKey(prefix=prefix, key_hash=_hash(plain), label=label)
    if isinstance(scope, Unit):
        row.unit_id = scope.id
    else:
        row.service_point_id = scope.id
    db.session.add(row)
    db.session.flush()
    return row, plain


def authenticate(plain):
    """The live ``ApiKey`` for a presented key, or None."""
    parts = (plain or "").split("_", 2)
    if len(parts) != 3 or parts[0] != "hl":
        return None
    # from the primary: a revoked key stops at once, not after the read replica's lag
    row = db.session.scalar(sa.select(ApiKey).where(ApiKey.prefix == parts[1]),
                            bind_arguments=ON_PRIMARY)
    if row is None or row.revoked_at is not None:
        return None
    if not hmac.compare_digest(row.key_hash, _hash(plain)):
        return None
    return row


def revoke(row):
    row.revoked_at = utcnow()
    db.session.flush()
