"""``hailong instruments export-xlsform`` and ``import-xlsform``: questionnaires as XLSForm
workbooks (KoboToolbox, ODK). The work is done in ``instruments.xlsform`` and
``services.instrument_files``; see docs/instruments.md for the mapping."""
from pathlib import Path

import click
from flask.cli import with_appcontext

import instruments
from survey_app.extensions import db

# status -> (what was done, what a dry run would do)
STATUS = {
    "new": ("stored {id} version {version} ({n} questions) as a new version",
            "would store {id} version {version} ({n} questions) as a new version"),
    "updated": ("replaced the wording of {id} version {version} ({n} questions); it has no "
                "responses yet",
                "would replace the wording of {id} version {version} ({n} questions); it has "
                "no responses yet"),
    "unchanged": ("{id} version {version} is already stored with this wording; nothing "
                  "changed",) * 2,
}


def _instrument(ident, number):
    from survey_app.services import instrument_files, instrument_store

    if number is not None:
        row = instrument_files.stored_version(ident, number)
        if row is None:
            raise click.BadParameter(f"no stored version {number} of '{ident}'",
                                     param_hint="--version")
        return instrument_store.load(row)
    if ident in instruments.bundled() or Path(ident).is_file():
        try:
            return instruments.get(ident)
        except instruments.InstrumentError as exc:
            raise click.BadParameter(str(exc), param_hint="IDENT") from None
    row = instrument_store.latest_version(ident)
    if row is None:
        raise click.BadParameter(
            f"'{ident}' is neither a shipped instrument, a YAML file nor stored in the "
            "database", param_hint="IDENT")
    return instrument_store.load(row)


@click.command("export-xlsform")
@click.argument("ident")
@click.option("--version", "number", type=click.IntRange(min=1),
              help="A version stored in the database (default: the shipped file, otherwise "
                   "the newest stored version).")
@click.option("-o", "--output", type=click.Path(dir_okay=False, path_type=Path), required=True,
              help="The .xlsx file to write.")
@with_appcontext
def export_xlsform_command(ident, number, output):
    """Write questionnaire IDENT as an XLSForm (.xlsx) for KoboToolbox or ODK.

    IDENT is a shipped id, a YAML file or an instrument stored in the database.
    """
    from instruments.xlsform import export_xlsform

    inst = _instrument(ident, number)
    output.write_bytes(export_xlsform(inst))
    click.echo(f"{inst.id} version {inst.version} -> {output}")


@click.command("import-xlsform")
@click.argument("path", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--dry-run", is_flag=True, help="Check the file and say what would be stored; "
                                              "write nothing.")
@with_appcontext
def import_xlsform_command(path, dry_run):
    """Store an XLSForm (.xlsx) questionnaire as a version in the database.

    Problems are listed as sheet, row, column and nothing is stored. A version that already
    has responses keeps its wording: a changed form needs a new number in the settings
    sheet, column 'version'.
    """
    from instruments.xlsform import XLSFormError
    from survey_app.services.instrument_files import VersionHasResponses, import_workbook

    try:
        outcome = import_workbook(path.read_bytes(), path.name, dry_run=dry_run)
    except XLSFormError as exc:
        db.session.rollback()
        for problem in exc.problems:
            click.echo(str(problem), err=True)
        raise click.ClickException(
            f"{len(exc.problems)} problem(s) in {path.name}; nothing was imported") from None
    except VersionHasResponses as exc:
        db.session.rollback()
        raise click.ClickException(str(exc)) from None
    inst = outcome.instrument
    for note in outcome.notes:
        click.echo(f"note: {note}")
    message = STATUS[outcome.status][dry_run].format(id=inst.id, version=inst.version,
                                                     n=len(inst.items))
    if outcome.newest > inst.version:
        message += f"; version {outcome.newest} stays the one service points ask"
    if dry_run:
        db.session.rollback()
        click.echo(f"{path.name} is valid: {message} (dry run, nothing written)")
        return
    db.session.commit()
    click.echo(message)
