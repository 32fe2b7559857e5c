import sqlalchemy as sa

from survey_app.extensions import db
from survey_app.models import Response
from tests.conftest import csrf_from, uuid_from
from tests.responses import count_answers

ANSWERS = {"access": "5", "procedures": "4", "staff": "5", "results": "4", "feedback": "na",
           "overall": "5", "extra_request": "0", "trips": "1"}


def form_post(client, url, answers=ANSWERS, page=None, **extra):
    """GET the form (unless ``page`` is given), then POST ``answers`` with its hidden fields.

    The QR and kiosk forms first redirect to a URL of their own (``?f=``); it is followed.
    """
    page = page if page is not None else client.get(url, follow_redirects=True).data
    data = {"csrf_token": csrf_from(page), "client_uuid": uuid_from(page), **answers, **extra}
    return client.post(url, data=data), data


def counts():
    return (db.session.scalar(sa.select(sa.func.count()).select_from(Response)),
            count_answers())
