"""``hailong instruments export-xlsform`` / ``import-xlsform``."""
import sqlalchemy as sa

import instruments
from instruments.xlsform import export_xlsform
from survey_app.cli import main
from survey_app.extensions import db
from survey_app.models import Instrument, InstrumentVersion
from survey_app.services import instrument_store
from tests.instruments.xlsform_helpers import with_cells
from tests.public.helpers import form_post

#: The shipped version of sipas-counter (the tests store the next one).
V = instruments.get("sipas-counter").version

# sipas-counter as exported: survey row 4 is the item 'access'; settings D2 is the version
ACCESS_VI, VERSION = "C4", "D2"


def versions(code):
    return db.session.scalars(
        sa.select(InstrumentVersion.version).join(Instrument).where(Instrument.code == code)
        .order_by(InstrumentVersion.version)).all()


def test_export_then_import_unchanged_stores_nothing_new(runner, tmp_path):
    path = tmp_path / "counter.xlsx"
    exported = runner.invoke(main, ["instruments", "export-xlsform", "sipas-counter",
                                    "-o", str(path)])
    assert exported.exit_code == 0, exported.output
    imported = runner.invoke(main, ["instruments", "import-xlsform", str(path)])
    assert imported.exit_code == 0, imported.output
    assert "already stored with this wording" in imported.output
    assert versions("sipas-counter") == [V]


def test_import_stores_a_new_version_and_a_dry_run_stores_nothing(runner, tmp_path):
    data = export_xlsform(instruments.get("sipas-counter"))
    path = tmp_path / "v2.xlsx"
    path.write_bytes(with_cells(data, "settings", {VERSION: V + 1}))
    dry = runner.invoke(main, ["instruments", "import-xlsform", str(path), "--dry-run"])
    assert dry.exit_code == 0, dry.output
    assert f"would store sipas-counter version {V + 1}" in dry.output
    assert versions("sipas-counter") == [V]
    stored = runner.invoke(main, ["instruments", "import-xlsform", str(path)])
    assert stored.exit_code == 0, stored.output
    assert versions("sipas-counter") == [V, V + 1]
    assert instrument_store.current_version("sipas-counter")[1].version == V + 1
    out = tmp_path / "back.xlsx"
    again = runner.invoke(main, ["instruments", "export-xlsform", "sipas-counter",
                                 "--version", "2", "-o", str(out)])
    assert again.exit_code == 0 and out.stat().st_size > 0


def test_a_form_with_errors_is_refused_naming_sheet_row_and_column(runner, tmp_path):
    data = export_xlsform(instruments.get("sipas-counter"))
    path = tmp_path / "bad.xlsx"
    path.write_bytes(with_cells(with_cells(data, "settings", {VERSION: V + 1}),
                                "survey", {"A4": "integer", ACCESS_VI: None}))
    result = runner.invoke(main, ["instruments", "import-xlsform", str(path)])
    assert result.exit_code == 1
    assert "sheet 'survey', row 4, column 'type': Type 'integer'" in result.output
    assert "2 problem(s) in bad.xlsx; nothing was imported" in result.output
    assert versions("sipas-counter") == [V]


def test_rewording_a_version_with_responses_asks_for_a_new_version_number(
        runner, client, make_service_point, tmp_path):
    point = make_service_point(instrument="sipas-counter")
    assert form_post(client, f"/s/{point.current_token.token}")[0].status_code == 302
    data = export_xlsform(instruments.get("sipas-counter"))
    path = tmp_path / "reworded.xlsx"
    path.write_bytes(with_cells(data, "survey", {ACCESS_VI: "Nơi tiếp nhận thuận tiện"}))
    result = runner.invoke(main, ["instruments", "import-xlsform", str(path)])
    assert result.exit_code == 1
    assert (f"version {V} of 'sipas-counter' already has responses and this file changes its "
            f"wording: write a new number (e.g. {V + 1}) in the settings sheet, column 'version'"
            ) in result.output
    stored = instrument_store.load(instrument_store.latest_version("sipas-counter"))
    assert stored.item("access").text == instruments.get("sipas-counter").item("access").text


def test_export_of_an_unknown_instrument_says_so(runner, tmp_path):
    result = runner.invoke(main, ["instruments", "export-xlsform", "nope",
                                  "-o", str(tmp_path / "x.xlsx")])
    assert result.exit_code == 2
    assert "neither a shipped instrument, a YAML file nor stored in the database" in result.output
