"""Every staff and API route, for every role and for a stranger: the expected status.

Staff are scoped to a ward; "own" targets lie in it, "other" targets in a neighbouring
ward. Nobody sees or changes another unit's data (404), only managers change anything
(403 otherwise), and a stranger is sent to the sign-in page.
"""
from pathlib import Path

import pytest
import sqlalchemy as sa

import instruments
from survey_app.extensions import db
from survey_app.models import ApiKey, Role, User
from survey_app.services import api_keys, import_maps, instrument_store, paper, response_import
from tests.conftest import csrf_from

MANAGERS = {Role.ADMIN, Role.UNIT_MANAGER}
HANDLERS = {Role.ADMIN, Role.UNIT_MANAGER, Role.COUNTER_OFFICER}
EXPORTERS = {Role.ADMIN, Role.UNIT_MANAGER, Role.ANALYST}
TYPISTS = {Role.ADMIN, Role.UNIT_MANAGER, Role.COUNTER_OFFICER, Role.DATA_ENTRY}
ASSISTANTS = {Role.ADMIN, Role.UNIT_MANAGER, Role.COUNTER_OFFICER}
IMPORTERS = EXPORTERS
# (endpoint, method, target, roles allowed (None: every staff role), form data)
ROUTES = [
    ("admin.index", "GET", None, None, None),
    ("admin.list_units", "GET", None, None, None),
    ("admin.list_service_points", "GET", None, None, None),
    ("admin.show_service_point", "GET", "point", None, None),
    ("admin.download_qr", "GET", "point", None, None),
    ("admin.download_posters", "GET", "unit", None, None),
    ("admin.show_unit_results", "GET", "unit", None, None),
    ("admin.show_targets", "GET", "unit", None, None),
    ("admin.show_insights", "GET", "unit", None, None),
    ("admin.export_responses", "GET", "unit", EXPORTERS, None),
    ("admin.download_report", "GET", "unit", None, None),
    ("admin.list_comments", "GET", None, None, None),
    ("admin.list_users", "GET", None, MANAGERS, None),
    ("admin.list_audit", "GET", None, MANAGERS, None),
    ("admin.list_instruments", "GET", None, MANAGERS, None),
    ("admin.dossier_counts", "GET", None, MANAGERS, None),
    ("admin.download_instrument", "GET", None, MANAGERS, None),
    ("admin.change_password", "GET", None, None, None),
    ("admin.reset_password", "GET", "user", MANAGERS, None),
    ("admin.toggle_user", "POST", "user", MANAGERS, {}),
    ("admin.list_cases", "GET", None, None, None),
    ("admin.edit_case", "GET", "case", None, None),
    ("admin.moderate_comment", "POST", "comment", MANAGERS, {}),
    ("admin.open_case", "POST", "response", HANDLERS, {}),
    ("admin.create_unit", "GET", None, MANAGERS, None),
    ("admin.edit_unit", "GET", "unit", MANAGERS, None),
    ("admin.create_service_point", "GET", None, MANAGERS, None),
    ("admin.edit_service_point", "GET", "point", MANAGERS, None),
    ("admin.rotate_token", "POST", "point", MANAGERS, {}),
    ("admin.revoke_token", "POST", "point", MANAGERS, {}),
    ("admin.issue_api_key", "POST", "point", MANAGERS, {"label": "x"}),
    ("admin.revoke_api_key", "POST", "key", MANAGERS, {}),
    ("admin.list_unit_keys", "GET", "unit", MANAGERS, None),
    ("admin.list_unit_keys", "POST", "unit", MANAGERS, {"label": "x"}),
    ("admin.revoke_api_key", "POST", "unitkey", MANAGERS, {}),
    ("admin.list_paper_batches", "GET", None, TYPISTS, None),
    ("admin.create_paper_batch", "GET", None, TYPISTS, None),
    ("admin.show_paper_batch", "GET", "batch", TYPISTS, None),
    ("admin.enter_paper_form", "GET", "batch", TYPISTS, None),
    ("admin.paper_batch_pdf", "GET", "batch", TYPISTS, None),
    ("admin.reconcile_paper_form", "POST", "batch", MANAGERS, {}),
    ("admin.count_paper_batch", "POST", "batch", MANAGERS, {}),
    ("admin.paper_forms_of_point", "GET", "point", None, None),
    ("admin.assisted_survey", "GET", "point", ASSISTANTS, None),
    ("admin.assisted_thanks", "GET", "point", ASSISTANTS, None),
    ("admin.show_comment_analysis", "GET", "unit", None, None),
    ("admin.edit_comment_themes", "GET", "unit", None, None),
    ("admin.edit_comment_themes", "POST", "unit", MANAGERS, {"name": "x", "keywords": "y"}),
    ("admin.copy_comment_themes", "POST", "unit", MANAGERS, {}),
    ("admin.edit_comment_theme", "GET", "theme", MANAGERS, None),
    ("admin.delete_comment_theme", "POST", "theme", MANAGERS, {}),
    ("admin.list_responses", "GET", "unit", None, None),
    ("admin.show_crosstab", "GET", "unit", None, None),
    ("admin.list_quarantine", "GET", "unit", MANAGERS, None),
    ("admin.decide_quarantine", "POST", "unit", MANAGERS,
     {"action": "release", "response": "1"}),
    ("admin.list_imports", "GET", None, IMPORTERS, None),
    ("admin.show_import", "GET", "import", IMPORTERS, None),
    ("admin.download_import_problems", "GET", "import", IMPORTERS, None),
    ("admin.download_import_mapping", "GET", "import", IMPORTERS, None),
    ("admin.confirm_import", "POST", "import", IMPORTERS, {"accept_bad_rows": "y"}),
    ("admin.undo_import", "POST", "import", IMPORTERS, {}),
    ("admin.discard_import", "POST", "import_discard", IMPORTERS, {}),
]
SAMPLE = Path(__file__).resolve().parents[1] / "data" / "google-forms-sipas-counter.csv"
EXEMPT = {"admin.login", "admin.logout", "admin.static"}


