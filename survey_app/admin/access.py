"""Scope checks: staff see only the units of their own subtree."""
from functools import wraps

from flask import abort
from flask_login import current_user, login_required


def in_scope(unit):
    return unit is not None and unit.is_within(current_user.unit)


def require_in_scope(unit):
    """404 (not 403) outside the user's subtree, so that other units stay invisible."""
    if not in_scope(unit):
        abort(404)
    return unit


def manager_required(view):
    @wraps(view)
    @login_required
    def wrapped(*args, **kwargs):
        if not current_user.can_manage:
            abort(403)
        return view(*args, **kwargs)

    return wrapped
