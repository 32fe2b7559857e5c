"""How the tables would be spread over a Citus cluster: one list, checked by a test.

The tables that grow with every answer are *distributed* by ``province_id`` (the root of
the answering unit's tree): a province's rows sit together on one shard, and every unique
key and every key between two distributed tables includes ``province_id`` so that a shard
can enforce it alone. Every other table is small, changes at office speed, and becomes a
*reference* table (a copy on every node), so a shard joins it without leaving the node.
``deploy/citus/distribute.sql`` turns this into DDL; ``tests/test_citus_ready.py`` checks
that the models and the migrated database keep to it. ``docs/scale.md`` explains the plan.
"""

#: The distribution column of every distributed table.
DISTRIBUTION_COLUMN = "province_id"

#: Tables that grow with the responses, spread over the shards by ``province_id``.
DISTRIBUTED = frozenset({
    "response", "comment", "feedback_case", "invitation",
    "psu_tally", "cell_tally", "tally_dirty",
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
