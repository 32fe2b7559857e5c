"""``hailong analyze``: indices with confidence intervals from a CSV, no database needed.

Nothing heavy is imported at module level (``hailong analyze --help`` must be instant) and
nothing of Flask at all: the whole run is numpy, pandas and scipy.special.
"""
import os
import sys
from pathlib import Path

import click

# The matrix products here are small (a domain's 42 x 42 Gram matrix): BLAS threads only
# spin against each other, and on a busy 2-core machine they made the run 20 times slower.
for _variable in ("OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS", "MKL_NUM_THREADS"):
    os.environ.setdefault(_variable, "1")

# The choices of analysis.options, spelled out so that --help imports nothing of analysis;
# tests/test_cli_startup.py checks that they stay the same.
LONELY_PSU = ("adjust", "average", "remove", "certainty", "fail")
CI_METHODS = ("logit", "wald", "beta")


def write_output(payload_json, header, rows, fmt, output):
    if fmt == "json":
        import json

        if output:  # a file: compact (json's C encoder; indenting is done in Python)
            text = json.dumps(payload_json, ensure_ascii=False, allow_nan=False)
            Path(output).write_text(text + "\n", encoding="utf-8")
        else:
            click.echo(json.dumps(payload_json, ensure_ascii=False, indent=2, allow_nan=False))
    elif fmt == "csv":
        import csv
        import io

        from survey_app.services.spreadsheet import csv_row

        buffer = io.StringIO()
        writer = csv.writer(buffer)
        writer.writerow(csv_row(header))
        writer.writerows(csv_row(row) for row in rows)
        if output:
            Path(output).write_text(buffer.getvalue(), encoding="utf-8")
        else:
            click.echo(buffer.getvalue(), nl=False)
    else:
        from openpyxl import Workbook

        from survey_app.services.spreadsheet import xlsx_row

        if not output:
            raise click.UsageError("--format xlsx needs -o FILE")
        book = Workbook(write_only=True)
        sheet = book.create_sheet("indices")
        sheet.append(xlsx_row(sheet, header))
        for row in rows:
            sheet.append(xlsx_row(sheet, row))
        book.save(output)


def load_instrument(ident):
    import instruments

    try:
        return instruments.get(ident)
    except instruments.InstrumentError as exc:
        raise click.BadParameter(str(exc), param_hint="--instrument") from None


#: The column of a console export that marks answers held in quarantine.
QUARANTINED = "quarantined"


def csv_columns(path):
    """The header of a CSV (empty when it cannot be read: the reader says why later)."""
    import csv

    try:
        with open(path, encoding="utf-8-sig", newline="") as f:
            return next(csv.reader(f), [])
    except (OSError, UnicodeDecodeError, csv.Error):
        return []


@click.command("analyze")
@click.argument("responses", required=False, type=click.Path(dir_okay=False, path_type=Path))
@click.option("--instrument", "instrument_id", required=True,
              help="Instrument id (see `hailong instruments list`) or a YAML file.")
@click.option("--weight", help="Column with design weights (default: all 1).")
@click.option("--strata", help="Column with strata (default: one stratum).")
@click.option("--psu", help="Column with primary sampling units (default: each response).")
@click.option("--by", help="Domain column(s), comma-separated, e.g. unit,quarter.")
@click.option("--population", type=click.Path(exists=True, dir_okay=False, path_type=Path),
              help="CSV of known counts per cell (cell columns + 'count') for post-stratification.")
@click.option("--rake", "margins_path", type=click.Path(exists=True, dir_okay=False, path_type=Path),
              help="CSV of known margins (columns margin,category,count) to rake the weights to.")
@click.option("--trim", "trim_cap", type=click.FloatRange(min=1, min_open=True),
              help="Cap the design weights at this multiple of their mean, before "
                   "post-stratification or raking.")
@click.option("--lonely-psu", type=click.Choice(LONELY_PSU), default="adjust",
              show_default=True, help="Variance rule for strata with a single PSU.")
@click.option("--ci", type=click.Choice(CI_METHODS), default="logit",
              show_default=True, help="Confidence interval method (beta: Korn-Graubard).")
