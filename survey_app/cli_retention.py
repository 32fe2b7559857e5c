"""`hailong retention run`: the retention rules, run by the deploy kit's timer."""
import click
from flask import current_app
from flask.cli import with_appcontext

from survey_app.extensions import db


@click.group("retention")
def retention_group():
    """Delete personal data past the retention period (HAILONG_RETENTION_MONTHS)."""


@retention_group.command("run")
@click.option("--dry-run", is_flag=True, help="Count what would change; change nothing.")
@click.option("--months", type=click.IntRange(min=1),
              help="Retention period in months (default: HAILONG_RETENTION_MONTHS).")
@with_appcontext
def run_command(dry_run, months):
    """Remove personal data from comments and the optional profile answers of responses
    older than the retention period, and clear old address hashes; audited."""
    from survey_app.services import retention

    months = months or current_app.config["RETENTION_MONTHS"]
    if not months:
        click.echo("retention is off (HAILONG_RETENTION_MONTHS=0): nothing to do")
        return
    report = retention.run(months, dry_run=dry_run)
    if dry_run:
        db.session.rollback()
    else:
        db.session.commit()
    verb = "would change" if dry_run else "changed"
    click.echo(f"answers sent before {report.cutoff:%Y-%m-%d %H:%M} UTC ({months} months) "
               f"{verb}: {report.comments} comments ({report.comments_changed} with personal "
               f"data masked), {report.profiles} profiles, {report.address_hashes} address "
               f"hashes" + (" (dry run: nothing was changed)" if dry_run else ""))
