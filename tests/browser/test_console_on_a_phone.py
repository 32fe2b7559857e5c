"""Every console page of the demo fits a 360 px phone: no sideways scroll of the page
(wide tables and charts scroll inside their own box), in Vietnamese and English."""
from pathlib import Path

import pytest
import sqlalchemy as sa
from playwright.sync_api import expect

from survey_app.extensions import db
from survey_app.models import (
    Comment,
    CommentTheme,
    FeedbackCase,
    ResponseImport,
    ServicePoint,
    Unit,
    User,
)
from survey_app.services import (
    comment_analysis,
    feedback,
    import_maps,
    instrument_store,
    response_import,
)

pytestmark = pytest.mark.browser

#: Console GET pages that are files, not pages.
DOWNLOADS = {"admin.export_responses", "admin.download_report", "admin.download_qr",
             "admin.download_posters", "admin.download_instrument", "admin.index",
             "admin.static", "admin.paper_batch_pdf", "admin.paper_forms_of_point",
             "admin.download_import_problems", "admin.download_import_mapping"}
SAMPLE = Path(__file__).resolve().parents[1] / "data" / "google-forms-sipas-counter.csv"


def console_pages(app):
    """{endpoint: path} for every console page, with ids from the demo city."""
    with app.app_context():
        city = db.session.scalar(sa.select(Unit).filter_by(code="TPD"))
        ward = db.session.scalar(sa.select(Unit).filter_by(code="P-ANHOA"))
        point = db.session.scalar(sa.select(ServicePoint).filter_by(unit_id=ward.id))
        manager = db.session.scalar(sa.select(User).filter_by(username="anhoa"))
        admin = db.session.scalar(sa.select(User).filter_by(username="admin"))
        comment = db.session.scalar(sa.select(Comment).order_by(Comment.id))
        case = db.session.scalar(sa.select(FeedbackCase)) or \
            feedback.open_case(comment.response, admin)[0]
        batch = paper_batch_with_a_difference(point, admin, manager)
        theme = db.session.scalar(sa.select(CommentTheme).filter_by(unit_id=city.id)) or \
            comment_analysis.save_theme(city, "Thái độ", "thái độ, thai do")
        the_import = db.session.scalar(sa.select(ResponseImport)) or response_import.start(
            point, *instrument_store.current_version(point.instrument_code), SAMPLE.read_bytes(),
            "google.csv", import_maps.ready_made()["google-forms-sipas-counter"])[0]
        db.session.commit()
        return {
            "admin.login": "/admin/login", "admin.list_units": "/admin/units",
            "admin.create_unit": "/admin/units/new",
            "admin.edit_unit": f"/admin/units/{ward.id}/edit",
            "admin.list_service_points": "/admin/service-points",
            "admin.create_service_point": "/admin/service-points/new",
            "admin.show_service_point": f"/admin/service-points/{point.id}",
            "admin.edit_service_point": f"/admin/service-points/{point.id}/edit",
            "admin.list_unit_keys": f"/admin/units/{city.id}/api-keys",
            "admin.show_unit_results": f"/admin/units/{city.id}/results?by=service_point",
            "admin.show_targets": f"/admin/units/{city.id}/targets",
            "admin.show_insights": f"/admin/units/{city.id}/insights",
            "admin.list_comments": "/admin/comments", "admin.list_cases": "/admin/cases",
            "admin.edit_case": f"/admin/cases/{case.id}",
            "admin.list_users": "/admin/users",
            "admin.reset_password": f"/admin/users/{manager.id}/password",
            "admin.change_password": "/admin/password", "admin.list_audit": "/admin/audit",
            "admin.list_instruments": "/admin/instruments",
            "admin.list_paper_batches": "/admin/paper", "admin.create_paper_batch": "/admin/paper/new",
            "admin.show_paper_batch": f"/admin/paper/{batch.id}",
            "admin.enter_paper_form": f"/admin/paper/{batch.id}/enter",
            "admin.assisted_survey": f"/admin/service-points/{point.id}/assisted",
            "admin.assisted_thanks": f"/admin/service-points/{point.id}/assisted/thanks",
            "admin.show_comment_analysis": f"/admin/units/{city.id}/comments/analysis",
            "admin.edit_comment_themes": f"/admin/units/{city.id}/comment-themes",
            "admin.edit_comment_theme": f"/admin/comment-themes/{theme.id}/edit",
            "admin.list_responses": f"/admin/units/{city.id}/responses",
            "admin.show_crosstab": f"/admin/units/{city.id}/crosstab?rows=sector&cols=sex",
            "admin.list_quarantine": f"/admin/units/{city.id}/quarantine",
            "admin.dossier_counts": "/admin/dossier-counts",
            "admin.list_imports": "/admin/imports",
            "admin.show_import": f"/admin/imports/{the_import.id}",
        }


def paper_batch_with_a_difference(point, first, second):
    """A batch whose first form the two typists read differently (once per server)."""
    from datetime import date

    from survey_app.models import PaperBatch
    from survey_app.services import paper

    batch = db.session.scalar(sa.select(PaperBatch).filter_by(service_point_id=point.id))
    if batch is not None:
        return batch
    batch = paper.create_batch(first, point, date(2026, 3, 2), 1, 5)
    codes = {"access": "5", "procedures": "4", "staff": "5", "results": "3", "feedback": "0",
             "overall": "4", "extra_request": "2", "trips": "1", "comment": "Tốt",
             "respondent_type": "1", "sex": "2", "age_band": "3"}
    paper.save_entry(batch, first, 1, codes)
    paper.save_entry(batch, second, 1, {**codes, "age_band": "4", "comment": "Tốt lắm"})
    return batch


def test_the_walk_covers_every_console_page(demo_server):
    app = demo_server["app"]
    pages = {rule.endpoint for rule in app.url_map.iter_rules()
             if rule.endpoint.startswith("admin.") and "GET" in rule.methods}
    assert pages - DOWNLOADS == set(console_pages(app))


@pytest.mark.parametrize("lang", ["vi", "en"])
def test_every_console_page_fits_360_px(browser, demo_server, lang):
    context = browser.new_context(viewport={"width": 360, "height": 740})
    page = context.new_page()
    base = demo_server["base"]
    too_wide = []
    pages = console_pages(demo_server["app"])
    page.goto(f"{base}/admin/login?lang={lang}")
    too_wide += [("login", page.evaluate("document.documentElement.scrollWidth"))] \
        if page.evaluate("document.documentElement.scrollWidth > innerWidth") else []
    page.locator("#username").fill("admin")
    page.locator("#password").fill("hailong-demo")
    page.locator("button[type=submit]").last.click()
    expect(page.locator("h1")).to_be_visible()
    for endpoint, path in pages.items():
        if endpoint == "admin.login":
            continue
        response = page.goto(base + path)
        assert response.status == 200, path
        width = page.evaluate("document.documentElement.scrollWidth")
        if width > page.evaluate("innerWidth"):
            too_wide.append((path, width))
    context.close()
    assert too_wide == []
