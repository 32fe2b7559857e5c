"""Security headers on every response (a strict CSP: no scripts at all are served)."""

CSP = ("default-src 'self'; script-src 'none'; style-src 'self' 'unsafe-inline'; "
       "img-src 'self' data:; object-src 'none'; base-uri 'none'; form-action 'self'; "
       "frame-ancestors 'none'")


def register(app):
    @app.after_request
    def security_headers(response):
        headers = response.headers
        headers.setdefault("X-Content-Type-Options", "nosniff")
        headers.setdefault("Referrer-Policy", "same-origin")
        headers.setdefault("Permissions-Policy", "camera=(), microphone=(), geolocation=()")
        if "Content-Security-Policy" in headers:
            # a view that may be embedded (the public widget) sets its own frame-ancestors
            headers["Content-Security-Policy"] = CSP.replace(
                "frame-ancestors 'none'", headers["Content-Security-Policy"])
        else:
            headers["Content-Security-Policy"] = CSP
            headers.setdefault("X-Frame-Options", "DENY")
        if app.config.get("SESSION_COOKIE_SECURE"):
            headers.setdefault("Strict-Transport-Security", "max-age=31536000")
        return response
