"""WSGI entry point for gunicorn: ``gunicorn survey_app.wsgi:app``.

The statistics modules are imported here, once per worker as it starts, rather than by
the first request that needs them: the CLI imports them lazily to start fast, but a web
worker would otherwise make its first visitor wait ~2 s for SciPy and statsmodels.
"""
import analysis.compare  # noqa: F401 - warm-up, see above
import analysis.forecast  # noqa: F401
import analysis.indices  # noqa: F401
import analysis.psu_sums  # noqa: F401
from survey_app import create_app

app = create_app()
