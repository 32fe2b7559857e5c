"""Account lockout: after ``LOCKOUT_AFTER`` wrong passwords in a row an account is locked
for ``LOCKOUT_MINUTES``, whatever address the attempts come from (the per-address rate
limit alone does not stop a slow, distributed guesser). A manager who sets a new
password, or a successful login after the lock expires, clears the count."""
from datetime import timedelta

from flask import current_app

from survey_app.models.base import utcnow
from survey_app.services import audit


def is_locked(user):
    return user.locked_until is not None and user.locked_until > utcnow()


def failed(user):
    """Count a wrong password; lock the account when the count reaches the limit."""
    user.failed_logins = (user.failed_logins or 0) + 1
    if user.failed_logins >= current_app.config["LOCKOUT_AFTER"]:
        user.locked_until = utcnow() + timedelta(minutes=current_app.config["LOCKOUT_MINUTES"])
        user.failed_logins = 0
        audit.record(None, "user.locked", user)


def clear(user):
    user.failed_logins = 0
    user.locked_until = None
