"""Responses written straight to the database at chosen times (for analyses on a fixed clock)."""
import uuid
from datetime import timedelta

import sqlalchemy as sa

from survey_app.extensions import db
from survey_app.models import Channel, Response
from survey_app.services import instrument_store, packing

COUNTER_RATINGS = ("access", "procedures", "staff", "results", "feedback", "overall")


def add_responses(point, start, count, value, days=60):
    """``count`` sipas-counter responses answering ``value`` to every rating, one every
    ``days / count`` days from ``start``; committed."""
    version = instrument_store.latest_version("sipas-counter")
    for i in range(count):
        response = Response(client_uuid=uuid.uuid4(), instrument_version_id=version.id,
                            service_point_id=point.id, unit_id=point.unit_id,
                            channel=Channel.QR, verified=False, locale="vi",
                            submitted_at=start + timedelta(days=days * i / count, hours=2),
                            stratum=str(point.sector), weight=1.0)
        answered(response, {code: value for code in COUNTER_RATINGS})
        db.session.add(response)
    db.session.commit()


def answered(response, values):
    """Store ``values`` ({item code: int, or None for not applicable}) as the answers of
    ``response`` (whose ``instrument_version_id`` is set); returns it."""
    response.answer_codes = packing.pack(
        packing.slots_of_version(response.instrument_version_id), values)
    return response


def answer_rows(*where):
    """(response id, item code, value) of every stored answer of the responses matching
    ``where``: the rows the former ``answer`` table held, for counting in tests."""
    db.session.flush()
    rows = db.session.execute(sa.select(Response.id, Response.instrument_version_id,
                                        Response.answer_codes).where(*where)).all()
    return [(response_id, code, value) for response_id, version_id, text in rows
            for code, value in packing.unpack(packing.slots_of_version(version_id), text).items()]


def count_answers(code=None, value=...):
    """How many answers (of item ``code``, with ``value``; None: not applicable) are stored."""
    return sum(1 for _rid, c, v in answer_rows()
               if (code is None or c == code) and (value is ... or v == value))
