"""Breakdowns by who answered, and the two-way table with CIs and the publication rule."""
import uuid
from datetime import date, datetime, timedelta

import pytest

from survey_app.extensions import db
from survey_app.models import Channel, Response, Role
from survey_app.services import instrument_store
from survey_app.services.analysis_inputs import analyze_scope, load_scope
from survey_app.services.periods import parse_period
from tests.responses import answered

RATINGS = ("access", "procedures", "staff", "results", "feedback", "overall")


@pytest.fixture
def profiled(ctx, monkeypatch, make_service_point, make_unit):
    """March 2026 at one commune: 80 women (all satisfied), 40 men (half dissatisfied),
    10 who did not say; ages alternate under 30 / 60+."""
    monkeypatch.setitem(ctx.config, "TODAY", date(2026, 5, 10))
    commune = make_unit(code="XB")
    point = make_service_point(unit=commune, code="Q1", sector="land")
    version = instrument_store.latest_version("sipas-counter")
    people = [("female", 5)] * 80 + [("male", 5), ("male", 1)] * 20 + [(None, 4)] * 10
    for i, (sex, value) in enumerate(people):
        response = Response(client_uuid=uuid.uuid4(), instrument_version_id=version.id,
                            service_point_id=point.id, unit_id=commune.id, locale="vi",
                            channel=Channel.QR, sex=sex, age_band="u30" if i % 2 else "60+",
                            respondent_type="citizen",
                            submitted_at=datetime(2026, 3, 1) + timedelta(hours=5 * i),
                            stratum="land", weight=1.0)
        answered(response, {c: value for c in RATINGS})
        db.session.add(response)
    db.session.commit()
    return commune


def test_profile_breakdowns_are_domains(profiled):
    period = parse_period("2026-03")
    data = load_scope(profiled, "sipas-counter", period.start, period.end, "vi")
    by_sex = {d.key[0]: d for d in analyze_scope(data, by=("sex",)).domains}
    assert {k: d.n for k, d in by_sex.items()} == {"female": 80, "male": 40, "—": 10}
    root = next(e.code for e in by_sex["female"].estimates if e.level != "item")
    assert by_sex["female"].get(root).estimate == pytest.approx(100.0)
    assert by_sex["male"].get(root).estimate == pytest.approx(50.0)


def test_the_results_page_breaks_down_by_sex(profiled, client, login, make_user):
    login(make_user(role=Role.ANALYST, unit=profiled))
    html = client.get(f"/admin/units/{profiled.id}/results?period=2026-03&by=sex"
                      ).get_data(as_text=True)
    assert "Theo Giới tính" in html and ">Nữ<" in html and "không trả lời" in html
    assert "sex=female" in html   # each row links to its responses


def test_the_two_way_table(profiled, client, login, make_user):
    login(make_user(role=Role.ANALYST, unit=profiled))
    page = client.get(f"/admin/units/{profiled.id}/crosstab?period=2026-03&rows=sex"
                      "&cols=age_band")
    html = page.get_data(as_text=True)
    assert page.status_code == 200
    assert "Dưới 30 tuổi" in html and "Từ 60 tuổi" in html and "Nam" in html
    # men under 30 and 60+: 20 each, every one of one kind — under the publication rule
    assert html.count("chưa đủ dữ liệu") >= 2
    assert html.index("Dưới 30 tuổi") < html.index("Từ 60 tuổi")  # questionnaire order
    assert "n=40" in html and "n=130" in html
    assert "sex=male&amp;age_band=u30" in html
    assert client.get(f"/admin/units/{profiled.id}/crosstab?rows=sex&cols=sex"
                      ).status_code == 400
    english = client.get(f"/admin/units/{profiled.id}/crosstab?period=2026-03&lang=en")
    assert "Two-way table" in english.get_data(as_text=True)


def test_a_table_that_would_read_too_many_responses_says_how_to_narrow_it(
        profiled, client, login, make_user, ctx, monkeypatch):
    """Sex by age band reads every response (no tally holds such pairs): past
    ROW_READ_LIMIT the page says so instead of reading them; a pair with a PSU
    attribute (sector, from the tallies) is still shown."""
    from survey_app.services import tally

    tally.refresh(force=True)  # as the deploy's timer does (a page leaves a rebuild to it)
    monkeypatch.setitem(ctx.config, "ROW_READ_LIMIT", 100)
    login(make_user(role=Role.ANALYST, unit=profiled))
    page = client.get(f"/admin/units/{profiled.id}/crosstab?period=2026-03&rows=sex"
                      "&cols=age_band")
    html = page.get_data(as_text=True)
    assert page.status_code == 400 and "có 130 phiếu (tối đa 100)" in html
    assert "n=40" not in html
    fine = client.get(f"/admin/units/{profiled.id}/crosstab?period=2026-03&rows=sector"
                      "&cols=age_band")
    assert fine.status_code == 200 and "n=130" in fine.get_data(as_text=True)


def test_a_breakdown_row_lists_its_responses(profiled, client, login, make_user):
    login(make_user(role=Role.ANALYST, unit=profiled))
    html = client.get(f"/admin/units/{profiled.id}/responses?period=2026-03&sex=—"
                      ).get_data(as_text=True)
    assert "10 phiếu" in html
