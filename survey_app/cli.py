"""The ``hailong`` command: Flask's own commands (run, db, shell) plus hailong's."""
import json
import sys
import time
from pathlib import Path

import click
import sqlalchemy as sa
from flask.cli import FlaskGroup, with_appcontext
from werkzeug.security import generate_password_hash

import instruments
from survey_app import create_app, read_replica
from survey_app.cli_analyze import analyze
from survey_app.cli_forecast import forecast_command, targets_command
from survey_app.cli_import import responses_commands
from survey_app.cli_paper import paper_forms_command
from survey_app.cli_report import report_command
from survey_app.cli_retention import retention_group
from survey_app.cli_tally import tally_group
from survey_app.cli_xlsform import export_xlsform_command, import_xlsform_command
from survey_app.extensions import db
from survey_app.models import Role, ServicePoint, Unit, User


def _app(*_args, **_kwargs):
    return create_app()


@click.group(cls=FlaskGroup, create_app=_app, add_version_option=False)
def main():
    """hailong: citizen satisfaction with public services, measured properly."""


def unit_by_code(code):
    unit = db.session.scalar(sa.select(Unit).filter_by(code=code))
    if unit is None:
        raise click.BadParameter(f"no unit with code '{code}'", param_hint="--unit")
    return unit


@main.group("instruments")
def instruments_group():
    """List, show and load the questionnaires."""


@instruments_group.command("list")
def list_instruments():
    """List the shipped instruments."""
    for ident, inst in sorted(instruments.bundled().items()):
        click.echo(f"{ident}\tv{inst.version}\t{len(inst.items)} items\t{inst.title['vi']}")


@instruments_group.command("show")
@click.argument("ident")
@click.option("--format", "fmt", type=click.Choice(["text", "json"]), default="text",
              help="Plain text (default) or JSON.")
def show_instrument(ident, fmt):
    """Show the items, their scale and the index tree of IDENT (an id or a YAML path)."""
    try:
        inst = instruments.get(ident)
    except instruments.InstrumentError as exc:
        raise click.BadParameter(str(exc), param_hint="IDENT") from None
    if fmt == "json":
        click.echo(json.dumps(inst.source, ensure_ascii=False, indent=2))
        return
    click.echo(f"{inst.id} v{inst.version}: {inst.title['vi']}")
    for item in inst.items:
        scale = {"likert5": "1-5", "text": "text"}.get(
            item.type, "/".join(str(v) for v in sorted(item.valid_values())))
        na = " +na" if item.not_applicable else ""
        click.echo(f"  {item.code:<14}{scale + na:<10}{item.text['vi']}")
    click.echo("index:")
    for node in inst.nodes():
        points = f"  max {node.max_points:g} pts" if node.max_points else ""
        click.echo(f"  {node.level:<7}{node.code:<8}{node.name['vi']}{points}")


@instruments_group.command("sync")
@with_appcontext
def sync_instruments():
    """Store the shipped instruments in the database (a changed wording needs a new version)."""
    from survey_app.services.instrument_store import FrozenInstrumentError, sync_bundled

    try:
        versions = sync_bundled()
    except FrozenInstrumentError as exc:
        db.session.rollback()
        raise click.ClickException(str(exc)) from None
    db.session.commit()
    click.echo(f"{len(versions)} instruments stored")


@main.command("demo")
@click.option("--responses", default=2000, show_default=True, type=click.IntRange(0, 10_000_000),
              help="How many sample responses to generate (over the last 24 months).")
@click.option("--seed", default=2025, show_default=True, help="Random seed of the sample.")
@click.option("--allow-production", is_flag=True,
              help="Load it even in production (its staff accounts have a known password).")
@with_appcontext
def demo(responses, seed, allow_production):
    """Load a demo city, its counters, staff accounts and sample responses (once)."""
    from flask import current_app

    if current_app.config["ENV_NAME"] == "production" and not allow_production:
        raise click.ClickException("refusing to load demo accounts with a known password in "
                                   "production (add --allow-production for a test site)")
    from survey_app.services.demo import DEMO_PASSWORD, DEMO_USERS
    from survey_app.services.demo_bulk import load_bulk_demo
    from survey_app.services.links import base_url
    from survey_app.services.qr import kiosk_url, survey_url

    started = time.perf_counter()

    def progress(done, total):
        click.echo(f"  {done:,} / {total:,} responses ({time.perf_counter() - started:.1f} s)")

    summary = load_bulk_demo(responses, seed, progress=progress)
    if summary is None:
        db.session.rollback()
        click.echo("The demo organisation is already loaded.")
    else:
        db.session.commit()
        click.echo(f"Demo loaded: {summary['responses']} responses from {summary['first_day']} "
                   f"in {time.perf_counter() - started:.1f} s.")
    # printed every time: whoever runs `make demo` again needs the accounts as much as the links
    click.echo(f"Staff console: {base_url()}/admin/  users "
               f"{', '.join(name for name, *_ in DEMO_USERS)}; password {DEMO_PASSWORD}")
    click.echo("QR links (and the kiosk link, for a tablet at the counter):")
    for point in db.session.scalars(sa.select(ServicePoint).order_by(ServicePoint.id)):
        if point.current_token:
            token = point.current_token.token
            click.echo(f"  {point.unit.code}/{point.code}\t{survey_url(token)}\t"
                       f"kiosk: {kiosk_url(token)}")


