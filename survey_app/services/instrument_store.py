"""Keep the instrument tables in step with the instrument files; load a stored version."""
import json
import time
from functools import lru_cache

import sqlalchemy as sa

import instruments
from survey_app.extensions import db
from survey_app.models import Instrument, InstrumentVersion, Response
from survey_app.services import packing


class FrozenInstrumentError(RuntimeError):
    """A version with responses would change its wording."""


def has_responses(version):
    return db.session.scalar(
        sa.select(sa.exists().where(Response.instrument_version_id == version.id))
    )


def store(instrument):
    """Insert or update ``instrument`` (an ``instruments.Instrument``); return its version row."""
    row = db.session.scalar(sa.select(Instrument).filter_by(code=instrument.id))
    if row is None:
        row = Instrument(code=instrument.id)
        db.session.add(row)
        db.session.flush()
    digest = instruments.digest(instrument)
    version = db.session.scalar(
        sa.select(InstrumentVersion).filter_by(instrument_id=row.id, version=instrument.version)
    )
    if version is None:
        version = InstrumentVersion(
            instrument=row, version=instrument.version, digest=digest,
            definition=instrument.source,
        )
        db.session.add(version)
    elif version.digest != digest:
        if has_responses(version):
            raise FrozenInstrumentError(
                f"instrument '{instrument.id}' version {instrument.version} already has "
                "responses and its wording changed: give the file a new 'version' number"
            )
        version.digest = digest
        version.definition = instrument.source
    elif version.definition != instrument.source:
        # the same wording with other metadata (the official mapping): no new version
        version.definition = instrument.source
    db.session.flush()
    packing.forget()  # a new or changed version may add slots
    return version


def sync_bundled():
    """Store every shipped instrument; return the version rows."""
    return [store(inst) for inst in instruments.bundled().values()]


@lru_cache(maxsize=64)
def _parse(database, digest, version_id, metadata):
    version = db.session.get(InstrumentVersion, version_id)
    return instruments.parse_instrument(version.definition, where=version.instrument.code)


def load(version):
    """The ``instruments.Instrument`` of a stored version (parsed once per digest and
    official mapping, which may change without a new version)."""
    metadata = json.dumps(version.definition.get("official"), sort_keys=True)
    return _parse(str(db.engine.url), version.digest, version.id, metadata)


#: Seconds a worker keeps its answer to "which version is current?"; new versions only
#: appear through ``hailong instruments sync``, and the previous one stays valid meanwhile.
VERSION_CACHE_SECONDS = 30
_current = {}


def current_version(code):
    """``(version id, instrument)`` of the newest stored version of ``code``, or None.

    Cached per process for ``VERSION_CACHE_SECONDS``: this runs on every form view.
    """
    now = time.monotonic()
    key = (str(db.engine.url), code)
    cached = _current.get(key)
    if cached and now - cached[0] < VERSION_CACHE_SECONDS:
        return cached[1]
    version = latest_version(code)
    if version is None:
        return None  # not cached: it may be loaded any moment by `hailong instruments sync`
    value = (version.id, load(version))
    _current[key] = (now, value)
    return value


def forget_cached_versions():
    _current.clear()
    _parse.cache_clear()
    packing.forget()
    from survey_app.services import tally  # noqa: PLC0415 - tally reads instruments from here

    tally.forget()


def latest_version(code):
    return db.session.scalar(
        sa.select(InstrumentVersion)
        .join(Instrument)
        .where(Instrument.code == code)
        .order_by(InstrumentVersion.version.desc())
        .limit(1)
    )
