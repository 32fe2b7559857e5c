"""The first screen of the results page: headline tiles and the ranking chart."""
import re
import uuid
from datetime import date, datetime, timedelta

import pytest

from survey_app.extensions import db
from survey_app.models import Channel, Invitation, Response, Role
from survey_app.services import instrument_store
from tests.responses import answered

RATINGS = ("access", "procedures", "staff", "results", "feedback", "overall")


@pytest.fixture
def district(ctx, monkeypatch, make_unit, make_service_point):
    """A district with two communes: A all satisfied (40 answers), B half (10), in March
    2026; February has 120 answers at A only, half satisfied; 10 invitations in March, 4
    answered."""
    monkeypatch.setitem(ctx.config, "TODAY", date(2026, 4, 10))
    district = make_unit(code="H", kind="district")
    version = instrument_store.latest_version("sipas-counter")
    points = {}
    for code in ("A", "B"):
        commune = make_unit(code=code, parent=district)
        points[code] = make_service_point(unit=commune, code=f"Q{code}")

    def add(point, start, values, hours=13):
        for i, value in enumerate(values):
            r = Response(client_uuid=uuid.uuid4(), instrument_version_id=version.id,
                         service_point_id=point.id, unit_id=point.unit_id, locale="vi",
                         channel=Channel.QR, submitted_at=start + timedelta(hours=hours * i),
                         stratum=str(point.sector), weight=1.0)
            answered(r, {c: value for c in RATINGS})
            db.session.add(r)

    add(points["A"], datetime(2026, 3, 1), [5] * 40)
    add(points["B"], datetime(2026, 3, 1), [5, 1] * 5)
    add(points["A"], datetime(2026, 2, 1), [5, 1] * 60, hours=5)
    for i in range(10):
        db.session.add(Invitation(service_point_id=points["A"].id, dossier_hash=f"h{i}",
                                  created_at=datetime(2026, 3, 5), expires_at=datetime(2026, 4, 5),
                                  used_at=datetime(2026, 3, 6) if i < 4 else None))
    db.session.commit()
    return district


def test_tiles_answer_the_four_questions(district, client, login, make_user):
    login(make_user(role=Role.UNIT_MANAGER, unit=district))
    html = client.get(f"/admin/units/{district.id}/results?period=2026-03").get_data(as_text=True)
    tiles = html[html.index('<div class="tiles">'):html.index("</div>", html.index('<div class="tiles">'))]
    assert "90,0" in tiles                        # 45 of 50 satisfied
    assert "+40,0" in tiles and "có ý nghĩa thống kê" in tiles   # Feb 50 -> Mar 90
    assert "40,0%" in tiles and "4 phiếu trả lời trên 10 giấy mời" in tiles
    assert "Chưa có chỉ tiêu chính thức" in tiles


def test_the_ranking_orders_communes_with_rank_intervals(district, client, login, make_user):
    login(make_user(role=Role.UNIT_MANAGER, unit=district))
    html = client.get(f"/admin/units/{district.id}/results?period=2026-03").get_data(as_text=True)
    chart = html[html.index('class="chart caterpillar"'):]
    chart = chart[:chart.index("</svg></svg>")]
    names = re.findall(r'<tspan x="0" y="[\d.]+">([^<]+)</tspan>', chart)
    assert names[0].startswith("Xã Thử") and "1 (1–1)" in names[0]
    assert "2 (2–2)" in names[1]
    assert "Xếp hạng với khoảng tin cậy 95%<" in chart
    # A (40 answers, all satisfied) is publishable: a dot; B (10 answers) is under the
    # publication rule's 30: a hollow diamond
    assert chart.count("<circle") == 1 and chart.count("<path") == 1


def test_a_unit_without_sub_units_ranks_its_counters(district, client, login, make_user):
    login(make_user(role=Role.UNIT_MANAGER, unit=district))
    commune = district.children[0]
    html = client.get(f"/admin/units/{commune.id}/results?period=2026-03").get_data(as_text=True)
    assert "caterpillar" not in html            # one counter: nothing to rank
