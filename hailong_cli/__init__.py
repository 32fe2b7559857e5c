"""The ``hailong`` command's entry point: starts in a tenth of a second.

``survey_app.cli.main`` is a ``FlaskGroup``: building it imports Flask, SQLAlchemy, every
extension and model, and listing its commands loads the whole app — about 2 s before
``hailong --help`` could print a line. This group lists the commands from the table below
without importing any of them, and imports a command only when it is run (or asked for
its own ``--help``). ``analyze`` lives outside ``survey_app`` (``hailong_cli.analyze``), so
``hailong analyze`` never imports Flask at all; every other command is looked up in
``survey_app.cli.main`` with the ``ScriptInfo`` Flask's own group would have made.

``tests/test_cli_startup.py`` checks that the table lists exactly the commands of
``survey_app.cli.main`` with their help, and that ``hailong --help`` imports neither
Flask nor scipy nor statsmodels.
"""
import importlib
import os

import click

#: Commands that run without the Flask app: name -> "module:attribute".
STANDALONE = {"analyze": "hailong_cli.analyze:analyze"}

#: Every top-level command and its one-line help (as ``survey_app.cli.main`` shows it).
COMMANDS = {
    "analyze": "Satisfaction indices with confidence intervals for RESPONSES.csv.",
    "check-config": "Refuse an unsafe production configuration (exit 1 and say what is wrong).",
    "create-api-key": "Make an API key; it is printed once and stored only as a hash.",
    "create-user": "Create a staff account.",
    "db": "Perform database migrations.",
    "demo": "Load a demo city, its counters, staff accounts and sample responses (once).",
    "export": "Export responses, one row per response, with value labels and a codebook.",
    "forecast": "Forecast an index series; the model is chosen by rolling-origin backtest.",
    "import": "Import the organisation (units, service points, procedures) or responses.",
    "import-official": "Import official SIPAS / PAR INDEX / PAPI results and targets from a CSV.",
    "instruments": "List, show and load the questionnaires.",
    "limiter": "Flask-Limiter maintenance & utility commands",
    "paper-forms": "Write the paper forms FIRST..LAST of a service point (one A4 page per "
                   "serial).",
    "qr": "Write QR codes or printable posters for the service points of a unit.",
    "report": "Official periodic report of a unit: letterhead, findings, ranking, targets, "
              "method.",
    "retention": "Delete personal data past the retention period (HAILONG_RETENTION_MONTHS).",
    "routes": "Show the routes for the app.",
    "run": "Run a development server.",
    "shell": "Run a shell in the app context.",
    "tally": "Sums per service point and day that every index is computed from.",
    "targets": "Official results and targets with the internal estimate, the nowcast of the "
               "next official value, the forecast to December and P(target met), as JSON.",
}


def flask_group(ctx):
    """``survey_app.cli.main``, with the context Flask's group gives its commands."""
    from flask.cli import ScriptInfo, load_dotenv

    from survey_app.cli import main as full

    if not isinstance(ctx.obj, ScriptInfo):
        # what FlaskGroup.make_context and its --env-file option do before any command
        os.environ["FLASK_RUN_FROM_CLI"] = "true"
        if full.load_dotenv:
            load_dotenv()
        ctx.obj = ScriptInfo(create_app=full.create_app, set_debug_flag=full.set_debug_flag,
                             load_dotenv_defaults=full.load_dotenv)
    return full


class LazyGroup(click.Group):
    """A group whose commands are imported when used, not when listed."""

    def list_commands(self, ctx):
        return sorted(COMMANDS)

    def get_command(self, ctx, name):
        if name in STANDALONE:
            module, attribute = STANDALONE[name].split(":")
            return getattr(importlib.import_module(module), attribute)
        # unknown names too: the full group may have gained a command this table lacks
        return flask_group(ctx).get_command(ctx, name)

    def format_commands(self, ctx, formatter):
        """The command list from ``COMMANDS``, without importing a single command."""
        limit = formatter.width - 6 - max(len(name) for name in COMMANDS)
        rows = [(name, click.utils.make_default_short_help(help_text, limit))
                for name, help_text in sorted(COMMANDS.items())]
        with formatter.section("Commands"):
            formatter.write_dl(rows)


@click.group(cls=LazyGroup)
def main():
    """hailong: citizen satisfaction with public services, measured properly."""
