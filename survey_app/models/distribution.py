"""How the tables would be spread over a Citus cluster: one list, checked by a test.

The tables that grow with every answer are *distributed* by ``province_id`` (the root of
the answering unit's tree): a province's rows sit together on one shard, and every unique
key and every key between two distributed tables includes ``province_id`` so that a shard
can enforce it alone. Every other table is small, changes at office speed, and becomes a
*reference* table (a copy on every node), so a shard joins it without leaving the node.
``deploy/citus/distribute.sql`` turns this into DDL; ``tests/test_citus_ready.py`` checks
that the models and the migrated database keep to it. ``docs/scale.md`` explains the plan.
"""
import sqlalchemy as sa

#: The distribution column of every distributed table.
DISTRIBUTION_COLUMN = "province_id"

#: Tables that grow with the responses, spread over the shards by ``province_id``.
DISTRIBUTED = frozenset({
    "response", "comment", "feedback_case", "invitation",
    "psu_tally", "cell_tally", "part_tally", "part_cell_tally", "tally_dirty",
})

#: Tables copied whole to every node: the organisation, the questionnaires, the people
#: and their keys, counts entered by hand, paper typing (written at typing speed).
REFERENCE = frozenset({
    "unit", "service_point", "qr_token", "procedure",
    "instrument", "instrument_version",
    "user_account", "api_key", "audit_log",
    "dossier_count", "official_result", "comment_theme",
    "response_import", "paper_batch", "paper_entry", "paper_decision",
    "tally_state",
})

#: {(database URL, unit id): province id} of this process (see ``province_of_unit``).
_province_cache = {}


def province_of_path(path):
    """The province of a unit whose materialised path is ``path``: its first id."""
    return int(path.split("/")[1])


def province_of_unit(connection, unit_id):
    """The province of the unit ``unit_id``, cached: every submission needs it.

    A unit's province changes only when ``services.org.move_unit`` takes it to another
    tree; that empties the cache of this process (other processes keep the old province
    for units they had cached until they restart: their new rows still show in the new
    scope, see ``services.org.provinces_for``).
    """
    key = (connection.engine.url, unit_id)
    found = _province_cache.get(key)
    if found is None:
        from survey_app.models.org import Unit  # noqa: PLC0415 - models import this module

        path = connection.scalar(sa.select(Unit.path).where(Unit.id == unit_id))
        if path is None:
            raise LookupError(f"no unit {unit_id}")
        found = _province_cache[key] = province_of_path(path)
    return found


def forget_cached_provinces():
    """Empty the cache of ``province_of_unit`` (a unit moved, or a test wiped the data)."""
    _province_cache.clear()


def fill_province_from_unit(_mapper, connection, target):
    """An ORM insert without ``province_id`` takes its unit's (responses built by hand, by
    tests or by the demo); inserts through Core must set it themselves."""
    if target.province_id is None:
        target.province_id = province_of_unit(connection, target.unit_id)


def fill_province_from_response(_mapper, connection, target):
    """A comment added with only its response id takes the response's province."""
    if target.province_id is None and target.response_id is not None:
        from survey_app.models.response import Response  # noqa: PLC0415

        target.province_id = connection.scalar(
            sa.select(Response.province_id).where(Response.id == target.response_id))


def fill_province_from_point(_mapper, connection, target):
    """A row added with only its service point (an invitation) takes the point's province."""
    if target.province_id is None and target.service_point_id is not None:
        from survey_app.models.org import ServicePoint  # noqa: PLC0415

        unit_id = connection.scalar(sa.select(ServicePoint.unit_id).where(
            ServicePoint.id == target.service_point_id))
        target.province_id = province_of_unit(connection, unit_id)
