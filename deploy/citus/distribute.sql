-- Run once on a Citus coordinator, after `hailong db upgrade` created the schema there
-- (and before the data is loaded, or on a copy: create_distributed_table moves the rows).
-- The list of tables is survey_app/models/distribution.py; docs/scale.md explains it.
-- Nothing in the application changes: every unique key of a distributed table already
-- includes province_id, the keys between distributed tables too (tests/test_citus_ready.py).
BEGIN;

-- Citus wants the distribution column in every primary key of a distributed table.
-- The app keeps single-column ids (SQLite needs INTEGER PRIMARY KEY); here they widen.
-- (province_id, id) is already unique on response: the referencing keys move to it first.
ALTER TABLE comment DROP CONSTRAINT fk_comment_response;
ALTER TABLE feedback_case DROP CONSTRAINT fk_feedback_case_response;
ALTER TABLE response DROP CONSTRAINT pk_response;
ALTER TABLE response ADD CONSTRAINT pk_response PRIMARY KEY (province_id, id);
ALTER TABLE response DROP CONSTRAINT uq_response_province_id;
ALTER TABLE comment DROP CONSTRAINT pk_comment;
ALTER TABLE comment ADD CONSTRAINT pk_comment PRIMARY KEY (province_id, id);
ALTER TABLE feedback_case DROP CONSTRAINT pk_feedback_case;
ALTER TABLE feedback_case ADD CONSTRAINT pk_feedback_case PRIMARY KEY (province_id, id);
ALTER TABLE invitation DROP CONSTRAINT pk_invitation;
ALTER TABLE invitation ADD CONSTRAINT pk_invitation PRIMARY KEY (province_id, id);
-- psu_tally, cell_tally, part_tally, part_cell_tally and tally_dirty have province_id in
-- their primary keys already.

-- Reference tables: small, written at office speed, a copy on every node.
SELECT create_reference_table('unit');
SELECT create_reference_table('procedure');
SELECT create_reference_table('instrument');
SELECT create_reference_table('instrument_version');
SELECT create_reference_table('service_point');
SELECT create_reference_table('qr_token');
SELECT create_reference_table('user_account');
SELECT create_reference_table('api_key');
SELECT create_reference_table('audit_log');
SELECT create_reference_table('dossier_count');
SELECT create_reference_table('official_result');
SELECT create_reference_table('comment_theme');
SELECT create_reference_table('response_import');
SELECT create_reference_table('paper_batch');
SELECT create_reference_table('paper_entry');
SELECT create_reference_table('paper_decision');
SELECT create_reference_table('tally_state');

-- Distributed tables, all colocated with response: one province's rows on one node.
SELECT create_distributed_table('response', 'province_id');
SELECT create_distributed_table('comment', 'province_id', colocate_with => 'response');
SELECT create_distributed_table('feedback_case', 'province_id', colocate_with => 'response');
SELECT create_distributed_table('invitation', 'province_id', colocate_with => 'response');
SELECT create_distributed_table('psu_tally', 'province_id', colocate_with => 'response');
SELECT create_distributed_table('cell_tally', 'province_id', colocate_with => 'response');
SELECT create_distributed_table('part_tally', 'province_id', colocate_with => 'response');
SELECT create_distributed_table('part_cell_tally', 'province_id', colocate_with => 'response');
SELECT create_distributed_table('tally_dirty', 'province_id', colocate_with => 'response');

-- The keys between colocated tables, back on the widened primary key.
ALTER TABLE comment ADD CONSTRAINT fk_comment_response FOREIGN KEY (province_id, response_id)
  REFERENCES response (province_id, id) ON DELETE CASCADE;
ALTER TABLE feedback_case ADD CONSTRAINT fk_feedback_case_response
  FOREIGN KEY (province_id, response_id) REFERENCES response (province_id, id);

-- The tally triggers of migrations 0013/0014 fire on the coordinator for statements
-- routed through it; Citus runs triggers on distributed tables only when
-- citus.enable_unsafe_triggers is on (the trigger writes into the colocated tally_dirty
-- shard of the same province, which is what makes it safe to enable):
-- ALTER DATABASE <name> SET citus.enable_unsafe_triggers TO on;
COMMIT;
