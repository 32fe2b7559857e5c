"""`hailong tally refresh`: bring the tallies up to date (the deploy's timer runs it every
minute; pages refresh a small backlog themselves)."""
import time

import click
from flask.cli import with_appcontext


@click.group("tally")
def tally_group():
    """Sums per service point and day that every index is computed from."""


@tally_group.command("refresh")
@with_appcontext
def refresh_command():
    """Recompute the tallies of every changed service point and month (all of them after a
    questionnaire's items or index tree changed)."""
    from survey_app.services import tally

    started = time.monotonic()
    waiting = tally.pending()
    cells = tally.refresh(force=True)
    click.echo(f"{waiting} changed day(s) counted: {cells} cell(s) (service point x month) "
               f"recomputed in {time.monotonic() - started:.1f} s")
