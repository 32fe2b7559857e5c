"""Units and service points: creation, scope and tokens."""
import sqlalchemy as sa
from sqlalchemy.orm import aliased, joinedload

from survey_app.extensions import db
from survey_app.models import QrToken, Response, Sector, ServicePoint, Unit, UnitKind, distribution
from survey_app.models.base import utcnow


def province_of(unit):
    """The id of the root of ``unit``'s tree (its province), the distribution column of
    the tables that grow with the answers (``models.distribution``)."""
    return distribution.province_of_path(unit.path)


def province_of_unit(unit_id):
    """``province_of`` the unit ``unit_id``, cached (``distribution.province_of_unit``)."""
    return distribution.province_of_unit(db.session.connection(), unit_id)


def forget_cached_provinces():
    """Empty the cache of ``province_of_unit`` (a unit moved, or a test wiped the data)."""
    distribution.forget_cached_provinces()


def ids_on_path(path):
    return {int(part) for part in path.strip("/").split("/") if part}


def provinces_for(scope, executor=None):
    """The province ids the rows of ``scope``'s subtree (a unit or its path) can carry:
    the ids on its path (a province retired into another moves under it with its subtree,
    and its rows keep its id) and the province units below it. The hot queries filter on
    these so that a Citus cluster reads only the shards of the scope. ``executor``: a
    session or connection (default the app's session)."""
    path = scope if isinstance(scope, str) else scope.path
    ids = ids_on_path(path)
    ids.update((executor or db.session).execute(sa.select(Unit.id).where(
        Unit.path.startswith(path), Unit.kind == UnitKind.PROVINCE)).scalars())
    return sorted(ids)


def provinces_of_points(point_ids, executor=None):
    """The province ids the rows of these service points can carry: every id on the paths
    of their units (the current province and any retired into it)."""
    paths = (executor or db.session).execute(
        sa.select(Unit.path).join(ServicePoint, ServicePoint.unit_id == Unit.id)
        .where(ServicePoint.id.in_(list(point_ids))).distinct()).scalars()
    return sorted(set().union(*(ids_on_path(path) for path in paths)))


def create_unit(code, name_vi, kind, parent=None, name_en=None, **fields):
    unit = Unit(code=code, name_vi=name_vi, name_en=name_en, kind=UnitKind(kind), parent=parent, **fields)
    db.session.add(unit)
    db.session.flush()
    unit.path = f"{parent.path if parent else '/'}{unit.id}/"
    db.session.flush()
    return unit


def move_unit(unit, new_parent):
    """Re-parent ``unit`` and rewrite the paths of its whole subtree."""
    if new_parent is not None and new_parent.is_within(unit):
        raise ValueError("a unit cannot be moved under itself")
    old = unit.path
    new = f"{new_parent.path if new_parent else '/'}{unit.id}/"
    unit.parent = new_parent
    forget_cached_provinces()
    for row in db.session.scalars(sa.select(Unit).where(Unit.path.startswith(old))):
        row.path = new + row.path[len(old):]
    db.session.flush()


def create_service_point(unit, code, name_vi, sector, instrument_code, name_en=None):
    point = ServicePoint(unit=unit, code=code, name_vi=name_vi, name_en=name_en, sector=Sector(sector),
                         instrument_code=instrument_code)
    point.qr_tokens.append(QrToken())
    db.session.add(point)
    db.session.flush()
    return point


def rotate_token(point):
    """Revoke the live token (if any) and issue a new one."""
    revoke_token(point)
    token = QrToken(service_point=point)
    db.session.add(token)
    db.session.flush()
    return token


def revoke_token(point):
    now = utcnow()
    for token in point.qr_tokens:
        if token.revoked_at is None:
            token.revoked_at = now
    db.session.flush()


def units_in_scope(root):
    """Units in the subtree of ``root``, in tree order."""
    return db.session.scalars(
        sa.select(Unit).where(Unit.path.startswith(root.path)).order_by(Unit.path)
    ).all()


def service_points_in_scope(root):
    return db.session.scalars(
        sa.select(ServicePoint).join(Unit)
        .where(Unit.path.startswith(root.path))
        .order_by(Unit.path, ServicePoint.code)
    ).all()


def response_counts(point_ids):
    """Responses per service point id, in one query."""
    if not point_ids:
        return {}
    rows = db.session.execute(
        sa.select(Response.service_point_id, sa.func.count())
        .where(Response.service_point_id.in_(point_ids))
        .group_by(Response.service_point_id)
    )
    return dict(rows.all())


def subtree_response_counts(root):
    """Responses of each unit's whole subtree, for every unit under ``root``, in one query.

    Responses are counted per unit first, then summed over each unit's descendants by
    path prefix (a join of units with units, small next to the responses).
    """
    per_unit = (sa.select(Response.unit_id, sa.func.count().label("n"))
                .group_by(Response.unit_id).subquery())
    ancestor, member = aliased(Unit), aliased(Unit)
    rows = db.session.execute(
        sa.select(ancestor.id, sa.func.coalesce(sa.func.sum(per_unit.c.n), 0))
        .join(member, member.path.startswith(ancestor.path))
        .outerjoin(per_unit, per_unit.c.unit_id == member.id)
        .where(ancestor.path.startswith(root.path))
        .group_by(ancestor.id)
    )
    return {unit_id: int(count) for unit_id, count in rows}


def token_lookup(token):
    """The ``QrToken`` row for a public token with its service point and unit (one query)."""
    return db.session.scalar(
        sa.select(QrToken).where(QrToken.token == token)
        .options(joinedload(QrToken.service_point).joinedload(ServicePoint.unit))
    )
