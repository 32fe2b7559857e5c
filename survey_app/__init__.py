"""hailong: the Flask application factory."""
import os

from flask import Flask, has_request_context, request, session
from werkzeug.middleware.proxy_fix import ProxyFix

from survey_app import read_replica
from survey_app.config import Config, UnsafeConfiguration, check_production, default_database_url
from survey_app.extensions import babel, csrf, db, limiter, login, migrate
from survey_app.services import sqlite_fixes  # noqa: F401  (engine event listeners)


def select_locale():
    """``?lang=`` wins and is remembered in the session; Vietnamese is the default.

    The API keeps no session: it follows ``?lang=`` or ``Accept-Language``. Outside a
    request (commands, background work) the default applies unless ``force_locale`` says.
    """
    if not has_request_context():
        return None
    wanted = request.args.get("lang")
    if request.path.startswith("/api/"):
        if wanted in ("vi", "en"):
            return wanted
        return request.accept_languages.best_match(["vi", "en"]) or "vi"
    if wanted in ("vi", "en"):
        session["lang"] = wanted
        return wanted
    return session.get("lang", "vi")


def create_app(config=None):
    """Build the app. ``config`` (a mapping) overrides the environment-based ``Config``."""
    app = Flask(__name__, instance_relative_config=False,
                instance_path=os.environ.get("HAILONG_INSTANCE_PATH") or None)
    app.config.from_object(Config)
    if config:
        app.config.update(config)
    if not app.config.get("SQLALCHEMY_DATABASE_URI"):
        # The embedded default: a SQLite file in the instance folder, made on first use.
        os.makedirs(app.instance_path, exist_ok=True)
        app.config["SQLALCHEMY_DATABASE_URI"] = default_database_url(app.instance_path)
    if app.config.get("HASH_KEY") is None:
        app.config["HASH_KEY"] = app.config["SECRET_KEY"]
    if app.config["ENV_NAME"] == "production":
        problems = check_production(app.config)
        if problems:
            raise UnsafeConfiguration("refusing to start: " + "; ".join(problems))

    proxies = int(app.config.get("PROXY_COUNT") or 0)
    if proxies:
        # Behind nginx: take the client address and scheme from the proxy's headers, or
        # every citizen would share the proxy's address (and one rate-limit bucket).
        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=proxies, x_proto=proxies, x_host=proxies)

    db.init_app(app)
    read_replica.init_app(app)
    migrate.init_app(app, db, directory=os.path.join(os.path.dirname(__file__), "..", "migrations"))
    babel.init_app(app, locale_selector=select_locale)
    csrf.init_app(app)
    login.init_app(app)
    login.login_view = "admin.login"
    login.login_message = None
    limiter.init_app(app)

    from survey_app import errors, formatting, labels, public, security
    from survey_app.admin import bp as admin_bp
    from survey_app.api import bp as api_bp

    app.register_blueprint(public.bp)
    app.register_blueprint(admin_bp, url_prefix="/admin")
    app.register_blueprint(api_bp, url_prefix="/api/v1")
    errors.register(app)
    formatting.register(app)
    labels.register(app)
    security.register(app)
    csrf.exempt(api_bp)

    @login.user_loader
    def load_user(session_id):
        from survey_app.models import User

        # "<user id>:<session version>"; a session from before a logout, a password change
        # or reset carries an older version and is refused (the cookie alone proves nothing).
        # Read from the primary: a deactivated account or a changed role counts at once.
        user_id, _sep, version = session_id.partition(":")
        if not (user_id.isdigit() and version.isdigit()):
            return None
        user = db.session.get(User, int(user_id), bind_arguments=read_replica.ON_PRIMARY)
        if user is None or not user.active or user.session_version != int(version):
            return None
        return user

    @app.before_request
    def writes_take_the_write_lock():
        if request.method in ("POST", "PUT", "PATCH", "DELETE"):
            sqlite_fixes.begin_write(db.session)

    @app.context_processor
    def inject_locale():
        from flask_babel import get_locale

        return {"lang": str(get_locale() or "vi")}

    return app
