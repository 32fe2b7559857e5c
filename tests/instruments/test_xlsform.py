"""Questionnaires as XLSForm (KoboToolbox, ODK): export, import, and refused workbooks."""
import copy
import io

import pytest
from openpyxl import load_workbook

import instruments
from instruments.schema import SATISFACTION_LABELS
from instruments.xlsform import XLSFormError, export_xlsform, import_xlsform
from tests.instruments.xlsform_helpers import LABEL_EN, LABEL_VI, kobo_form, workbook

SHIPPED = sorted(instruments.bundled())


def structure(inst):
    """Everything that makes a questionnaire (``Instrument`` compares by identity)."""
    return (inst.id, inst.version, inst.title, inst.intro, inst.sections, inst.profile,
            inst.index)


def problems_of(sheets):
    with pytest.raises(XLSFormError) as caught:
        import_xlsform(workbook(sheets))
    return [(p.sheet, p.row, p.column, p.text) for p in caught.value.problems]


def sheets_of(data):
    book = load_workbook(io.BytesIO(data))
    return {ws.title: [list(row) for row in ws.iter_rows(values_only=True)]
            for ws in book.worksheets}


@pytest.mark.parametrize("ident", SHIPPED)
def test_every_shipped_instrument_survives_export_and_import(ident):
    original = instruments.get(ident)
    imported = import_xlsform(export_xlsform(original)).instrument
    assert structure(imported) == structure(original)
    assert [n.coefficients for n in imported.nodes()] == \
        [n.coefficients for n in original.nodes()]
    again = import_xlsform(export_xlsform(imported)).instrument
    assert instruments.digest(again) == instruments.digest(imported)


@pytest.mark.parametrize("ident", ["sipas-counter", "education-parents"])
def test_the_round_trip_keeps_the_digest_of_a_file_without_stray_keys(ident):
    # explicit defaults (max_length: 1000, rule: mean, level: total) come back as written
    original = instruments.get(ident)
    imported = import_xlsform(export_xlsform(original)).instrument
    assert imported.source == original.source
    assert instruments.digest(imported) == instruments.digest(original)


def test_explicit_defaults_in_the_file_survive_the_round_trip():
    raw = copy.deepcopy(instruments.get("sipas-services").source)
    assert raw["index"]["level"] == "total"
    raw["index"]["children"][0]["rule"] = "mean"
    raw["sections"][0]["items"][0]["max_length"] = 1000
    raw["index"]["rule"] = "weighted"
    raw["index"]["weights"] = [3, 1.5] + [1] * (len(raw["index"]["children"]) - 2)
    original = instruments.parse_instrument(raw)
    imported = import_xlsform(export_xlsform(original)).instrument
    assert imported.index == original.index
    assert imported.source["index"]["weights"] == raw["index"]["weights"]
    assert imported.source["index"]["children"][0]["rule"] == "mean"
    assert imported.source["sections"][0]["items"][0]["max_length"] == 1000


def test_the_export_has_the_sheets_and_columns_a_kobo_user_expects():
    counter = instruments.get("sipas-counter")
    sheets = sheets_of(export_xlsform(counter))
    # sipas-counter maps SIPAS factors 5-9: its official mapping has a sheet of its own
    assert list(sheets) == ["survey", "choices", "settings", "hailong_index", "hailong_official"]
    assert sheets["hailong_official"][0] == ["index", "official_code", "node"]
    assert ["SIPAS", "7", "7"] in sheets["hailong_official"]
    survey, choices, settings = sheets["survey"], sheets["choices"], sheets["settings"]
    assert survey[0][:4] == ["type", "name", LABEL_VI, LABEL_EN]
    assert {"hint::Vietnamese (vi)", "hint::English (en)", "required"} <= set(survey[0])
    assert choices[0][:4] == ["list_name", "name", LABEL_VI, LABEL_EN]
    header = settings[0]
    values = dict(zip(header, settings[1], strict=True))
    assert values["form_id"] == "sipas-counter" and values["version"] == counter.version
    assert values["form_title"] == counter.title["vi"]
    assert values["default_language"] == "Vietnamese (vi)"
    rows = [dict(zip(survey[0], row, strict=False)) for row in survey[1:]]
    by_name = {row["name"]: row for row in rows if row["name"]}
    assert by_name["access"]["type"] == "select_one satisfaction"
    assert by_name["access"]["required"] == "yes"
    assert by_name["feedback"]["type"] == "select_one satisfaction_na"
    assert by_name["feedback"]["hint::English (en)"] == counter.item("feedback").help["en"]
    assert by_name["extra_request"]["type"] == "select_one yes_no"
    assert by_name["trips"]["type"] == "select_one trips"
    assert by_name["comment"]["type"] == "text" and by_name["comment"]["required"] is None
    assert by_name["intro"]["type"] == "note"
    assert by_name["sex"]["type"] == "select_one sex"
    kinds = [row["type"] for row in rows]
    assert kinds.count("begin_group") == kinds.count("end_group") == 2  # section + profile
    lists = {}
    for list_name, name, vi, en in (row[:4] for row in choices[1:]):
        lists.setdefault(list_name, []).append((name, vi, en))
    for kind in kinds:
        if kind.startswith("select_one "):
            assert kind.split()[1] in lists
    assert lists["satisfaction"] == [
        (str(v), label["vi"], label["en"]) for v, label in SATISFACTION_LABELS.items()]
    assert lists["satisfaction_na"][-1] == ("na", "Không áp dụng", "Not applicable")
    assert [name for name, _, _ in lists["trips"]] == [1, 2, 3]


