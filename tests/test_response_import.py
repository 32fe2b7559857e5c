"""`hailong import responses|undo|list`: the sample Google Forms and KoboToolbox exports,
row-level problems, stable source ids, undo, bulk statements (SQLite and PostgreSQL)."""
import csv
import io
from datetime import datetime
from pathlib import Path

import pytest
import sqlalchemy as sa
import yaml
from openpyxl import Workbook, load_workbook

from survey_app.cli import main
from survey_app.extensions import db
from survey_app.models import (
    AuditLog,
    Channel,
    Comment,
    FeedbackCase,
    ImportStatus,
    Response,
    ResponseImport,
)
from survey_app.services import import_maps, instrument_store, packing
from survey_app.services import response_import as ri
from tests.responses import count_answers

DATA = Path(__file__).resolve().parent / "data"
GOOGLE = DATA / "google-forms-sipas-counter.csv"
KOBO = DATA / "kobo-sipas-services.xlsx"
OVERALL = "Nhìn chung, Ông/Bà có hài lòng với việc giải quyết thủ tục hôm nay không?"
STAFF = "Ông/Bà đánh giá thế nào về các nội dung sau? [Thái độ, hướng dẫn của công chức]"


@pytest.fixture
def points(make_unit, make_service_point):
    ward = make_unit(code="W1", kind="ward")
    return {"counter": make_service_point(unit=ward, code="CT"),
            "services": make_service_point(unit=ward, code="DV", instrument="sipas-services",
                                           sector="land")}


def run(runner, path, point="W1/CT", instrument="sipas-counter", *extra):
    return runner.invoke(main, ["import", "responses", str(path), "--point", point,
                                "--instrument", instrument, *extra])


def count(model=Response):
    return db.session.scalar(sa.select(sa.func.count()).select_from(model))


def google_rows():
    rows = list(csv.reader(io.StringIO(GOOGLE.read_text(encoding="utf-8"))))
    return rows[0], rows[1:]


def write_csv(path, header, rows):
    with path.open("w", encoding="utf-8", newline="") as f:
        writer = csv.writer(f)
        writer.writerow(header)
        writer.writerows(rows)
    return path


def test_google_forms_file_with_bad_rows_stores_nothing_and_names_them(runner, points):
    out = run(runner, GOOGLE, "W1/CT", "sipas-counter", "--map", "google-forms-sipas-counter")
    assert out.exit_code == 1
    assert "60 rows: 58 valid and new, 0 already imported or repeated, 2 with problems" in out.output
    assert f"row 14, column '{OVERALL}': No answer; the question needs one." in out.output
    assert f"row 37, column '{STAFF}': This question has no 'not applicable' answer." in out.output
    assert "--valid-rows to import the 58 valid rows" in out.output
    assert count() == 0 and count(ResponseImport) == 0


def test_google_forms_valid_rows_are_stored_with_their_dates_labels_and_import(runner, points):
    out = run(runner, GOOGLE, "CT", "sipas-counter", "--map", "google-forms-sipas-counter",
              "--valid-rows")
    assert out.exit_code == 0, out.output
    assert "58 responses stored" in out.output
    stored = db.session.scalars(sa.select(Response).order_by(Response.submitted_at)).all()
    assert len(stored) == 58
    the_import = db.session.scalar(sa.select(ResponseImport))
    assert the_import.status == ImportStatus.IMPORTED and the_import.rows_stored == 58
    assert the_import.rows_invalid == 2 and the_import.actor.startswith("cli")
    assert the_import.mapping["name"] == "google-forms-sipas-counter"
    assert {r.channel for r in stored} == {Channel.IMPORT}
    assert {r.import_id for r in stored} == {the_import.id}
    assert {r.service_point_id for r in stored} == {points["counter"].id}
    # row 2: "01/10/2025 9:47:59" in Vietnam (UTC+7), Tổ chức, Nữ, "Từ 45 đến 59 tuổi"
    first = stored[0]
    assert first.submitted_at == datetime(2025, 10, 1, 2, 47, 59)
    assert (first.respondent_type, first.sex, first.age_band) == ("organisation", "female", "45-59")
    header, rows = google_rows()
    expected = {"Rất hài lòng": 5, "Hài lòng": 4, "Bình thường": 3, "Không hài lòng": 2,
                "Rất không hài lòng": 1, "Không áp dụng": None}
    answers = packing.values_of(first)
    for code in ("access", "procedures", "staff", "results", "feedback", "overall"):
        column = next(h for h, t in import_maps.ready_made()["google-forms-sipas-counter"]
                      .columns.items() if t == code)
        assert answers[code] == expected[rows[0][header.index(column)]], code
    trips = {"1 lần": 1, "2 lần": 2, "3 lần trở lên": 3}
    assert answers["trips"] == trips[rows[0][header.index(
        "Số lần Ông/Bà phải đi lại để giải quyết hồ sơ")]]
    declined = sum(1 for r in rows if r[header.index(
        "Có ai yêu cầu Ông/Bà nộp thêm giấy tờ hoặc tiền ngoài quy định không?")]
        == "Không muốn trả lời")
    asked = count_answers("extra_request")
    assert declined > 0 and asked == 58 - declined  # "Không muốn trả lời" stores no answer
    comments = sum(1 for number, r in enumerate(rows, start=2)
                   if r[-1] and number not in (14, 37))
    assert count(Comment) == comments > 0


