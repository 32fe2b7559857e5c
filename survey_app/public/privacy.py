"""The privacy notice linked from every citizen page (Nghị định 13/2023/NĐ-CP)."""
from flask import current_app, render_template

from survey_app.public import bp

#: Days the keyed hash of a client's address is kept (``hailong retention run`` clears
#: it after that): it only serves to count bursts over a few minutes.
SOURCE_HASH_DAYS = 2


@bp.route("/privacy")
def privacy():
    return render_template("public/privacy.html",
                           months=current_app.config["RETENTION_MONTHS"],
                           hash_days=SOURCE_HASH_DAYS)
