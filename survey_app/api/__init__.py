"""JSON API for integrators (the one-stop software). Authenticated by API key, no cookies."""
from flask import Blueprint

bp = Blueprint("api", __name__)

from survey_app.api import dossiers, feed, results, views  # noqa: E402,F401