@click.option("--level", type=click.FloatRange(0.5, 0.999), default=0.95, show_default=True,
              help="Confidence level.")
@click.option("--format", "fmt", type=click.Choice(["json", "csv", "xlsx"]), default="json",
              show_default=True, help="Output format.")
@click.option("-o", "--output", type=click.Path(dir_okay=False, path_type=Path),
              help="Output file (default: standard output).")
@click.option("--template", is_flag=True,
              help="Write an empty CSV with the item columns the instrument expects.")
@click.option("--include-quarantined", is_flag=True,
              help="Keep the rows an export marks quarantined=1 (left out by default).")
def analyze(responses, instrument_id, weight, strata, psu, by, population, margins_path,
            trim_cap, lonely_psu, ci, level, fmt, output, template, include_quarantined):
    """Satisfaction indices with confidence intervals for RESPONSES.csv.

    One row per response, one column per item code, values 1-5; an empty cell (or "na")
    is no valid answer. Every index of the instrument's tree is estimated for the whole
    sample or for each domain of --by, as domains of the full design.
    """
    from analysis.tree import contrasts_for

    instrument = load_instrument(instrument_id)
    contrasts = contrasts_for(instrument)
    if template:
        if not output:
            raise click.UsageError("--template needs -o FILE")
        Path(output).write_text(",".join(contrasts.items) + "\n", encoding="utf-8")
        click.echo(f"template with {len(contrasts.items)} item columns -> {output}", err=True)
        return
    if responses is None:
        raise click.UsageError("give RESPONSES.csv (or --template)")
    if not responses.exists():
        raise click.BadParameter(f"file '{responses}' does not exist", param_hint="RESPONSES")
    if population and margins_path:
        raise click.UsageError("give --population (post-stratification) or --rake, not both")
    from analysis.indices import estimate_indices
    from analysis.options import LonelyPSU
    from analysis.report import to_json, to_rows
    from analysis.table import COUNT_COLUMNS, margin_columns, prepare, read_responses, read_table

    by_columns = tuple(c.strip() for c in (by or "").split(",") if c.strip())
    steps = ["read", "check", "estimate", "write"]
    show = responses.stat().st_size > 5_000_000
    with click.progressbar(length=len(steps), label="analysis", file=sys.stderr,
                           hidden=not show) as bar:
        try:
            population_frame = read_table(population) if population else None
            margins_frame = read_table(margins_path) if margins_path else None
            cell_columns = [c for c in (population_frame.columns if population else [])
                            if c not in COUNT_COLUMNS]
            if margins_frame is not None:
                cell_columns += margin_columns(margins_frame)
            held = QUARANTINED if QUARANTINED in csv_columns(responses) \
                and not include_quarantined else None
            frame = read_responses(responses, contrasts.items, (weight,),
                                   (strata, psu, *by_columns, *cell_columns, held))
            if held:  # an export of the console: held answers count in no index there
                frame = frame[frame[held].astype(str).str.strip() != "1"] \
                    .reset_index(drop=True)
            bar.update(1)
            prepared = prepare(frame, contrasts.items, weight, strata, psu, by_columns,
                               population_frame, LonelyPSU(lonely_psu), trim_cap=trim_cap,
                               margins=margins_frame)
            bar.update(1)
            result = estimate_indices(prepared.answers, contrasts, prepared.design,
                                      prepared.domain, prepared.domain_keys,
                                      cells=prepared.cells, base_weights=prepared.base_weights,
                                      margins=prepared.margins, ci=ci, level=level)
            bar.update(1)
        except ValueError as exc:
            raise click.ClickException(f"{responses}: {exc}") from None
        info = {"n": prepared.n, "weights": weight, "strata": strata, "psu": psu,
                "post_stratified": population is not None, "raked": margins_path is not None,
                "trimmed_at": trim_cap}
        header, rows = to_rows(result, by_columns) if fmt != "json" else (None, None)
        write_output(to_json(result, by_columns, {"id": instrument.id,
                                                  "version": instrument.version}, info),
                     header, rows, fmt, output)
        bar.update(1)
