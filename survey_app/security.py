"""Security headers on every response (a strict CSP: no scripts at all are served).

A page that needs a small script of its own (the paper entry screen) calls
``allow_own_scripts()``: its CSP then allows scripts from this site's static files only
(still no inline script, no other origin); every other page keeps ``script-src 'none'``.
"""
from flask import g

CSP = ("default-src 'self'; script-src 'none'; style-src 'self' 'unsafe-inline'; "
       "img-src 'self' data:; object-src 'none'; base-uri 'none'; form-action 'self'; "
       "frame-ancestors 'none'")


def allow_own_scripts():
    """Let this response's page load scripts from /static (and nothing else)."""
    g.allow_own_scripts = True


def register(app):
    @app.after_request
    def security_headers(response):
        headers = response.headers
        headers.setdefault("X-Content-Type-Options", "nosniff")
        headers.setdefault("Referrer-Policy", "same-origin")
        headers.setdefault("Permissions-Policy", "camera=(), microphone=(), geolocation=()")
        policy = CSP
        if g.get("allow_own_scripts"):
            policy = CSP.replace("script-src 'none'", "script-src 'self'")
        if "Content-Security-Policy" in headers:
            # a view that may be embedded (the public widget) sets its own frame-ancestors
            headers["Content-Security-Policy"] = policy.replace(
                "frame-ancestors 'none'", headers["Content-Security-Policy"])
        else:
            headers["Content-Security-Policy"] = policy
            headers.setdefault("X-Frame-Options", "DENY")
        if app.config.get("SESSION_COOKIE_SECURE"):
            headers.setdefault("Strict-Transport-Security", "max-age=31536000")
        return response
