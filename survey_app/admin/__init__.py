"""Staff console: sign-in, units, service points, QR posters, API keys."""
from flask import Blueprint

bp = Blueprint("admin", __name__)

from survey_app.admin import exports, feedback, results, targets, users, views  # noqa: E402,F401