def url(endpoint, target, things):
    paths = {
        "admin.index": "/admin/", "admin.list_units": "/admin/units",
        "admin.list_service_points": "/admin/service-points",
        "admin.create_unit": "/admin/units/new", "admin.create_service_point": "/admin/service-points/new",
        "admin.list_comments": "/admin/comments", "admin.list_cases": "/admin/cases",
        "admin.list_users": "/admin/users", "admin.list_audit": "/admin/audit",
        "admin.change_password": "/admin/password",
        "admin.list_instruments": "/admin/instruments",
        "admin.list_paper_batches": "/admin/paper", "admin.create_paper_batch": "/admin/paper/new",
        "admin.dossier_counts": "/admin/dossier-counts",
        "admin.list_imports": "/admin/imports",
        "admin.download_instrument":
            f"/admin/instruments/sipas-counter/{instruments.get('sipas-counter').version}.xlsx",
    }
    if endpoint in paths:
        return paths[endpoint]
    ids = {"point": things["point"].id, "unit": things["unit"].id, "key": things["key"],
           "unitkey": things["unitkey"],
           "comment": things["comment"], "response": things["response"], "case": things["case"],
           "user": things["user"], "batch": things["batch"], "theme": things["theme"],
           "import": things["import"],
           "import_discard": things["import_discard"]}
    return {
        "admin.show_service_point": "/admin/service-points/{}",
        "admin.download_qr": "/admin/service-points/{}/qr.png",
        "admin.download_posters": "/admin/units/{}/posters.pdf",
        "admin.show_unit_results": "/admin/units/{}/results",
        "admin.show_targets": "/admin/units/{}/targets",
        "admin.show_insights": "/admin/units/{}/insights",
        "admin.export_responses": "/admin/units/{}/export",
        "admin.download_report": "/admin/units/{}/report.xlsx?period=2026",
        "admin.edit_unit": "/admin/units/{}/edit",
        "admin.edit_service_point": "/admin/service-points/{}/edit",
        "admin.rotate_token": "/admin/service-points/{}/rotate",
        "admin.revoke_token": "/admin/service-points/{}/revoke",
        "admin.issue_api_key": "/admin/service-points/{}/api-keys",
        "admin.revoke_api_key": "/admin/api-keys/{}/revoke",
        "admin.list_unit_keys": "/admin/units/{}/api-keys",
        "admin.edit_case": "/admin/cases/{}",
        "admin.reset_password": "/admin/users/{}/password",
        "admin.toggle_user": "/admin/users/{}/active",
        "admin.moderate_comment": "/admin/comments/{}/hide",
        "admin.open_case": "/admin/responses/{}/case",
        "admin.show_paper_batch": "/admin/paper/{}",
        "admin.enter_paper_form": "/admin/paper/{}/enter",
        "admin.paper_batch_pdf": "/admin/paper/{}/forms.pdf",
        "admin.reconcile_paper_form": "/admin/paper/{}/reconcile/1",
        "admin.count_paper_batch": "/admin/paper/{}/count",
        "admin.paper_forms_of_point": "/admin/service-points/{}/paper.pdf?first=1&last=2",
        "admin.assisted_survey": "/admin/service-points/{}/assisted",
        "admin.assisted_thanks": "/admin/service-points/{}/assisted/thanks",
        "admin.show_comment_analysis": "/admin/units/{}/comments/analysis",
        "admin.edit_comment_themes": "/admin/units/{}/comment-themes",
        "admin.copy_comment_themes": "/admin/units/{}/comment-themes/copy",
        "admin.edit_comment_theme": "/admin/comment-themes/{}/edit",
        "admin.delete_comment_theme": "/admin/comment-themes/{}/delete",
        "admin.list_responses": "/admin/units/{}/responses",
        "admin.show_crosstab": "/admin/units/{}/crosstab",
        "admin.list_quarantine": "/admin/units/{}/quarantine",
        "admin.decide_quarantine": "/admin/units/{}/quarantine",
        "admin.show_import": "/admin/imports/{}",
        "admin.download_import_problems": "/admin/imports/{}/problems.csv",
        "admin.download_import_mapping": "/admin/imports/{}/mapping.yaml",
        "admin.confirm_import": "/admin/imports/{}/confirm",
        "admin.undo_import": "/admin/imports/{}/undo",
        "admin.discard_import": "/admin/imports/{}/discard",
    }[endpoint].format(ids[target])