@main.command("create-user")
@click.option("--username", required=True, help="Login name.")
@click.option("--role", type=click.Choice([r.value for r in Role]), required=True,
              help="What the user may do.")
@click.option("--unit", "unit_code", required=True, help="Code of the unit whose subtree they see.")
@click.password_option(help="Password (asked when not given).")
@with_appcontext
def create_user(username, role, unit_code, password):
    """Create a staff account."""
    if len(password) < 10:
        raise click.BadParameter("use at least 10 characters", param_hint="--password")
    if db.session.scalar(sa.select(User).filter_by(username=username)):
        raise click.BadParameter(f"'{username}' exists already", param_hint="--username")
    db.session.add(User(username=username, password_hash=generate_password_hash(password),
                        role=role, unit=unit_by_code(unit_code)))
    db.session.commit()
    click.echo(f"user {username} created")


@main.command("create-api-key")
@click.option("--unit", "unit_code", required=True, help="Unit code (of the service point).")
@click.option("--point", "point_code", default=None,
              help="Service point code: a key that makes invitations. Without it: a read-only "
                   "key for the unit's results, series, forecasts and drivers.")
@click.option("--label", default=None, help="A note, e.g. the software that uses the key.")
@with_appcontext
def create_api_key(unit_code, point_code, label):
    """Make an API key; it is printed once and stored only as a hash."""
    from survey_app.services import api_keys

    unit = unit_by_code(unit_code)
    scope = unit
    if point_code is not None:
        scope = db.session.scalar(sa.select(ServicePoint).filter_by(unit_id=unit.id,
                                                                    code=point_code))
        if scope is None:
            raise click.BadParameter(f"no service point '{point_code}' in {unit_code}",
                                     param_hint="--point")
    _row, plain = api_keys.issue(scope, label)
    db.session.commit()
    click.echo(plain)


@main.command("qr")
@click.option("--unit", "unit_code", required=True, help="Unit code; its whole subtree is used.")
@click.option("--format", "fmt", type=click.Choice(["png", "svg", "pdf"]), default="pdf",
              show_default=True, help="PNG/SVG: one file per service point; PDF: A4 posters.")
@click.option("-o", "--output", type=click.Path(path_type=Path), required=True,
              help="A folder for PNG/SVG, a file for PDF.")
@with_appcontext
def make_qr(unit_code, fmt, output):
    """Write QR codes or printable posters for the service points of a unit."""
    from survey_app.services import org, qr

    points = [p for p in org.service_points_in_scope(unit_by_code(unit_code))
              if p.active and p.current_token]
    if not points:
        raise click.ClickException("no service point with a live QR code under this unit")
    if fmt == "pdf":
        output.parent.mkdir(parents=True, exist_ok=True)
        output.write_bytes(qr.posters_pdf(qr.poster_for(p) for p in points))
        click.echo(f"{len(points)} posters -> {output}")
        return
    output.mkdir(parents=True, exist_ok=True)
    for point in points:
        url = qr.survey_url(point.current_token.token)
        path = output / f"{point.unit.code}-{point.code}.{fmt}"
        if fmt == "svg":
            path.write_text(qr.qr_svg(url), encoding="utf-8")
        else:
            path.write_bytes(qr.qr_png(url))
    click.echo(f"{len(points)} QR codes -> {output}")


@main.command("import-official")
@click.argument("path", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--unit", "unit_code", required=True,
              help="Unit the table is imported for (e.g. the province); it alone gets the rows.")
@click.option("--place", help="The unit's place as written in the 'place' column (default: "
                              "the place of its earlier tables, or the one in its name).")
@with_appcontext
def import_official(path, unit_code, place):
    """Import official SIPAS / PAR INDEX / PAPI results and targets from a CSV.

    The columns are those of shared/data/official_results.csv. Only the rows of one place
    are imported; rows of other places are listed and left out. Inconsistencies (sums that
    disagree, targets above the maximum or below the last result) are listed as warnings.
    """
    from flask_babel import force_locale

    from survey_app.services import official

    unit = unit_by_code(unit_code)
    with force_locale("en"):
        try:
            rows = official.parse(path.read_text(encoding="utf-8-sig"))
            result = official.import_rows(rows, unit, place)
        except UnicodeDecodeError:
            raise click.ClickException(f"{path}: not UTF-8 text") from None
        except official.ImportProblem as problem:
            raise click.ClickException(f"{path}: {problem}") from None
    db.session.commit()
    click.echo(f"{result.stored} rows imported for {unit.code} ({result.place})")
    for other, count in result.skipped.items():
        click.echo(f"left out: {count} rows of {other} (not this unit's place)")
    for warning in official.check([r for r in rows if r["place"] == result.place]):
        click.echo(f"warning: {warning.index} {warning.place} {warning.year} "
                   f"{warning.code}: {warning.message}")


