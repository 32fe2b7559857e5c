"""Responses written straight to the database at chosen times (for analyses on a fixed clock)."""
import uuid
from datetime import timedelta

from survey_app.extensions import db
from survey_app.models import Answer, Channel, Response
from survey_app.services import instrument_store

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
        response.answers = [Answer(item_code=code, value=value) for code in COUNTER_RATINGS]
        db.session.add(response)
    db.session.commit()