def expected(role, allowed, where, endpoint):
    if role is None:
        return {302}
    if allowed is not None and role not in allowed:
        return {403}
    if where == "other":
        return {404}
    if endpoint == "admin.index":
        return {302}
    return {200, 302}


@pytest.fixture
def world(client, make_unit, make_service_point):
    from datetime import date

    from survey_app.models import Comment, CommentTheme, FeedbackCase
    from tests.public.helpers import form_post

    province = make_unit(code="P", kind="province")
    own = make_unit(code="OWN", parent=province)
    other = make_unit(code="OTHER", parent=province)
    things = {}
    for name, unit in (("own", own), ("other", other)):
        point = make_service_point(unit=unit, code="CT")
        row, _ = api_keys.issue(point)
        unit_key, _ = api_keys.issue(unit)
        db.session.commit()  # the client rolls back uncommitted work after each request
        form_post(client, f"/s/{point.current_token.token}", comment=f"góp ý {name}")
        comment = db.session.scalar(sa.select(Comment).where(Comment.text == f"góp ý {name}"))
        case = FeedbackCase(unit_id=unit.id, response_id=comment.response_id, summary="x",
                            deadline=date.today())
        db.session.add(case)
        db.session.commit()
        colleague = User(username=f"colleague-{name}", password_hash="x", role=Role.VIEWER,
                         unit=unit)
        db.session.add(colleague)
        db.session.commit()
        batch = paper.create_batch(colleague, point, date(2026, 3, 2), 1, 3)
        theme = CommentTheme(unit_id=unit.id, name="Thái độ", keywords="thái độ")
        db.session.add(theme)
        db.session.commit()
        imports = [response_import.start(point, *instrument_store.current_version("sipas-counter"),
                                         SAMPLE.read_bytes(), "google.csv",
                                         import_maps.ready_made()["google-forms-sipas-counter"])[0]
                   for _ in range(2)]
        db.session.commit()
        things[name] = {"batch": batch.id, "theme": theme.id,
                        "unit": unit, "point": point, "key": row.id, "unitkey": unit_key.id,
                        "comment": comment.id,
                        "response": comment.response_id, "case": case.id, "user": colleague.id,
                        "import": imports[0].id, "import_discard": imports[1].id}
    return things


def test_the_table_covers_every_staff_route(app):
    endpoints = {rule.endpoint for rule in app.url_map.iter_rules()
                 if rule.endpoint.startswith("admin.")}
    assert endpoints - EXEMPT == {r[0] for r in ROUTES}


@pytest.mark.parametrize("role", [None, *Role], ids=lambda r: r.value if r else "stranger")
def test_role_matrix(client, login, make_user, world, role):
    if role is not None:
        login(make_user(role=role, unit=world["own"]["unit"]))
    token = csrf_from(client.get("/admin/units" if role else "/admin/login").data)
    failures = []
    for where in ("own", "other"):
        for endpoint, method, target, allowed, data in ROUTES:
            if target is None and where == "other":
                continue
            path = url(endpoint, target, world[where])
            if method == "GET":
                status = client.get(path).status_code
            else:
                status = client.post(path, data={**data, "csrf_token": token}).status_code
            want = expected(role, allowed, where if target else "own", endpoint)
            if status not in want:
                failures.append(f"{method} {path} ({where}) -> {status}, expected {want}")
    assert failures == []


def test_other_units_comments_and_names_never_leak(client, login, make_user, world):
    login(make_user(role=Role.VIEWER, unit=world["own"]["unit"]))
    for path in ("/admin/units", "/admin/service-points"):
        assert "OTHER" not in client.get(path).data.decode()


def test_api_needs_a_key_for_every_route(client, world):
    assert client.post("/api/v1/invitations", json={"dossier_code": "A"}).status_code == 401
    assert client.put("/api/v1/dossier-counts", json={"counts": []}).status_code == 401
    wrong_method = client.get("/api/v1/invitations")  # routing answers before authentication
    assert wrong_method.status_code == 405 and wrong_method.is_json
    key = db.session.scalar(sa.select(ApiKey).where(ApiKey.id == world["own"]["key"]))
    assert key is not None
