"""``hailong import responses|undo|list``: responses from Google Forms, KoboToolbox or any
CSV/XLSX, checked row by row, stored in bulk, undone as a whole (see docs/import.md)."""
from pathlib import Path

import click
import sqlalchemy as sa
from flask.cli import with_appcontext

from survey_app.extensions import db


def find_point(code):
    """A service point by ``UNIT/POINT`` or by its own code when that is unique."""
    from survey_app.models import ServicePoint, Unit

    unit_code, _slash, point_code = code.rpartition("/")
    query = sa.select(ServicePoint).join(Unit).where(ServicePoint.code == point_code)
    if unit_code:
        query = query.where(Unit.code == unit_code)
    points = db.session.scalars(query).all()
    if len(points) == 1:
        return points[0]
    if not points:
        raise click.BadParameter(f"no service point '{code}'", param_hint="--point")
    raise click.BadParameter(
        f"'{code}' is the code of {len(points)} service points; write UNIT/POINT, one of: "
        + ", ".join(f"{p.unit.code}/{p.code}" for p in points), param_hint="--point")


def load_mapping(spec):
    """None (guess from the headers), a ready-made name, ``import:ID`` or a YAML file."""
    from survey_app.models import ResponseImport
    from survey_app.services import import_maps

    if spec is None or spec == "auto":
        return None
    try:
        ready = import_maps.ready_made()
        if spec in ready:
            return ready[spec]
        if spec.startswith("import:") and spec[7:].isdigit():
            row = db.session.get(ResponseImport, int(spec[7:]))
            if row is None:
                raise click.BadParameter(f"no import {spec[7:]}", param_hint="--map")
            return import_maps.parse_mapping(row.mapping)
        path = Path(spec)
        if not path.is_file():
            raise click.BadParameter(
                f"'{spec}' is not a file, 'import:ID' or one of: auto, {', '.join(ready)}",
                param_hint="--map")
        return import_maps.load_yaml(path.read_text(encoding="utf-8"), path.stem)
    except import_maps.MappingError as error:
        raise click.BadParameter(str(error), param_hint="--map") from None


def describe(checked):
    click.echo(f"mapping: {checked.mapping.name} ({len(checked.mapping.columns)} columns)")
    click.echo(f"{checked.total} rows: {len(checked.ready)} valid and new, "
               f"{checked.duplicates} already imported or repeated, "
               f"{checked.bad_rows} with problems")
    if checked.first:
        click.echo(f"answered from {checked.first:%Y-%m-%d %H:%M} to {checked.last:%Y-%m-%d %H:%M} UTC")
    if checked.ignored_columns:
        click.echo("ignored columns: " + ", ".join(checked.ignored_columns))
    for problem in checked.problems:
        where = f"row {problem.row}" if problem.row else "file"
        if problem.column:
            where += f", column '{problem.column}'"
        click.echo(f"{where}: {problem.english()}", err=True)


@click.command("responses")
@click.argument("path", metavar="FILE",
                type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--point", "point_code", required=True,
              help="Service point the answers were given at: UNIT/POINT, or POINT if unique.")
@click.option("--instrument", "instrument_code", required=True,
              help="Questionnaire id (its newest stored version is used).")
@click.option("--map", "map_spec", default=None,
              help="Column mapping: a YAML file, a ready-made one (google-forms-sipas-counter, "
                   "kobo-sipas-services), import:ID (the mapping of an earlier import), or "
                   "auto (default: guessed from the headers).")
@click.option("--dry-run", is_flag=True, help="Check the file and report; write nothing.")
@click.option("--valid-rows", is_flag=True,
              help="Import the valid rows even if some rows have problems (they are left out).")
@click.option("--save-map", type=click.Path(dir_okay=False, path_type=Path),
              help="Also write the mapping used (given or guessed) here as YAML, to edit.")
