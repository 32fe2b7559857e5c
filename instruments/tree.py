"""Build the index tree and the linear coefficients of every node over item indices.

METHODOLOGY.md §2: every index is a fixed linear combination a·P of item indices.
A node with ``items`` averages them; a node with ``children`` averages its children
(``mean``), pools all items below it equally (``pooled``) or weights its children
(``weighted``).
"""
from instruments.schema import RULES, InstrumentError, Node, text_mapping


def node_coefficients(rule, items, children, weights):
    if items:
        share = 1.0 / len(items)
        return {code: share for code in items}
    if rule == "pooled":
        codes = [code for child in children for code in child.item_codes()]
        share = 1.0 / len(codes)
        return {code: share for code in codes}
    if rule == "weighted":
        total = float(sum(weights))
        child_shares = [w / total for w in weights]
    else:
        child_shares = [1.0 / len(children)] * len(children)
    coefficients = {}
    for share, child in zip(child_shares, children, strict=True):
        for code, a in child.coefficients.items():
            coefficients[code] = coefficients.get(code, 0.0) + share * a
    return coefficients


def build_node(raw, scored_codes, where, depth=0):
    if not isinstance(raw, dict):
        raise InstrumentError(f"{where}: an index node must be a mapping")
    code = str(raw.get("code", "")).strip()
    if not code:
        raise InstrumentError(f"{where}: an index node has no code")
    here = f"{where}: index node '{code}'"
    name = text_mapping(raw.get("name"), here, "name")
    items = tuple(str(i) for i in raw.get("items") or ())
    raw_children = raw.get("children") or ()
    if bool(items) == bool(raw_children):
        raise InstrumentError(f"{here}: give either 'items' or 'children', not both or neither")
    for item in items:
        if item not in scored_codes:
            raise InstrumentError(
                f"{here}: item '{item}' is not a 5-level item of this instrument"
            )
    children = tuple(build_node(c, scored_codes, where, depth + 1) for c in raw_children)
    rule = raw.get("rule", "mean")
    if rule not in RULES:
        raise InstrumentError(f"{here}: rule '{rule}' is not one of {', '.join(RULES)}")
    weights = tuple(float(w) for w in raw.get("weights") or ())
    if rule == "weighted" and (len(weights) != len(children) or min(weights, default=0) <= 0):
        raise InstrumentError(f"{here}: rule 'weighted' needs one positive weight per child")
    max_points = raw.get("max_points")
    if max_points is not None and (not isinstance(max_points, int | float) or max_points <= 0):
        raise InstrumentError(f"{here}: 'max_points' must be a positive number")
    level = raw.get("level") or ("total" if depth == 0 else "factor" if items else "aspect")
    return Node(
        code=code, name=name, level=level, rule=rule, items=items, children=children,
        weights=weights, max_points=max_points,
        coefficients=node_coefficients(rule, items, children, weights),
    )


def check_unique_codes(root, where):
    seen = set()
    for node in root.walk():
        if node.code in seen:
            raise InstrumentError(f"{where}: index node code '{node.code}' is used twice")
        seen.add(node.code)
