"""The ``hailong_index`` sheet: one row per node of the index tree, parents before children.

Columns: code, parent (empty for the top node), name::Vietnamese (vi), name::English (en),
level, rule (mean | pooled | weighted), items (item codes, space-separated; a node has
items or child nodes), weight (this node's weight in its parent's ``weighted`` rule),
max_points (PAR points).
"""
import re

from instruments.schema import RULES
from instruments.xlsform import layout as L
from instruments.xlsform.cells import as_number, bilingual
from instruments.xlsform.layout import N_

DEFAULT_INDEX_NAME = {"vi": "Chỉ số hài lòng chung", "en": "Overall satisfaction index"}


def default_index(scored_codes):
    """Without an index sheet: one node, the mean of every 5-level item's index."""
    return {"code": "total", "name": dict(DEFAULT_INDEX_NAME), "items": list(scored_codes)}


def _positive(collect, row, key):
    value = row.value(key)
    if value is None or value == "":
        return None
    number = as_number(value)
    if number is None or number <= 0:
        collect.at(row, key, N_("Write a positive number (found '%(value)s')."),
                   value=row.text(key))
        return None
    return number


def read_index(sheet, collect, item_types):
    """The raw index tree (as in a YAML file) and {node code: Excel row}; None on problems.

    ``item_types`` maps the survey's item codes to their hailong type (None: a question
    already refused).
    """
    nodes, rows, root = {}, {}, None
    for row in sheet.rows:
        code = row.text(L.CODE)
        if not code:
            collect.at(row, L.CODE, N_("The node code is empty."))
            continue
        if code in nodes:
            collect.at(row, L.CODE, N_("Node code '%(code)s' is already used on row %(row)d."),
                       code=code, row=rows[code].number)
            continue
        node = {"code": code, "name": bilingual(collect, row, "name")}
        if level := row.text(L.LEVEL):
            node["level"] = level
        if rule := row.text(L.RULE):
            if rule not in RULES:
                collect.at(row, L.RULE, N_("Rule '%(rule)s' is not one of %(rules)s."),
                           rule=rule, rules=", ".join(RULES))
            node["rule"] = rule
        items = [code for code in re.split(r"[\s,;]+", row.text(L.ITEMS)) if code]
        for item in items:
            if item_types.get(item, "") not in ("likert5", None):
                collect.at(row, L.ITEMS, N_(
                    "'%(item)s' is not a 5-level (satisfaction) question of the survey "
                    "sheet."), item=item)
        if items:
            node["items"] = items
        if (points := _positive(collect, row, L.MAX_POINTS)) is not None:
            node["max_points"] = points
        parent = row.text(L.PARENT)
        weight = _positive(collect, row, L.WEIGHT)
        if not parent:
            if root is not None:
                collect.at(row, L.PARENT, N_(
                    "Only one node may have no parent; '%(code)s' on row %(row)d already is "
                    "the top node."), code=root["code"], row=rows[root["code"]].number)
                continue
            if weight is not None:
                collect.at(row, L.WEIGHT, N_("The top node has no parent to be weighed in."))
            root = node
        elif parent not in nodes:
            collect.at(row, L.PARENT, N_(
                "Parent '%(parent)s' is not a node on an earlier row."), parent=parent)
            continue
        else:
            nodes[parent].setdefault("children", []).append(node)
            nodes[parent].setdefault("_weights", []).append((row, weight))
        nodes[code], rows[code] = node, row
    if root is None:
        collect.add(sheet.title, None, sheet.header(L.PARENT), N_(
            "No top node: one row must have an empty parent."))
        return None, rows
    for code, node in nodes.items():
        _check_node(collect, rows[code], node)
    return root, rows


def _check_node(collect, row, node):
    if node.get("items") and node.get("children"):
        collect.at(row, L.ITEMS, N_(
            "Node '%(code)s' has both items and child nodes; give one or the other."),
            code=node["code"])
    elif not node.get("items") and not node.get("children"):
        collect.at(row, L.ITEMS, N_(
            "Node '%(code)s' has neither items nor child nodes."), code=node["code"])
    weighted = node.pop("_weights", [])
    given = [weight for _, weight in weighted if weight is not None]
    if not given and node.get("rule") != "weighted":
        return
    for child_row, weight in weighted:
        if weight is None:
            collect.at(child_row, L.WEIGHT, N_(
                "Every child of '%(code)s' needs a weight (rule 'weighted'), or none of them "
                "may have one."), code=node["code"])
    node["weights"] = given