@with_appcontext
def import_responses(path, point_code, instrument_code, map_spec, dry_run, valid_rows, save_map):
    """Import responses from a CSV or XLSX file (Google Forms, KoboToolbox, any table).

    Every row is checked first and every problem listed as row, column, problem; nothing
    is stored if a row is bad unless --valid-rows is given. Rows already imported (same
    source id) are skipped, so importing a file twice adds nothing.
    """
    from survey_app.services import instrument_store, response_import

    point = find_point(point_code)
    current = instrument_store.current_version(instrument_code)
    if current is None:
        raise click.BadParameter(f"instrument '{instrument_code}' is not loaded "
                                 "(hailong instruments sync)", param_hint="--instrument")
    version_id, instrument = current
    mapping = load_mapping(map_spec)
    content = path.read_bytes()
    click.echo(f"{path.name} -> {point.unit.code}/{point.code}, {instrument.id} v{instrument.version}")
    if dry_run:
        checked = response_import.check(content, path.name, instrument, mapping)
    else:
        import_row, checked = response_import.start(point, version_id, instrument, content,
                                                    path.name, mapping)
    describe(checked)
    if save_map:
        save_map.write_text(checked.mapping.as_yaml(), encoding="utf-8")
        click.echo(f"mapping written to {save_map}")
    if not checked.importable:
        db.session.rollback()
        raise click.ClickException("the file cannot be imported with this mapping; "
                                   "nothing was imported")
    if checked.bad_rows and not valid_rows:  # a dry run fails too: the import would
        db.session.rollback()
        raise click.ClickException(
            f"{checked.bad_rows} row(s) have problems; nothing was imported (fix them, or add "
            f"--valid-rows to import the {len(checked.ready)} valid rows)")
    if dry_run:
        db.session.rollback()
        click.echo("dry run: nothing was written")
        return
    if not checked.ready:
        db.session.rollback()
        click.echo("nothing new: every valid row is imported already; nothing was written")
        return
    try:
        response_import.confirm(import_row, accept_bad_rows=valid_rows, checked=checked)
    except response_import.ImportRefused as refused:
        db.session.rollback()
        raise click.ClickException(str(refused)) from None
    db.session.commit()
    click.echo(f"import {import_row.id}: {import_row.rows_stored} responses stored "
               f"(undo: hailong import undo {import_row.id})")


@click.command("undo")
@click.argument("import_id", type=int)
@with_appcontext
def undo_import(import_id):
    """Delete every response of import IMPORT_ID (audited); the import stays, marked undone."""
    from survey_app.models import ResponseImport
    from survey_app.services import response_import

    row = db.session.get(ResponseImport, import_id)
    if row is None:
        raise click.BadParameter(f"no import {import_id}", param_hint="IMPORT_ID")
    try:
        deleted = response_import.undo(row)
    except response_import.ImportRefused as refused:
        db.session.rollback()
        raise click.ClickException(f"import {import_id} is {row.status}: {refused}") from None
    db.session.commit()
    click.echo(f"import {import_id} undone: {deleted} responses deleted")


@click.command("list")
@click.option("--point", "point_code", help="Only this service point (UNIT/POINT or POINT).")
@with_appcontext
def list_imports(point_code):
    """List the imports of responses, newest first: id, status, point, file, counts."""
    from survey_app.models import ResponseImport

    query = sa.select(ResponseImport).order_by(ResponseImport.id.desc())
    if point_code:
        query = query.where(ResponseImport.service_point_id == find_point(point_code).id)
    for row in db.session.scalars(query):
        point = row.service_point
        click.echo(f"{row.id}\t{row.status}\t{row.created_at:%Y-%m-%d %H:%M}\t"
                   f"{point.unit.code}/{point.code}\t{row.file_name}\t{row.rows_stored} stored, "
                   f"{row.rows_invalid} bad, {row.rows_duplicate} duplicates\t{row.actor}")


responses_commands = (import_responses, undo_import, list_imports)
