"""Staff: answers held in quarantine (suspected stuffing), to release or reject."""
from flask import abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user

from survey_app.admin import bp
from survey_app.admin.access import manager_required, require_in_scope
from survey_app.admin.forms import ConfirmForm
from survey_app.extensions import db
from survey_app.models import Unit
from survey_app.services import instrument_store, packing, quarantine

#: Why an answer was held, in the reader's language.
REASON_LABELS = {
    "burst": _l("many answers from one address in a few minutes"),
    "pattern": _l("the same answers many times in a few minutes"),
    "speed": _l("sent a few seconds after the form was shown"),
}
STATE_LABELS = {"held": _l("held"), "rejected": _l("rejected"), "released": _l("released")}


def reasons_in_words(reason):
    return [str(REASON_LABELS.get(code, code)) for code in (reason or "").split(",") if code]


def answers_in_digits(response):
    """The closed answers as digits in questionnaire order ("–" for not applicable), so
    that identical answer sets stand out in the list."""
    values = packing.values_of(response)
    items = instrument_store.load(response.instrument_version).items
    return " ".join("–" if values[item.code] is None else str(values[item.code])
                    for item in items if item.code in values)


@bp.route("/units/<int:unit_id>/quarantine")
@manager_required
def list_quarantine(unit_id):
    unit = require_in_scope(db.session.get(Unit, unit_id))
    state = request.args.get("state") if request.args.get("state") in STATE_LABELS else "held"
    listing = quarantine.listed(unit, state, request.args.get("page", 1, type=int))
    return render_template("admin/quarantine.html", unit=unit, state=state, listing=listing,
                           states=STATE_LABELS, counts=quarantine.counts(unit),
                           reasons_in_words=reasons_in_words, digits=answers_in_digits,
                           confirm=ConfirmForm())


@bp.post("/units/<int:unit_id>/quarantine")
@manager_required
def decide_quarantine(unit_id):
    unit = require_in_scope(db.session.get(Unit, unit_id))
    ConfirmForm().validate_on_submit() or abort(400)
    action = request.form.get("action")
    state = request.form.get("state") if request.form.get("state") in STATE_LABELS else "held"
    back = url_for("admin.list_quarantine", unit_id=unit.id, state=state)
    if action not in ("release", "reject", "release_page", "reject_page"):
        abort(400)
    field = "on_page" if action.endswith("_page") else "response"
    action = action.removesuffix("_page")
    ids = [int(v) for v in request.form.getlist(field) if v.isdigit()]
    if not ids:
        flash(_("Tick at least one answer."), "error")
        return redirect(back)
    done = quarantine.decide(unit, ids, action, current_user)
    db.session.commit()
    if action == "release":
        flash(_("%(n)d answers released: they now count in the results.", n=done), "ok")
    else:
        flash(_("%(n)d answers rejected: they stay out of the results.", n=done), "ok")
    return redirect(back)