def test_the_same_file_twice_adds_nothing(runner, points):
    args = ("--map", "google-forms-sipas-counter", "--valid-rows")
    assert run(runner, GOOGLE, "W1/CT", "sipas-counter", *args).exit_code == 0
    again = run(runner, GOOGLE, "W1/CT", "sipas-counter", *args)
    assert again.exit_code == 0
    assert "0 valid and new, 58 already imported or repeated" in again.output
    assert "nothing new" in again.output
    assert count() == 58 and count(ResponseImport) == 1


def test_row_ids_survive_reordered_columns_and_a_new_empty_column(runner, points, tmp_path):
    assert run(runner, GOOGLE, "W1/CT", "sipas-counter", "--map", "google-forms-sipas-counter",
               "--valid-rows").exit_code == 0
    header, rows = google_rows()
    order = list(reversed(range(len(header))))
    later = write_csv(tmp_path / "later.csv", [header[i] for i in order] + ["Câu hỏi mới"],
                      [[r[i] for i in order] + [""] for r in rows] + [rows[0][::-1][:-1]
                                                                     + ["x", ""]])
    out = run(runner, later, "W1/CT", "sipas-counter", "--map", "google-forms-sipas-counter",
              "--valid-rows")
    assert "0 valid and new, 58 already imported or repeated" in out.output, out.output
    assert count() == 58


def test_kobo_export_imports_with_uuid_and_utc_time_and_undoes(runner, points):
    out = run(runner, KOBO, "W1/DV", "sipas-services", "--map", "kobo-sipas-services")
    assert out.exit_code == 0, out.output
    assert "40 rows: 40 valid and new" in out.output
    book = load_workbook(KOBO, read_only=True)
    header, *rows = list(book.worksheets[0].iter_rows(values_only=True))
    book.close()
    times = sorted(datetime.fromisoformat(r[header.index("_submission_time")]) for r in rows)
    stored = db.session.scalars(sa.select(Response.submitted_at)
                                .order_by(Response.submitted_at)).all()
    assert stored == times  # Kobo's _submission_time is UTC already
    assert count_answers("c3") == 40
    the_import = db.session.scalar(sa.select(ResponseImport))
    response_id = db.session.scalar(sa.select(Response.id).limit(1))
    db.session.add(FeedbackCase(unit_id=points["services"].unit_id, response_id=response_id,
                                summary="x", deadline=datetime(2025, 12, 1).date()))
    db.session.commit()

    undone = runner.invoke(main, ["import", "undo", str(the_import.id)])
    assert undone.exit_code == 0 and "40 responses deleted" in undone.output
    db.session.expire_all()
    assert count() == 0 and count_answers() == 0 and count(Comment) == 0
    assert db.session.scalar(sa.select(FeedbackCase.response_id)) is None  # the case stays
    assert db.session.get(ResponseImport, the_import.id).status == ImportStatus.UNDONE
    actions = db.session.scalars(sa.select(AuditLog.action).order_by(AuditLog.id)).all()
    assert actions == ["responses.import", "responses.import.undo"]
    assert runner.invoke(main, ["import", "undo", str(the_import.id)]).exit_code == 1
    listed = runner.invoke(main, ["import", "list"]).output
    assert f"{the_import.id}\tundone" in listed and "kobo-sipas-services.xlsx" in listed
    again = run(runner, KOBO, "W1/DV", "sipas-services", "--map", f"import:{the_import.id}")
    assert again.exit_code == 0 and count() == 40  # undone rows can come back


def test_dry_run_writes_nothing(runner, points):
    out = run(runner, KOBO, "W1/DV", "sipas-services", "--map", "kobo-sipas-services", "--dry-run")
    assert out.exit_code == 0 and "dry run" in out.output
    assert count() == 0 and count(ResponseImport) == 0
    bad = run(runner, GOOGLE, "W1/CT", "sipas-counter", "--map", "google-forms-sipas-counter",
              "--dry-run")
    assert bad.exit_code == 1 and "2 row(s) have problems" in bad.output
    valid = run(runner, GOOGLE, "W1/CT", "sipas-counter", "--map", "google-forms-sipas-counter",
                "--dry-run", "--valid-rows")
    assert valid.exit_code == 0 and "dry run" in valid.output
    assert count() == 0 and count(ResponseImport) == 0


