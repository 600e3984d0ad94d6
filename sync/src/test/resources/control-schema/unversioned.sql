-- The tandem control schema as the last release before versioning created it (no tandem.schema_version),
-- assembled from its four creators: ControlSchema, ChunkLedger, CutoverStore and ReconcileSchema.
CREATE SCHEMA tandem;
CREATE TABLE IF NOT EXISTS tandem.applied_position (
    migration   text PRIMARY KEY,
    topic       text   NOT NULL,
    next_offset bigint NOT NULL,
    tx_order    bigint NOT NULL,
    tx_id       bigint NOT NULL,
    commit_time timestamptz,
    applied_at  timestamptz NOT NULL DEFAULT now());
ALTER TABLE tandem.applied_position
    ADD COLUMN IF NOT EXISTS part int NOT NULL DEFAULT 0,
    ADD COLUMN IF NOT EXISTS log_topic text,
    ADD COLUMN IF NOT EXISTS log_offset bigint;
CREATE TABLE IF NOT EXISTS tandem.backfill (
    migration    text NOT NULL,
    target_table text NOT NULL,
    rows_copied  bigint NOT NULL,
    snapshot_lsn text NOT NULL,
    done_at      timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (migration, target_table));
CREATE TABLE IF NOT EXISTS tandem.table_state (
    migration    text NOT NULL,
    target_table text NOT NULL,
    state        text NOT NULL CHECK (state IN ('paused', 'resume', 'skip')),
    reason       text NOT NULL,
    position     text,
    row_key      text,
    changed_at   timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (migration, target_table));
CREATE TABLE IF NOT EXISTS tandem.parked_change (
    migration    text NOT NULL,
    target_table text NOT NULL,
    seq          bigserial,
    position     text NOT NULL,
    envelope     bytea NOT NULL,
    parked_at    timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (migration, target_table, seq));
CREATE TABLE IF NOT EXISTS tandem.decision (
    id           bigserial PRIMARY KEY,
    migration    text NOT NULL,
    target_table text NOT NULL,
    decision     text NOT NULL,
    detail       text NOT NULL,
    decided_by   text NOT NULL DEFAULT current_user,
    decided_at   timestamptz NOT NULL DEFAULT now());
CREATE TABLE IF NOT EXISTS tandem.fence_seen (
    migration   text NOT NULL,
    fence_id    text NOT NULL,
    source_lsn  text NOT NULL,
    applied_at  timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (migration, fence_id));
ALTER TABLE tandem.fence_seen
    ADD COLUMN IF NOT EXISTS part int NOT NULL DEFAULT 0,
    ADD COLUMN IF NOT EXISTS parts int NOT NULL DEFAULT 1;
CREATE TABLE IF NOT EXISTS tandem.migration (
    migration      text PRIMARY KEY,
    backfill_done  boolean NOT NULL DEFAULT false,
    generation     int NOT NULL DEFAULT 1,
    created_at     timestamptz NOT NULL DEFAULT now());
ALTER TABLE tandem.applied_position DROP CONSTRAINT applied_position_pkey, ADD PRIMARY KEY (migration, part);
ALTER TABLE tandem.fence_seen DROP CONSTRAINT fence_seen_pkey, ADD PRIMARY KEY (migration, fence_id, part);
CREATE TABLE IF NOT EXISTS tandem.backfill_chunk (
    migration      text   NOT NULL,
    generation     int    NOT NULL,
    target_table   text   NOT NULL,
    chunk          int    NOT NULL,
    lower_bound    text[],
    upper_bound    text[],
    estimated_rows bigint NOT NULL,
    rows_copied    bigint,
    snapshot_lsn   text,
    copied_at      timestamptz,
    planned_at     timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (migration, generation, target_table, chunk));
CREATE TABLE IF NOT EXISTS tandem.cutover (
    migration  text PRIMARY KEY,
    phase      text NOT NULL,
    changed_at timestamptz NOT NULL DEFAULT now(),
    changed_by text NOT NULL);
CREATE TABLE IF NOT EXISTS tandem.audit_log (
    id         bigserial PRIMARY KEY,
    migration  text NOT NULL,
    at         timestamptz NOT NULL DEFAULT clock_timestamp(),
    actor      text NOT NULL,
    action     text NOT NULL,
    from_phase text,
    to_phase   text,
    detail     text NOT NULL);
CREATE TABLE IF NOT EXISTS tandem.write_block (
    migration   text NOT NULL,
    operation   text NOT NULL,
    finished_at timestamptz NOT NULL DEFAULT clock_timestamp(),
    phase       text NOT NULL,
    millis      bigint NOT NULL,
    PRIMARY KEY (migration, operation, finished_at, phase));
CREATE OR REPLACE FUNCTION tandem.audit_log_append_only() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    RAISE EXCEPTION 'tandem.audit_log is append-only';
END $$;
ALTER TABLE tandem.cutover ADD COLUMN IF NOT EXISTS sync_direction text;
ALTER TABLE tandem.cutover ADD COLUMN IF NOT EXISTS follower_seen_at timestamptz;
DROP TRIGGER IF EXISTS audit_log_append_only ON tandem.audit_log;
CREATE TRIGGER audit_log_append_only BEFORE UPDATE OR DELETE ON tandem.audit_log FOR EACH STATEMENT EXECUTE FUNCTION tandem.audit_log_append_only();
CREATE TABLE IF NOT EXISTS tandem.reconcile_pass (
pass_id bigserial PRIMARY KEY, migration text NOT NULL, started_at timestamptz NOT NULL DEFAULT now(),
finished_at timestamptz, consistent boolean);
CREATE TABLE IF NOT EXISTS tandem.reconcile_chunk (
pass_id bigint NOT NULL REFERENCES tandem.reconcile_pass, target_table text NOT NULL, chunk_no int NOT NULL,
lower_bound text[], upper_bound text[], done boolean NOT NULL DEFAULT false, source_rows bigint,
target_rows bigint, source_digest text, target_digest text, drifted_rows int, verified_at timestamptz,
PRIMARY KEY (pass_id, target_table, chunk_no));
CREATE TABLE IF NOT EXISTS tandem.consistency_record (
record_id bigserial PRIMARY KEY, migration text NOT NULL, target_table text NOT NULL, pass_id bigint NOT NULL,
mode text NOT NULL, started_at timestamptz NOT NULL, finished_at timestamptz NOT NULL, chunks int NOT NULL,
rows_compared bigint NOT NULL, target_rows bigint NOT NULL, drifted_rows bigint NOT NULL, consistent boolean NOT NULL,
source_fence_lsn text, source_digest text, target_digest text);
CREATE TABLE IF NOT EXISTS tandem.drifted_row (
drift_id bigserial PRIMARY KEY, migration text NOT NULL, pass_id bigint, target_table text NOT NULL,
kind text NOT NULL, source_key text[], target_key text[] NOT NULL, columns text[],
detected_at timestamptz NOT NULL DEFAULT now());
CREATE TABLE IF NOT EXISTS tandem.reconcile_repair (
repair_id bigserial PRIMARY KEY, migration text NOT NULL, target_table text NOT NULL, action text NOT NULL,
source_key text[], target_key text[] NOT NULL, fence_lsn text, verified boolean NOT NULL,
repaired_at timestamptz NOT NULL DEFAULT now());
ALTER TABLE tandem.reconcile_chunk ADD COLUMN IF NOT EXISTS unsettled_rows int,
ADD COLUMN IF NOT EXISTS change_offset bigint;
ALTER TABLE tandem.consistency_record ADD COLUMN IF NOT EXISTS unsettled_rows bigint NOT NULL DEFAULT 0;
