"""Security headers on every response (a strict CSP: no scripts, except a page's own).

Every page forbids scripts. Two pages may run the app's own static scripts (still no
inline script, no other origin): the paper entry screen (``allow_own_scripts()``, during
the request) and the kiosk form ``/k/<token>``, whose script and service worker keep
answers through a dropped connection (``allow_own_scripts(response)``; see
``survey_app/public/kiosk_offline.py``). The citizen QR form ``/s/`` stays script-free.
JSON goes out as ``application/json`` with ``nosniff``.
"""
from flask import g

CSP = ("default-src 'self'; script-src 'none'; style-src 'self' 'unsafe-inline'; "
       "img-src 'self' data:; object-src 'none'; base-uri 'none'; form-action 'self'; "
       "frame-ancestors 'none'")
OWN_SCRIPTS_CSP = CSP.replace("script-src 'none'", "script-src 'self'")
KIOSK_CSP = CSP.replace("script-src 'none'",
                        "script-src 'self'; worker-src 'self'; manifest-src 'self'")


def allow_own_scripts(response=None):
    """Let this page load the app's own scripts: the kiosk passes its ``response`` (and
    may also register its service worker); other pages call it during the request."""
    if response is None:
        g.allow_own_scripts = True
        return None
    response.allow_own_scripts = True
    return response


def register(app):
    @app.after_request
    def security_headers(response):
        headers = response.headers
        if getattr(response, "allow_own_scripts", False):
            csp = KIOSK_CSP
        elif g.get("allow_own_scripts"):
            csp = OWN_SCRIPTS_CSP
        else:
            csp = CSP
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
