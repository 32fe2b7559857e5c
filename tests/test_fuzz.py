"""Generated bad input (hypothesis): citizen form posts and CSV imports never give a 500
or an exception, and never write part of what they were given."""
import string

import pytest
import sqlalchemy as sa
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from survey_app.extensions import db
from survey_app.models import OfficialResult, Procedure, Response, ServicePoint, Unit
from survey_app.services import official, org, packing
from survey_app.services.org_import import IMPORTERS, KINDS
from tests.conftest import csrf_from, uuid_from
from tests.public.helpers import ANSWERS
from tests.responses import count_answers

FUZZ = settings(max_examples=40, deadline=None, derandomize=True,
                suppress_health_check=[HealthCheck.function_scoped_fixture,
                                       HealthCheck.too_slow])
# Text a form or a spreadsheet may really send: any Unicode, NUL and control characters,
# very long values, numbers and the expected codes.
WILD = st.one_of(st.text(max_size=30), st.text(string.printable, max_size=5),
                 st.sampled_from(["", "0", "1", "5", "6", "na", "-1", "1e9", "\x00", "NaN",
                                  "x" * 5000, "Công chức", "<script>"]))


def count(model):
    return db.session.scalar(sa.select(sa.func.count()).select_from(model))


@pytest.fixture
def survey(ctx, make_service_point):
    ctx.config["SUBMIT_RATE_LIMIT"] = "1000000 per hour"
    point = make_service_point()
    yield f"/s/{point.current_token.token}"
    ctx.config["SUBMIT_RATE_LIMIT"] = "20 per hour"


@FUZZ
@given(changes=st.dictionaries(st.sampled_from(sorted(ANSWERS) + ["comment", "client_uuid",
                                                                    "csrf_token", "junk"]),
                               WILD, max_size=6),
       dropped=st.sets(st.sampled_from(sorted(ANSWERS)), max_size=3))
def test_form_posts_never_fail_and_store_all_or_nothing(client, survey, changes, dropped):
    page = client.get(survey, follow_redirects=True).data
    data = {"csrf_token": csrf_from(page), "client_uuid": uuid_from(page), **ANSWERS}
    for name in dropped:
        data.pop(name, None)
    data.update(changes)
    responses, answers = count(Response), count_answers()
    reply = client.post(survey, data=data)
    assert reply.status_code in (200, 302, 400, 409, 413), reply.status_code
    if reply.status_code == 302:
        assert count(Response) == responses + 1
        stored = db.session.scalar(sa.select(Response).order_by(Response.id.desc()))
        assert count_answers() - answers == len(packing.values_of(stored))
    else:
        assert (count(Response), count_answers()) == (responses, answers)
        assert "Phiếu chưa được gửi" in reply.data.decode() or reply.status_code != 200


def csv_text(columns, rows):
    def cell(value):
        return '"' + value.replace('"', '""') + '"'

    return "\n".join([",".join(columns)] + [",".join(cell(v) for v in row) for row in rows])


# Values that pass the checks, so that whole valid rows (with wild neighbours) occur too.
PLAUSIBLE = {"kind": ["commune", "ward", "province"], "parent_code": ["ROOT", ""],
             "unit_code": ["ROOT"], "sector": ["certification", "land"],
             "instrument": ["sipas-counter"], "valid_from": ["2025-07-01", "2025-02-30"],
             "valid_to": ["", "2025-07-01"], "successor_code": ["", "ROOT"]}


def csv_for(kind):
    known = list(KINDS[kind]) + ["name_en", "valid_from", "valid_to", "successor_code", "level"]
    columns = st.one_of(st.just(known), st.lists(st.sampled_from(known), min_size=1, max_size=8,
                                                 unique=True))

    def rows(cols):
        cell = [st.one_of(WILD, st.sampled_from(PLAUSIBLE.get(c, ["A1", "Xã Mới"])))
                for c in cols]
        return st.lists(st.tuples(*cell).map(list), max_size=4)

    return columns.flatmap(lambda cols: st.tuples(st.just(cols), rows(cols)))


@pytest.mark.parametrize("kind", sorted(KINDS))
def test_csv_imports_report_problems_and_write_nothing_unless_valid(ctx, make_unit, kind):
    make_unit(code="ROOT", kind="province")
    models = (Unit, ServicePoint, Procedure)

    columns = list(KINDS[kind])
    plausible = [PLAUSIBLE.get(c, ["A1"])[0] for c in columns]

    @FUZZ
    @given(table=csv_for(kind))
    @example(table=(columns, [[v + "\x00" for v in plausible]]))
    @example(table=(columns, [["X" * 300 if c != "kind" else "commune" for c in columns]]))
    def check(table):
        before = [count(m) for m in models]
        report = IMPORTERS[kind](csv_text(*table))
        if report.ok:
            db.session.flush()  # what the CLI would commit must be storable
        db.session.rollback()
        assert [count(m) for m in models] == before
        for row, column, message in report.problems:
            assert isinstance(row, int) and column is not None and message

    check()


def wild_in(plausible):
    """A row of plausible values with up to two replaced by wild ones."""
    columns = list(plausible)
    row = st.tuples(*[st.sampled_from(v) for v in plausible.values()]).map(list)
    changes = st.dictionaries(st.integers(0, len(columns) - 1), WILD, max_size=2)
    return st.tuples(row, changes).map(
        lambda pair: [pair[1].get(i, v) for i, v in enumerate(pair[0])])


OFFICIAL = {"index": ["SIPAS", "PAR_INDEX", "PAPI"], "place": ["Hà Nội"], "year": ["2025"],
            "code": ["total", "8.1"], "level": ["0", "1"], "name_vi": ["Chỉ số"],
            "max": ["100", ""], "result": ["86.5", ""], "target_next_year": ["88", ""],
            "lead_unit": [""], "source": ["x"]}


@FUZZ
@given(table=st.tuples(
    st.just(list(OFFICIAL)),
    st.lists(wild_in(OFFICIAL), max_size=4)))
@example(table=(list(OFFICIAL), [["SIPAS", "Hà Nội", "2025", "total", "0", "a\x00b", "100",
                                  "86", "88", "", "x" * 300]]))
def test_official_result_uploads_never_fail(ctx, table):
    before = count(OfficialResult)
    try:
        rows = official.parse(csv_text(*table))
    except official.ImportProblem as problem:
        message = str(problem)
        rows = None
    if rows is None:
        assert message  # the upload page shows it
    else:
        official.check(rows)
        unit = org.create_unit("FUZZ", "Thành phố Hà Nội", "province")
        try:
            official.import_rows(rows, unit)
        except official.ImportProblem as problem:  # no rows, or not this unit's place
            message = str(problem)
        else:
            message = "stored"
        assert message
        db.session.flush()
    db.session.rollback()
    assert count(OfficialResult) == before
