"""The public address printed in QR codes, posters and invitation links."""
import os

from flask import current_app, has_request_context, request


def base_url():
    """``HAILONG_BASE_URL`` when it is set (production must set it).

    Otherwise, in a request, the address the visitor used (a phone on the office Wi-Fi
    gets links it can open); in a command, the address ``hailong run`` serves, from
    ``FLASK_RUN_HOST`` and ``FLASK_RUN_PORT`` as ``make demo PORT=…`` sets them.
    """
    configured = current_app.config.get("BASE_URL")
    if configured:
        return configured.rstrip("/")
    if has_request_context():
        return request.host_url.rstrip("/")
    host = os.environ.get("FLASK_RUN_HOST") or "127.0.0.1"
    if host in ("0.0.0.0", "::"):  # noqa: S104 - listening everywhere; this machine answers
        host = "127.0.0.1"
    return f"http://{host}:{os.environ.get('FLASK_RUN_PORT') or 5000}"