@main.command("export")
@click.option("--unit", "unit_code", required=True, help="Unit code; its whole subtree is exported.")
@click.option("--instrument", "instrument_code", required=True, help="Instrument id.")
@click.option("--period", help="2025, 2025-Q3, 2025-H1, 2025-9M or 2025-07 (default: everything).")
@click.option("--format", "fmt", type=click.Choice(["csv", "xlsx", "sav", "dta"]), default="csv",
              show_default=True, help="CSV, Excel, SPSS (.sav) or Stata (.dta) with value labels.")
@click.option("-o", "--output", type=click.Path(dir_okay=False, path_type=Path), required=True,
              help="Output file.")
@click.option("--codebook", type=click.Path(dir_okay=False, path_type=Path),
              help="Also write the codebook (CSV) here.")
@with_appcontext
def export_command(unit_code, instrument_code, period, fmt, output, codebook):
    """Export responses, one row per response, with value labels and a codebook."""
    from survey_app.services import export, instrument_store
    from survey_app.services.periods import parse_period

    unit = unit_by_code(unit_code)
    current = instrument_store.current_version(instrument_code)
    if current is None:
        raise click.BadParameter(f"instrument '{instrument_code}' is not loaded",
                                 param_hint="--instrument")
    try:
        chosen = parse_period(period) if period else None
    except ValueError as exc:
        raise click.BadParameter(str(exc), param_hint="--period") from None
    count = export.write_file(unit.path, current[1], fmt, output,
                              chosen.start if chosen else None, chosen.end if chosen else None)
    if codebook:
        codebook.write_text(export.codebook_csv(current[1]), encoding="utf-8")
    click.echo(f"{count} responses -> {output}")


@main.group("import")
def import_group():
    """Import the organisation (units, service points, procedures) or responses."""


def org_import_command(kind):
    @click.command(kind)
    @click.argument("path", type=click.Path(exists=True, dir_okay=False, path_type=Path))
    @click.option("--dry-run", is_flag=True, help="Check the file and report; write nothing.")
    @with_appcontext
    def import_command(path, dry_run):
        """Import units, service points or procedures from a CSV (see docs/import.md).

        Nothing is written unless every row is valid; problems are listed as row, column,
        problem. A unit row with valid_to and successor_code is retired into its successor
        (2025 reform).
        """
        from survey_app.services.org_import import IMPORTERS

        try:
            report = IMPORTERS[kind](path.read_text(encoding="utf-8-sig"))
        except UnicodeDecodeError:
            raise click.ClickException(f"{path}: not UTF-8 text") from None
        if not report.ok:
            db.session.rollback()
            for row, column, problem in report.problems:
                where = f"row {row}, column '{column}'" if column else f"row {row}"
                click.echo(f"{where}: {problem}", err=True)
            raise click.ClickException(f"{len(report.problems)} problem(s); nothing was imported")
        if dry_run:
            db.session.rollback()
            click.echo(f"valid: {report.created} new, {report.updated} updated, "
                       f"{report.retired} retired (dry run, nothing written)")
            return
        db.session.commit()
        click.echo(f"{report.created} new, {report.updated} updated, {report.retired} retired")

    import_command.help = import_command.help.replace("units, service points or procedures",
                                                      kind.replace("-", " "))
    return import_command


for _kind in ("units", "service-points", "procedures"):
    import_group.add_command(org_import_command(_kind))


@import_group.command("dossier-counts")
@click.argument("path", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--dry-run", is_flag=True, help="Check the file and report; write nothing.")
@with_appcontext
def import_dossier_counts_command(path, dry_run):
    """Dossiers returned per service point and month: unit, service_point, month (2026-03),
    count[, procedure]; a month sent again replaces the stored one."""
    from survey_app.cli_dossiers import import_dossier_counts

    import_dossier_counts(path, dry_run)


@main.command("check-config")
@with_appcontext
def check_config():
    """Refuse an unsafe production configuration (exit 1 and say what is wrong)."""
    from flask import current_app

    from survey_app.config import check_production

    problems = check_production(current_app.config)
    url = sa.make_url(current_app.config["SQLALCHEMY_DATABASE_URI"])
    click.echo(f"environment: {current_app.config['ENV_NAME']}; database: "
               f"{url.render_as_string(hide_password=True)}")
    # A replica that does not answer is reported, not refused: reads then use the primary.
    click.echo(read_replica.describe(current_app, db.engine))
    if problems:
        for problem in problems:
            click.echo(f"unsafe: {problem}", err=True)
        raise click.ClickException(f"{len(problems)} problem(s) for production")
    click.echo("configuration is fit for production")


main.add_command(analyze)
main.add_command(forecast_command)
main.add_command(targets_command)
main.add_command(paper_forms_command)
main.add_command(report_command)
main.add_command(retention_group)
main.add_command(tally_group)
instruments_group.add_command(export_xlsform_command)
instruments_group.add_command(import_xlsform_command)
for _command in responses_commands:
    import_group.add_command(_command)

if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