def test_a_mapping_that_does_not_fit_is_refused_with_the_column(runner, points, tmp_path):
    wrong = run(runner, KOBO, "W1/CT", "sipas-counter", "--map", "kobo-sipas-services")
    assert wrong.exit_code == 1
    assert "This mapping is for sipas-services, not sipas-counter." in wrong.output
    mapping = yaml.safe_load((import_maps.READY_MADE_DIR / "kobo-sipas-services.yaml")
                             .read_text(encoding="utf-8"))
    mapping["columns"]["Câu không có"] = "a1"
    del mapping["columns"]["4.3. Nhận kết quả đúng hẹn"]
    path = tmp_path / "map.yaml"
    path.write_text(yaml.safe_dump(mapping, allow_unicode=True), encoding="utf-8")
    out = run(runner, KOBO, "W1/DV", "sipas-services", "--map", str(path))
    assert out.exit_code == 1
    assert "file, column 'Câu không có': The file has no column 'Câu không có'." in out.output
    assert "Question a1 comes from two columns" in out.output
    assert "No column holds the question r3" in out.output
    assert count() == 0
    path.write_text("columns: [a, b", encoding="utf-8")
    assert "not valid YAML" in run(runner, KOBO, "W1/DV", "sipas-services", "--map",
                                   str(path)).output


def test_an_automatic_mapping_reads_item_codes_and_an_id_column(runner, points, tmp_path):
    path = write_csv(tmp_path / "plain.csv",
                     ["source_id", "submitted_at", "access", "procedures", "staff", "results",
                      "feedback", "overall", "trips", "Ghi chú"],
                     [["A-1", "2025-03-04 08:00:00", "5", "4", "Hài lòng", "Very satisfied",
                       "Không áp dụng", "5", "1 lần", "x"],
                      ["A-2", "04/03/2025 15:30", "1", "2", "3", "4", "5", "3", "2", ""],
                      ["A-2", "04/03/2025 15:30", "1", "2", "3", "4", "5", "3", "2", ""]])
    out = run(runner, path, "W1/CT", "sipas-counter", "--save-map", str(tmp_path / "m.yaml"))
    assert out.exit_code == 0, out.output
    assert "3 rows: 2 valid and new, 1 already imported or repeated" in out.output
    assert "ignored columns: Ghi chú" in out.output
    saved = import_maps.load_yaml((tmp_path / "m.yaml").read_text(encoding="utf-8"))
    assert saved.source_id == "source_id" and saved.columns["staff"] == "staff"
    times = db.session.scalars(sa.select(Response.submitted_at).order_by(Response.id)).all()
    assert times == [datetime(2025, 3, 4, 1, 0), datetime(2025, 3, 4, 8, 30)]  # 4 March, UTC+7


def test_every_bad_cell_is_named(ctx, points, tmp_path):
    header = ["_uuid", "_submission_time", "access", "procedures", "staff", "results",
              "feedback", "overall", "trips"]
    path = write_csv(tmp_path / "bad.csv", header, [
        ["u1", "31/02/2025 10:00", "5", "5", "5", "5", "5", "5", "1"],
        ["u2", "2025-03-01T10:00:00", "Tuyệt vời", "5", "5", "5", "Không áp dụng", "6", "1"],
        ["", "2999-01-01T00:00:00", "5", "5", "5", "5", "5", "5", "1"],
        ["u4", "2025-03-01T10:00:00", "5", "5", "5", "5", "5", "5", "1"],
    ])
    _version_id, instrument = instrument_store.current_version("sipas-counter")
    checked = ri.check(path.read_bytes(), "bad.csv", instrument)
    found = {(p.row, p.column, p.english()) for p in checked.problems}
    assert found == {
        (2, "_submission_time", "'31/02/2025 10:00' is not a date and time "
                                "(for example 27/11/2025 14:05:00)."),
        (3, "access", "'Tuyệt vời' is not one of this question's answers."),
        (3, "overall", "'6' is not one of this question's answers."),
        (4, "_submission_time", "The date 2999-01-01T00:00:00 is before 2000 or in the future."),
        (4, "_uuid", "No id: without it a second import could not tell this row apart."),
    }
    assert checked.bad_rows == 3 and [r.row for r in checked.ready] == [5]


