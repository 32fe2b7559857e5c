"""The whole-file export formats: XLSX, SPSS (.sav) and Stata (.dta), from typed rows."""
from survey_app.services.codebook import (
    NOT_APPLICABLE_LABEL,
    NOTES,
    TRAILING,
    codebook_rows,
    item_columns,
    value_labels,
    variable_labels,
)
from survey_app.services.export import NOT_APPLICABLE, header
from survey_app.services.spreadsheet import xlsx_row

#: "Không áp dụng" in SPSS: a user-missing value with a label.
SPSS_NOT_APPLICABLE = -1
#: "Không áp dụng" in Stata: the extended missing value .a with a label.
STATA_NOT_APPLICABLE = "a"
TEXT_COLUMNS = ("unit", "service_point", "sector", "channel", "respondent_type", "sex",
                "age_band", "stratum", "psu", "cell", *(name for name, *_ in TRAILING))


def write_xlsx(rows, instrument, path):
    from openpyxl import Workbook

    book = Workbook(write_only=True)
    sheet = book.create_sheet("responses")
    sheet.freeze_panes = "A2"
    sheet.append(xlsx_row(sheet, header(instrument)))
    formats = {1: "yyyy-mm-dd hh:mm:ss"}
    for row in rows:
        sheet.append(xlsx_row(sheet, row, formats))
    codes = book.create_sheet("codebook")
    for row in codebook_rows(instrument):
        codes.append(xlsx_row(codes, row))
    book.save(path)


def frame(rows, instrument, not_applicable):
    """A DataFrame with typed columns, where "không áp dụng" is ``not_applicable``, and
    the item columns that hold it (an older version of the questionnaire may have
    allowed it where the current one does not)."""
    import pandas as pd

    data = pd.DataFrame(rows, columns=header(instrument))
    data["submitted_at"] = pd.to_datetime(data["submitted_at"])
    data["weight"] = data["weight"].astype("float64")
    data["cell_population"] = data["cell_population"].astype("float64")
    for name in TEXT_COLUMNS:
        data[name] = data[name].fillna("").astype(str)
    with_na = []
    for item in item_columns(instrument):
        marked = (data[item.code] == NOT_APPLICABLE).to_numpy()
        if item.not_applicable or marked.any():
            with_na.append(item)
        numbers = pd.to_numeric(data[item.code].where(~marked)).astype("float64")
        if isinstance(not_applicable, str) and marked.any():  # Stata: "a" in a numeric column
            data[item.code] = numbers.astype(object).where(~marked, not_applicable)
        else:
            data[item.code] = numbers.where(~marked, not_applicable)
    return data, with_na


def value_sets(instrument, with_na, not_applicable):
    values = {item.code: dict(value_labels(item)) for item in item_columns(instrument)}
    for item in with_na:
        values[item.code][not_applicable] = NOT_APPLICABLE_LABEL["vi"]
    return values


def note_lines(texts, limit=80):
    """SPSS keeps document lines of at most 80 bytes: wrap by words, counting UTF-8 bytes."""
    lines = []
    for text in texts:
        line = ""
        for word in text.split():
            trial = f"{line} {word}".strip()
            if len(trial.encode()) > limit and line:
                lines.append(line)
                line = word
            else:
                line = trial
        lines.append(line)
    return lines


def write_sav(rows, instrument, path):
    import pyreadstat

    data, with_na = frame(rows, instrument, SPSS_NOT_APPLICABLE)
    pyreadstat.write_sav(data, path, column_labels=variable_labels(instrument),
                         variable_value_labels=value_sets(instrument, with_na,
                                                          SPSS_NOT_APPLICABLE),
                         missing_ranges={item.code: [SPSS_NOT_APPLICABLE] for item in with_na},
                         file_label=instrument.id, note=note_lines(NOTES[0]))


def write_dta(rows, instrument, path):
    import pyreadstat

    data, with_na = frame(rows, instrument, STATA_NOT_APPLICABLE)
    pyreadstat.write_dta(data, path, column_labels=variable_labels(instrument, limit=80),
                         variable_value_labels=value_sets(instrument, with_na,
                                                          STATA_NOT_APPLICABLE),
                         missing_user_values={item.code: [STATA_NOT_APPLICABLE]
                                              for item in with_na},
                         file_label=instrument.id[:80])
