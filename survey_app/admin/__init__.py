"""Staff console: sign-in, units, service points, QR posters, API keys."""
from flask import Blueprint

bp = Blueprint("admin", __name__)

from survey_app.admin import (  # noqa: E402,F401  (routes register on import)
    assisted,
    comment_analysis,
    crosstab,
    dossiers,
    exports,
    feedback,
    imports,
    insights,
    instruments,
    keys,
    paper,
    quarantine,
    responses,
    results,
    targets,
    users,
    views,
)
