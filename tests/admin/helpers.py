"""Responses with fixed dates, made straight in the database (fast, and no test depends on
the day it runs)."""
import uuid
from datetime import timedelta

import numpy as np

from survey_app.extensions import db
from survey_app.models import Channel, Comment, Response
from survey_app.services import instrument_store
from tests.responses import answered

ITEMS = ("access", "procedures", "staff", "results", "feedback", "overall")


def add_responses(point, n, start, days, seed, level=0.8, comment_every=10):
    """``n`` responses to ``point`` spread over ``days`` days from ``start`` (fixed dates);
    every ``comment_every``-th has a comment."""
    rng = np.random.default_rng(seed)
    version = instrument_store.latest_version(point.instrument_code)
    for i in range(n):
        channel = (Channel.QR, Channel.KIOSK, Channel.INVITATION)[i % 3]
        response = Response(client_uuid=uuid.uuid4(), instrument_version_id=version.id,
                            service_point_id=point.id, unit_id=point.unit_id, channel=channel,
                            verified=channel == Channel.INVITATION, locale="vi",
                            submitted_at=start + timedelta(days=float(rng.uniform(0, days))),
                            stratum=str(point.sector), weight=1.0)
        answered(response, {item: int(5 if rng.random() < level else rng.integers(1, 4))
                            for item in ITEMS})
        if i % comment_every == 0:
            response.comment = Comment(text=f"Góp ý {i}")
        db.session.add(response)
    db.session.commit()