def test_the_index_sheet_holds_the_tree_and_par_points():
    sheets = sheets_of(export_xlsform(instruments.get("sipas-counter")))
    index = sheets["hailong_index"]
    rows = [dict(zip(index[0], row, strict=False)) for row in index[1:]]
    assert rows[0]["code"] == "total" and rows[0]["parent"] is None
    assert rows[0]["max_points"] == 10
    assert [(r["code"], r["parent"], r["items"], r["max_points"]) for r in rows[1:3]] == [
        ("5", "total", "access", 1.5), ("6", "total", "procedures", 1.5)]


def test_a_form_built_in_kobo_imports():
    imported = import_xlsform(workbook(kobo_form()))
    inst = imported.instrument
    assert (inst.id, inst.version) == ("y-kien", 3)
    assert inst.title == {"vi": "Ý kiến người dân", "en": "Citizens' views"}
    assert inst.intro == {"vi": "Xin cảm ơn Ông/Bà", "en": "Thank you"}
    [section] = inst.sections
    assert (section.code, section.title) == ("quay", {"vi": "Tại quầy", "en": "At the counter"})
    types = {item.code: (item.type, item.required, item.not_applicable) for item in inst.items}
    assert types == {
        "waiting": ("likert5", True, False), "online": ("likert5", True, True),
        "extra_fee": ("yesno", True, False), "visits": ("choice", False, False),
        "comment": ("text", False, False)}
    assert inst.item("online").help == {"vi": "Nếu có", "en": "If you did"}
    assert [(o.value, o.label["en"]) for o in inst.item("visits").options] == [
        (1, "Once"), (2, "Twice or more")]
    # no hailong_index sheet: the index is the mean of the satisfaction questions, and the
    # person importing is told so
    assert inst.index.code == "total" and inst.index.items == ("waiting", "online")
    assert [note.sheet for note in imported.notes] == ["hailong_index"]


def test_an_index_sheet_written_by_hand_with_weights_and_a_decimal_comma():
    form = kobo_form()
    form["hailong_index"] = [
        ["code", "parent", "name::Vietnamese (vi)", "name::English (en)", "rule", "items",
         "weight", "max_points"],
        ["total", None, "Chỉ số", "Index", "weighted", None, None, 10],
        ["a", "total", "Chờ", "Waiting", None, "waiting", 2, "1,5"],
        ["b", "total", "Trực tuyến", "Online", None, "online", 1, None],
    ]
    inst = import_xlsform(workbook(form)).instrument
    assert inst.index.weights == (2.0, 1.0)
    assert inst.index.children[0].max_points == 1.5
    assert inst.index.coefficients == pytest.approx({"waiting": 2 / 3, "online": 1 / 3})


def test_a_plain_label_column_is_in_the_default_language():
    form = kobo_form()
    form["survey"][0][2] = "label"
    assert import_xlsform(workbook(form)).instrument.item("waiting").text["vi"] == \
        "Thời gian chờ hợp lý"


def test_wording_that_looks_like_a_formula_stays_wording():
    raw = copy.deepcopy(instruments.get("sipas-counter").source)
    raw["sections"][0]["items"][0]["text"]["en"] = "=100% satisfied?"
    imported = import_xlsform(export_xlsform(instruments.parse_instrument(raw))).instrument
    assert imported.items[0].text["en"] == "=100% satisfied?"


def test_a_missing_sheet_is_named():
    form = kobo_form()
    del form["survey"]
    assert problems_of(form) == [
        ("survey", None, None, "The workbook has no sheet 'survey'.")]


def test_every_problem_is_listed_with_sheet_row_and_column():
    form = kobo_form()
    survey = form["survey"]
    survey[5][0] = "integer"                       # row 6: a type hailong cannot use
    survey[6][0] = "select_one stars"              # row 7: no such list
    survey[7][1] = "waiting"                       # row 8: a name used twice
    survey[9][2] = None                            # row 10: no Vietnamese label
    problems = problems_of(form)
    assert ("survey", 6, "type", "Type 'integer' is not one hailong can use (select_one, "
            "text, note, begin_group, end_group).") in problems
    assert ("survey", 7, "type", "List 'stars' is not on the choices sheet.") in problems
    assert ("survey", 8, "name", "Name 'waiting' is already used on row 6.") in problems
    assert ("survey", 10, LABEL_VI, "The Vietnamese wording is missing.") in problems


