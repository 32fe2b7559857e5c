"""Staff console: sign-in, units, service points, QR posters, API keys."""
from flask import Blueprint

bp = Blueprint("admin", __name__)

from survey_app.admin import (  # noqa: E402,F401  (routes register on import)
    exports,
    feedback,
    imports,
    insights,
    instruments,
    keys,
    results,
    targets,
    users,
    views,
)
