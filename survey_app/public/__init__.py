"""Citizen-facing pages: QR landing, survey form, kiosk, invitations, thank-you."""
from flask import Blueprint

bp = Blueprint("public", __name__)

from survey_app.public import (  # noqa: E402,F401  (routes register on import)
    kiosk_offline,
    privacy,
    results,
    views,
)
