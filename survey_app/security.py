"""Security headers on every response (a strict CSP: no scripts, except the kiosk's own).

Every page forbids scripts. The kiosk form alone (``/k/<token>``) may run the app's own
script and service worker (``script-src 'self'``), which keep answers through a dropped
connection (``survey_app/public/kiosk_offline.py``); a view opts in with
``allow_own_scripts(response)``. The citizen QR form ``/s/`` stays script-free. The app
serves no other JavaScript, and JSON goes out as ``application/json`` with ``nosniff``.
"""

CSP = ("default-src 'self'; script-src 'none'; style-src 'self' 'unsafe-inline'; "
       "img-src 'self' data:; object-src 'none'; base-uri 'none'; form-action 'self'; "
       "frame-ancestors 'none'")
KIOSK_CSP = CSP.replace("script-src 'none'",
                        "script-src 'self'; worker-src 'self'; manifest-src 'self'")


def allow_own_scripts(response):
    """Let this response's page run the app's own scripts (the kiosk form only)."""
    response.allow_own_scripts = True
    return response


def register(app):
    @app.after_request
    def security_headers(response):
        headers = response.headers
        csp = KIOSK_CSP if getattr(response, "allow_own_scripts", False) else CSP
        headers.setdefault("X-Content-Type-Options", "nosniff")
        headers.setdefault("Referrer-Policy", "same-origin")
        headers.setdefault("Permissions-Policy", "camera=(), microphone=(), geolocation=()")
        if "Content-Security-Policy" in headers:
            # a view that may be embedded (the public widget) sets its own frame-ancestors
            headers["Content-Security-Policy"] = csp.replace(
                "frame-ancestors 'none'", headers["Content-Security-Policy"])
        else:
            headers["Content-Security-Policy"] = csp
            headers.setdefault("X-Frame-Options", "DENY")
        if app.config.get("SESSION_COOKIE_SECURE"):
            headers.setdefault("Strict-Transport-Security", "max-age=31536000")
        return response