def test_the_point_must_be_named_without_ambiguity(runner, points, make_unit, make_service_point):
    make_service_point(unit=make_unit(code="W2", kind="ward"), code="CT")
    out = run(runner, GOOGLE, "CT", "sipas-counter")
    assert out.exit_code == 2 and "W1/CT" in out.output and "W2/CT" in out.output
    assert "no service point 'W9/CT'" in run(runner, GOOGLE, "W9/CT").output


@pytest.mark.parametrize(("text", "layout", "zone", "expected"), [
    ("05/03/2025 14:00:00", None, "Asia/Ho_Chi_Minh", datetime(2025, 3, 5, 7, 0)),
    ("5/3/2025 7:05", None, "Asia/Ho_Chi_Minh", datetime(2025, 3, 5, 0, 5)),
    ("2025-03-05T14:00:00+07:00", None, "UTC", datetime(2025, 3, 5, 7, 0)),
    ("2025-03-05T07:00:00Z", None, "Asia/Ho_Chi_Minh", datetime(2025, 3, 5, 7, 0)),
    ("2025/03/05 14h00", "%Y/%m/%d %Hh%M", "Asia/Ho_Chi_Minh", datetime(2025, 3, 5, 7, 0)),
    ("03/05/2025", "%m/%d/%Y", "UTC", datetime(2025, 3, 5)),
    ("30/02/2025", None, "UTC", None),
    ("hôm qua", None, "UTC", None),
])
def test_dates_are_read_day_first_and_stored_in_utc(text, layout, zone, expected):
    mapping = import_maps.ColumnMap("m", {}, date_format=layout, timezone=zone)
    assert import_maps.parse_when(text, mapping) == expected


def test_bulk_import_uses_a_few_statements(ctx, points, tmp_path):
    """3,000 rows: the statements do not grow with the rows (batches, or COPY)."""
    header = ["_uuid", "_submission_time", "access", "procedures", "staff", "results",
              "feedback", "overall", "trips", "comment"]
    rows = [[f"id-{i}", f"2025-0{1 + i % 9}-1{i % 10}T08:00:00", 1 + i % 5, 5, 4, 3, "Không áp dụng",
             5, 1 + i % 3, "Góp ý\tcó tab" if i % 100 == 0 else ""] for i in range(3000)]
    path = write_csv(tmp_path / "many.csv", header, rows)
    version_id, instrument = instrument_store.current_version("sipas-counter")
    statements = []
    listen = sa.event.listens_for(db.engine, "before_cursor_execute")
    listen(lambda *args: statements.append(args[2]))
    the_import, checked = ri.start(points["counter"], version_id, instrument, path.read_bytes(),
                                   "many.csv")
    statements.clear()
    ri.confirm(the_import, checked=checked)
    db.session.commit()
    assert len(statements) < 20, len(statements)
    assert count() == 3000 and count_answers() == 3000 * 7 and count(Comment) == 30
    assert db.session.scalar(sa.select(Comment.text).limit(1)) == "Góp ý\tcó tab"
    assert count_answers("feedback", None) == 3000


def test_an_xlsx_with_dates_as_cells_and_another_sheet(ctx, points):
    book = Workbook()
    book.active.title = "Ghi chú"
    sheet = book.create_sheet("Dữ liệu")
    sheet.append(["_uuid", "Dấu thời gian", "access", "procedures", "staff", "results",
                  "feedback", "overall", "trips"])
    sheet.append(["x1", datetime(2025, 6, 1, 9, 0), 5, 4.0, 3, 2, 1, 5, 2])
    data = io.BytesIO()
    book.save(data)
    _version_id, instrument = instrument_store.current_version("sipas-counter")
    guessed = import_maps.automatic(instrument, ["_uuid", "Dấu thời gian", "access",
                                                 "procedures", "staff", "results", "feedback",
                                                 "overall", "trips"])
    mapping = import_maps.parse_mapping({**guessed.as_dict(), "sheet": "Dữ liệu"})
    checked = ri.check(data.getvalue(), "k.xlsx", instrument, mapping)
    assert checked.problems == []
    assert checked.ready[0].submitted_at == datetime(2025, 6, 1, 2, 0)
    assert checked.ready[0].cleaned.values["procedures"] == 4
    wrong = ri.check(data.getvalue(), "k.xlsx", instrument,
                     import_maps.parse_mapping({**guessed.as_dict(), "sheet": "Không có"}))
    assert wrong.problems[0].english().startswith("The workbook has no sheet 'Không có'")
    assert ri.check(b"not a workbook", "x.xlsx", instrument).problems[0].english() == \
        "The file is not an Excel workbook (.xlsx)."
    assert "not UTF-8" in ri.check("á".encode("cp1258"), "x.csv", instrument).problems[0].english()
