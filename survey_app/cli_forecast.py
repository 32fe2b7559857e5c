"""``hailong forecast`` and ``hailong targets``: series forecasts, nowcasts, P(target met)."""
import json
from pathlib import Path

import click
from flask.cli import with_appcontext


def unit_by_code(code):
    from survey_app.cli import unit_by_code as find

    return find(code)


@click.command("targets")
@click.option("--unit", "unit_code", required=True, help="Unit the official tables are attached to.")
@click.option("--index", type=click.Choice(["SIPAS", "PAR_INDEX", "PAPI"]),
              help="Which table (default: the newest).")
@click.option("--year", type=click.IntRange(1990, 2100), help="Year of the official results.")
@click.option("--lang", type=click.Choice(["vi", "en"]), default="vi", show_default=True,
              help="Language of the reasons given for blank cells.")
@with_appcontext
def targets_command(unit_code, index, year, lang):
    """Official results and targets with the internal estimate, the nowcast of the next
    official value, the forecast to December and P(target met), as JSON."""
    from flask_babel import force_locale

    from survey_app.services.targets import table_rows, tables_of, target_json, target_table

    unit = unit_by_code(unit_code)
    chosen = [t for t in tables_of(unit) if (index is None or t[0] == index)
              and (year is None or t[2] == year)]
    if not chosen:
        raise click.ClickException("no such official table for this unit "
                                   "(import one with `hailong import-official`)")
    table, place, table_year = chosen[0]
    rows = target_table(unit, table_rows(unit, table, place, table_year))
    with force_locale(lang):
        rows = [target_json(t) for t in rows]
    click.echo(json.dumps({"unit": unit.code, "index": table, "place": place, "year": table_year,
                           "rows": rows}, ensure_ascii=False, indent=2))


@click.command("forecast")
@click.argument("series_csv", required=False, type=click.Path(exists=True, dir_okay=False,
                                                               path_type=Path))
@click.option("--value", "value_column", default="estimate", show_default=True,
              help="CSV column with the index (0-100).")
@click.option("--se", "se_column", default="se", show_default=True,
              help="CSV column with its standard error (optional).")
@click.option("--unit", "unit_code", help="Or: build the series from the database for this unit.")
@click.option("--instrument", "instrument_code",
              help="Instrument of the series (with --unit; default: the one with the most "
                   "responses in the unit's subtree).")
@click.option("--node", default="total", show_default=True, help="Index node (with --unit).")
@click.option("--by", type=click.Choice(["month", "quarter"]), default="month", show_default=True,
              help="Series frequency (with --unit).")
@click.option("--months", type=click.IntRange(12, 120), default=36, show_default=True,
              help="How far back the series goes (with --unit).")
@click.option("--season", type=click.IntRange(2, 52),
              help="Points per year for the seasonal model (default with --unit: 12 or 4).")
@click.option("--horizon", type=click.IntRange(1, 24), default=3, show_default=True,
              help="Periods ahead.")
@click.option("--target", type=float, help="Report the probability of reaching this value.")
@with_appcontext
def forecast_command(series_csv, value_column, se_column, unit_code, instrument_code, node, by,
                     months, season, horizon, target):
    """Forecast an index series; the model is chosen by rolling-origin backtest."""
    from analysis.forecast import forecast
    from survey_app.services.series import SEASON, forecast_json

    last_label, partial = None, []
    if series_csv is not None:
        import pandas as pd

        frame = pd.read_csv(series_csv)
        if value_column not in frame.columns:
            raise click.BadParameter(f"no column '{value_column}'", param_hint="--value")
        values = pd.to_numeric(frame[value_column], errors="coerce").to_numpy()
        ses = pd.to_numeric(frame[se_column], errors="coerce").to_numpy() \
            if se_column in frame.columns else None
    elif unit_code:
        from survey_app.services.results import instruments_in_scope
        from survey_app.services.series import complete_points, unit_series, without_thin_start

        unit = unit_by_code(unit_code)
        used = instruments_in_scope(unit)  # most responses first, as the console does
        if not used:
            raise click.ClickException("this unit has no service points")
        instrument_code = instrument_code or used[0]
        try:
            series = unit_series(unit, instrument_code, by, months)
        except ValueError as exc:
            raise click.ClickException(str(exc)) from None
        if not series:
            raise click.ClickException("no responses for this unit and instrument")
        if node not in series:
            raise click.BadParameter(f"no index node '{node}'", param_hint="--node")
        # the current period is still being collected: left out of the fit, forecast instead
        points = complete_points(series[node])
        partial = [p.label for p in series[node][len(points):]]
        points = without_thin_start(points)   # as the console: not a month barely begun
        if any(p.estimate is None for p in points):
            raise click.ClickException("some periods have no valid answers: the series has gaps")
        values, ses = [p.estimate for p in points], [p.se for p in points]
        last_label = points[-1].label if points else None
        season = season or SEASON[by]
    else:
        raise click.UsageError("give SERIES.csv or --unit")
    try:
        result = forecast(values, ses, horizon=horizon, season=season)
    except ValueError as exc:
        raise click.ClickException(str(exc)) from None
    payload = forecast_json(result, last_label, by)
    if unit_code:
        payload = {"unit": unit_code, "instrument": instrument_code, "node": node, **payload}
    if partial:
        payload["partial_periods_not_fitted"] = partial
    if target is not None:
        payload["probability_target_met"] = result.probability_at_least(target)
    click.echo(json.dumps(payload, ensure_ascii=False, indent=2))
