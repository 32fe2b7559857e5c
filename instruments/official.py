"""Which official index nodes a questionnaire measures (its ``official`` mapping).

An instrument file may say, at the top level::

    official:
      SIPAS: {"II": "II", "5": "5"}          # official code: node of this index tree
      PAR_INDEX: {"8.1.1": "5"}

The targets page sets each official row against exactly the node named here, never a
guess. SIPAS is published as a percentage, so the node's index is compared as it is;
PAR INDEX and PAPI are in points, so the node needs ``max_points`` and its points
(max_points x index / 100) are compared. The mapping is not wording or structure: it is
left out of the version digest, so it can be corrected without a new version.
"""
from instruments.schema import OFFICIAL_INDICES, InstrumentError


def parse_official(raw, root, where):
    """{index: {official code: node code}} from the file's ``official`` mapping.

    Raises
    ------
    InstrumentError
        For an unknown index, an unquoted or empty code, a node the tree does not have,
        or a points index mapped to a node without ``max_points``.
    """
    if raw is None:
        return {}
    if not isinstance(raw, dict):
        raise InstrumentError(f"{where}: 'official' must map an index name to its codes")
    nodes = {node.code: node for node in root.walk()}
    mapping = {}
    for index, codes in raw.items():
        if index not in OFFICIAL_INDICES:
            raise InstrumentError(f"{where}: official index '{index}' is not one of "
                                  f"{', '.join(OFFICIAL_INDICES)}")
        if not isinstance(codes, dict) or not codes:
            raise InstrumentError(f"{where}: 'official: {index}' must map official codes to "
                                  "node codes, e.g. {\"5\": \"5\"}")
        for official_code, node_code in codes.items():
            if not isinstance(official_code, str) or not isinstance(node_code, str) \
                    or not official_code.strip() or not node_code.strip():
                raise InstrumentError(f"{where}: official {index} code {official_code!r}: "
                                      "write both codes in quotes, e.g. \"8.1.1\": \"5\"")
            node = nodes.get(node_code)
            if node is None:
                raise InstrumentError(f"{where}: official {index} '{official_code}' points to "
                                      f"node '{node_code}', which the index tree does not have")
            if OFFICIAL_INDICES[index] == "points" and not node.max_points:
                raise InstrumentError(f"{where}: official {index} '{official_code}' is in "
                                      f"points, so node '{node_code}' needs 'max_points'")
        mapping[index] = dict(codes)
    return mapping
