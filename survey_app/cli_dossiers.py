"""``hailong import dossier-counts FILE [--dry-run]``: dossiers returned per point and month
(called by ``hailong import``)."""
from types import SimpleNamespace

import click


def import_dossier_counts(path, dry_run):
    """Dossiers returned per service point and month, from a CSV with the columns
    unit, service_point, month (2026-03), count and optionally procedure.

    A month sent again replaces the stored one. When a row is wrong nothing is stored and
    every bad row is listed (row 1 is the header)."""
    from flask_babel import force_locale

    from survey_app.extensions import db
    from survey_app.services import dossiers
    from survey_app.services.cells import UnreadableRow

    with force_locale("en"):
        try:
            records = dossiers.read_csv_rows(path.read_text(encoding="utf-8-sig"))
            rows = dossiers.check_rows(records, SimpleNamespace(path="/"))
        except UnicodeDecodeError:
            raise click.ClickException(f"{path}: not UTF-8 text") from None
        except UnreadableRow as problem:
            raise click.ClickException(f"{path}: {problem}") from None
        except dossiers.CountsRejected as rejected:
            for problem in rejected.problems:
                click.echo(f"{path}: {dossiers.problem_message(problem)}", err=True)
            raise click.ClickException(f"{len(rejected.problems)} bad row(s); nothing stored") \
                from None
    months = len({(r.point.id, r.month) for r in rows})
    if dry_run:
        click.echo(f"{len(rows)} rows for {months} service point-months are valid "
                   "(dry run: nothing stored)")
        return
    replaced, new = dossiers.store(rows, source=f"cli {path.name}")
    db.session.commit()
    click.echo(f"{len(rows)} rows stored: {new} new service point-months, {replaced} replaced")
