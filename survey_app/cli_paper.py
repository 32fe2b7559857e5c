"""``hailong paper-forms``: numbered paper questionnaires of a service point as one PDF,
for a print run (the console prints the same; see docs/paper.md)."""
from pathlib import Path

import click
import sqlalchemy as sa
from flask.cli import with_appcontext
from flask_babel import force_locale

from survey_app.extensions import db


@click.command("paper-forms")
@click.option("--unit", "unit_code", required=True, help="Code of the service point's unit.")
@click.option("--point", "point_code", required=True, help="Code of the service point.")
@click.option("--first", type=click.IntRange(min=1), default=1, show_default=True,
              help="First serial number.")
@click.option("--last", type=click.IntRange(min=1), required=True, help="Last serial number.")
@click.option("--lang", type=click.Choice(["vi", "en"]), default="vi", show_default=True)
@click.option("-o", "--output", type=click.Path(dir_okay=False, path_type=Path), required=True)
@with_appcontext
def paper_forms_command(unit_code, point_code, first, last, lang, output):
    """Write the paper forms FIRST..LAST of a service point (one A4 page per serial)."""
    from survey_app.models import ServicePoint, Unit
    from survey_app.services import instrument_store
    from survey_app.services.paper_pdf import MAX_PAGES, paper_forms_pdf

    if last < first or last - first + 1 > MAX_PAGES:
        raise click.BadParameter(f"--last must be from --first to --first + {MAX_PAGES - 1}",
                                 param_hint="--last")
    point = db.session.scalar(sa.select(ServicePoint).join(Unit, ServicePoint.unit_id == Unit.id)
                              .where(Unit.code == unit_code, ServicePoint.code == point_code))
    if point is None:
        raise click.BadParameter(f"no service point '{point_code}' in unit '{unit_code}'",
                                 param_hint="--point")
    current = instrument_store.current_version(point.instrument_code)
    if current is None:
        raise click.ClickException(f"questionnaire {point.instrument_code} is not loaded: run "
                                   "`hailong instruments sync`")
    with force_locale(lang):
        pdf = paper_forms_pdf(point, current[1], range(first, last + 1), lang)
    output.parent.mkdir(parents=True, exist_ok=True)
    output.write_bytes(pdf)
    click.echo(f"{last - first + 1} forms ({point.instrument_code}) -> {output}")
