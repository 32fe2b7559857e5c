"""The baseline: a bare Flask endpoint that inserts one row (no validation, no CSRF)."""
import os
import uuid

import sqlalchemy as sa
from flask import Flask

engine = sa.create_engine(os.environ["BENCH_DATABASE_URL"], pool_size=8, pool_pre_ping=True)
app = Flask(__name__)


@app.post("/insert")
def insert():
    with engine.begin() as conn:
        conn.execute(sa.text("INSERT INTO bare_insert (client_uuid) VALUES (:u)"),
                     {"u": str(uuid.uuid4())})
    return "", 204
