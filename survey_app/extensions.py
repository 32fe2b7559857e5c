"""Flask extensions, created unbound and initialised in ``create_app``."""
from flask_babel import Babel
from flask_limiter import Limiter
from flask_login import LoginManager
from flask_migrate import Migrate
from flask_sqlalchemy import SQLAlchemy
from flask_wtf import CSRFProtect

from survey_app.models.base import Base
from survey_app.read_replica import RoutingSession

# The session sends the reads of read-only requests to a replica when one is set up.
db = SQLAlchemy(model_class=Base, session_options={"class_": RoutingSession})
migrate = Migrate(render_as_batch=True, compare_type=True)
babel = Babel()
csrf = CSRFProtect()
login = LoginManager()
def _client_key():
    from survey_app.services.hashing import client_key

    return client_key()


limiter = Limiter(key_func=_client_key, default_limits=[])