def test_a_bad_index_sheet_is_refused_where_it_is_wrong():
    form = kobo_form()
    form["hailong_index"] = [
        ["code", "parent", "name::Vietnamese (vi)", "name::English (en)", "rule", "items",
         "weight"],
        ["total", None, "Chỉ số", "Index", "weighted", None, None],
        ["a", "total", "Chờ", "Waiting", None, "waiting", "nhiều"],
        ["b", "total", "Chờ", None, None, "comment", 1],
        ["c", "nowhere", "C", "C", None, "online", 1],
    ]
    problems = problems_of(form)
    assert ("hailong_index", 3, "weight", "Write a positive number (found 'nhiều').") in problems
    assert ("hailong_index", 4, "name::English (en)",
            "The English wording is missing.") in problems
    assert ("hailong_index", 4, "items", "'comment' is not a 5-level (satisfaction) question "
            "of the survey sheet.") in problems
    assert ("hailong_index", 5, "parent",
            "Parent 'nowhere' is not a node on an earlier row.") in problems
    assert ("hailong_index", 3, "weight", "Every child of 'total' needs a weight (rule "
            "'weighted'), or none of them may have one.") in problems


def test_hailongs_fixed_lists_cannot_be_reworded():
    form = kobo_form()
    form["choices"][4][2] = "Tốt"       # satisfaction 4, row 5
    form["choices"][13][1] = "maybe"    # yes_no: only 1 and 0
    problems = problems_of(form)
    assert ("choices", 5, LABEL_VI, "The wording of hailong's list 'satisfaction' is fixed: "
            "write 'Hài lòng' or leave the cell empty.") in problems
    assert ("choices", 14, "name",
            "List 'yes_no' is hailong's and has the choices 1, 0 only.") in problems


def test_choice_names_must_be_numbers_and_skip_logic_is_refused():
    form = kobo_form()
    form["choices"][14][1] = "once"
    form["survey"][0].append("relevant")
    form["survey"][8].append("${waiting} < 3")
    problems = problems_of(form)
    assert ("choices", 15, "name", "Choice names must be whole numbers (hailong stores the "
            "answer as a number) or 'na'; found 'once'.") in problems
    assert [p for p in problems if p[:3] == ("survey", 9, "relevant")]


def test_settings_version_and_form_id_are_checked():
    form = kobo_form()
    form["settings"][1][2:4] = ["Ý Kiến", "vXk3ab"]
    problems = problems_of(form)
    assert [p[:3] for p in problems] == [("settings", 2, "form_id"), ("settings", 2, "version")]


def test_a_loader_rule_without_a_cell_check_is_still_placed_on_its_row(monkeypatch):
    # every rule of the YAML format applies: a problem only parse_instrument knows about
    # still names the row of the item
    from instruments.xlsform import read

    def refuse(raw, where):
        raise instruments.InstrumentError(f"{where}: item 'visits': a new rule")

    monkeypatch.setattr(read, "parse_instrument", refuse)
    assert problems_of(kobo_form()) == [
        ("survey", 9, None, "The questionnaire is not valid: item 'visits': a new rule")]


def test_files_that_are_not_workbooks_are_refused_with_a_reason():
    with pytest.raises(XLSFormError, match="not an Excel workbook"):
        import_xlsform(b"type,name\ntext,x\n")
    with pytest.raises(XLSFormError, match=r"\.xls"):
        import_xlsform(b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\0" * 100)


def _repacked(data, replace):
    import zipfile

    source = zipfile.ZipFile(io.BytesIO(data))
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as package:
        for name in source.namelist():
            package.writestr(name, replace.get(name, source.read(name)))
    return out.getvalue()


@pytest.mark.parametrize("part", ["xl/workbook.xml", "xl/worksheets/sheet1.xml",
                                  "[Content_Types].xml"])
def test_a_damaged_workbook_is_refused_not_crashed_on(part):
    data = _repacked(export_xlsform(instruments.get("sipas-counter")), {part: b"<not xml"})
    with pytest.raises(XLSFormError, match="not an Excel workbook"):
        import_xlsform(data)


def test_a_workbook_that_unpacks_to_a_huge_size_is_refused_before_reading():
    bomb = _repacked(export_xlsform(instruments.get("sipas-counter")),
                     {"xl/worksheets/sheet1.xml": b" " * (21 * 2**20)})
    assert len(bomb) < 100_000
    with pytest.raises(XLSFormError, match="too large once unpacked"):
        import_xlsform(bomb)
