"""``hailong report``: the official periodic report (DOCX, PDF, XLSX), once or on a schedule."""
from pathlib import Path

import click
from flask.cli import with_appcontext

from survey_app.services.report_schedule import KINDS


def unit_by_code(code):
    from survey_app.cli import unit_by_code as find

    return find(code)


def recipients_of(text):
    return [address.strip() for address in (text or "").replace(";", ",").split(",")
            if address.strip()]


@click.command("report")
@click.option("--unit", "unit_code", required=True, envvar="HAILONG_REPORT_UNIT",
              help="Unit code; its whole subtree is reported.")
@click.option("--period", help="2025 (year), 2025-Q3 (quarter), 2025-H1 (6 months), 2025-9M "
                               "or 2025-07.")
@click.option("--schedule", type=click.Choice(KINDS),
              help="Instead of --period: the latest quarter, half year, 9 months or year that "
                   "has ended (for a timer).")
@click.option("--format", "fmt", type=click.Choice(["docx", "pdf", "xlsx"]), default="pdf",
              show_default=True, help="Word (to edit and sign), PDF, or XLSX with the tables.")
@click.option("-o", "--output", type=click.Path(dir_okay=False, path_type=Path),
              help="Output file.")
@click.option("--dir", "folder", type=click.Path(file_okay=False, path_type=Path),
              envvar="HAILONG_REPORT_DIR",
              help="Write bao-cao-UNIT-PERIOD.FORMAT into this folder (instead of -o).")
@click.option("--mail-to", envvar="HAILONG_REPORT_MAIL_TO",
              help="Comma-separated addresses to e-mail the file to (needs HAILONG_SMTP_HOST).")
@click.option("--lang", type=click.Choice(["vi", "en"]), default="vi", show_default=True,
              help="Language of the report.")
@click.option("--issuer", help="Issuing body (default: the unit's name).")
@click.option("--parent-body", help="The body above the issuer (default: the parent unit).")
@click.option("--number", "doc_number", help='Document number, e.g. "15/BC-SNV".')
@click.option("--place", help="Place before the date, e.g. \"Cần Thơ\".")
@click.option("--recipient", "recipients", multiple=True, help='"Kính gửi" (repeatable).')
@click.option("--signer", help="Name of the person who signs.")
@click.option("--signer-title", help='Title above the signature, e.g. "KT. GIÁM ĐỐC".')
@with_appcontext
def report_command(unit_code, period, schedule, fmt, output, folder, mail_to, lang, issuer,
                   parent_body, doc_number, place, recipients, signer, signer_title):
    """Official periodic report of a unit: letterhead, findings, ranking, targets, method.

    Once: ``--period 2025-Q3 -o FILE``. On a timer: ``--schedule quarter --dir FOLDER
    [--mail-to a@x,b@y]`` (see docs/reports.md)."""
    from flask_babel import force_locale

    from survey_app import clock
    from survey_app.services import report_schedule
    from survey_app.services.periods import parse_period
    from survey_app.services.report_document import Letterhead, period_words
    from survey_app.services.reports import MIMETYPES, _, render

    if bool(period) == bool(schedule):
        raise click.UsageError("give either --period or --schedule")
    if bool(output) == bool(folder):
        raise click.UsageError("give either -o FILE or --dir FOLDER")
    addresses = recipients_of(mail_to)
    if addresses and not report_schedule.smtp_configured():
        raise click.UsageError("--mail-to needs HAILONG_SMTP_HOST (and HAILONG_SMTP_FROM)")
    unit = unit_by_code(unit_code)
    try:
        chosen = parse_period(period) if period else \
            report_schedule.last_ended(schedule, clock.today())
    except ValueError as exc:
        raise click.BadParameter(str(exc), param_hint="--period") from None
    letterhead = Letterhead(parent_body=parent_body or "", issuer=issuer or "",
                            number=doc_number or "", place=place or "",
                            recipients=list(recipients), signer_title=signer_title or "",
                            signer_name=signer or "")
    data = render(unit, chosen, fmt, lang, letterhead)
    if folder:
        output = report_schedule.write_atomically(
            folder, report_schedule.file_name(unit, chosen, fmt), data)
    else:
        output.write_bytes(data)
    click.echo(f"report {unit_code} {chosen.label} -> {output}")
    if addresses:
        with force_locale(lang):
            words = period_words(chosen, lang)
            subject = _("Satisfaction report of %(unit)s, %(period)s", unit=unit.name(lang),
                        period=words)
            text = _("The satisfaction report of %(unit)s for %(period)s is attached "
                     "(made by hailong).", unit=unit.name(lang), period=words)
        try:
            report_schedule.send_report(output, addresses, subject, text, MIMETYPES[fmt])
        except (OSError, ValueError, KeyError) as exc:
            raise click.ClickException(f"the report is in {output} but could not be "
                                       f"e-mailed: {exc}") from None
        click.echo(f"e-mailed to {', '.join(addresses)}")
