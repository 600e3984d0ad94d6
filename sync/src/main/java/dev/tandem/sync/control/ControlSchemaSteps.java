package dev.tandem.sync.control;

import java.sql.SQLException;
import java.sql.Statement;
import java.util.List;

/**
 * The numbered steps that build the {@code tandem} control schema, oldest first; {@link ControlSchema} applies the
 * ones a database has not had yet. A step is never edited once released: a change of shape is a new step.
 */
final class ControlSchemaSteps {

    /** One step: its number (1, 2, …), what it does, and the DDL. */
    record Step(int version, String description, StepSql sql) {
    }

    @FunctionalInterface
    interface StepSql {
        void apply(Statement st) throws SQLException;
    }

    private ControlSchemaSteps() {
    }

    static final List<Step> ALL = List.of(
            new Step(1, "the tables of releases before the schema had a version", ControlSchemaSteps::unversionedShape),
            new Step(2, "a lifecycle phase for every migration", ControlSchemaSteps::phaseForEveryMigration),
            new Step(3, "what the running sync reports of itself, either direction", ControlSchemaSteps::syncReport),
            new Step(4, "the instance that holds a migration's capture role", ControlSchemaSteps::captureLeader),
            new Step(5, "verification shared across instances: who verified each chunk, one key sample per pass and table",
                    ControlSchemaSteps::sharedVerification),
            new Step(6, "the partitions of each partitioned source table; what a slot creation waits for",
                    ControlSchemaSteps::partitionsAndSlotWaits));

    /**
     * Everything releases before versioning created, written so it also completes any older shape of theirs (each
     * table and column only when missing): a database upgraded from one of them reaches exactly this shape.
     */
    private static void unversionedShape(Statement st) throws SQLException {
        st.execute("""
                CREATE TABLE IF NOT EXISTS tandem.applied_position (
                    migration   text   NOT NULL,
                    topic       text   NOT NULL,
                    next_offset bigint NOT NULL,
                    tx_order    bigint NOT NULL,
                    tx_id       bigint NOT NULL,
                    commit_time timestamptz,
                    applied_at  timestamptz NOT NULL DEFAULT now(),
                    part        int NOT NULL DEFAULT 0,
                    log_topic   text,
                    log_offset  bigint,
                    PRIMARY KEY (migration, part))""");
        st.execute("""
                ALTER TABLE tandem.applied_position
                    ADD COLUMN IF NOT EXISTS part int NOT NULL DEFAULT 0,
                    ADD COLUMN IF NOT EXISTS log_topic text,
                    ADD COLUMN IF NOT EXISTS log_offset bigint""");
        widenKey(st, "applied_position", "applied_position_pkey", "migration, part");
        st.execute("""
                CREATE TABLE IF NOT EXISTS tandem.backfill (
                    migration    text NOT NULL,
                    target_table text NOT NULL,
                    rows_copied  bigint NOT NULL,
                    snapshot_lsn text NOT NULL,
                    done_at      timestamptz NOT NULL DEFAULT now(),
                    PRIMARY KEY (migration, target_table))""");
        st.execute("""
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
                    PRIMARY KEY (migration, generation, target_table, chunk))""");
        st.execute("""
                CREATE TABLE IF NOT EXISTS tandem.table_state (
                    migration    text NOT NULL,
                    target_table text NOT NULL,
                    state        text NOT NULL CHECK (state IN ('paused', 'resume', 'skip')),
                    reason       text NOT NULL,
                    position     text,
                    row_key      text,
                    changed_at   timestamptz NOT NULL DEFAULT now(),
                    PRIMARY KEY (migration, target_table))""");
        st.execute("""
                CREATE TABLE IF NOT EXISTS tandem.parked_change (
                    migration    text NOT NULL,
                    target_table text NOT NULL,
                    seq          bigserial,
                    position     text NOT NULL,
                    envelope     bytea NOT NULL,
                    parked_at    timestamptz NOT NULL DEFAULT now(),
                    PRIMARY KEY (migration, target_table, seq))""");
        st.execute("""
                CREATE TABLE IF NOT EXISTS tandem.decision (
                    id           bigserial PRIMARY KEY,
                    migration    text NOT NULL,
                    target_table text NOT NULL,
                    decision     text NOT NULL,
                    detail       text NOT NULL,
                    decided_by   text NOT NULL DEFAULT current_user,
                    decided_at   timestamptz NOT NULL DEFAULT now())""");
        // a sync fence travels through every partition of a per-key change log; it is seen once all parts recorded it
        st.execute("""
                CREATE TABLE IF NOT EXISTS tandem.fence_seen (
                    migration   text NOT NULL,
                    fence_id    text NOT NULL,
                    source_lsn  text NOT NULL,
                    applied_at  timestamptz NOT NULL DEFAULT now(),
                    part        int NOT NULL DEFAULT 0,
                    parts       int NOT NULL DEFAULT 1,
                    PRIMARY KEY (migration, fence_id, part))""");
        st.execute("""
                ALTER TABLE tandem.fence_seen
                    ADD COLUMN IF NOT EXISTS part int NOT NULL DEFAULT 0,
                    ADD COLUMN IF NOT EXISTS parts int NOT NULL DEFAULT 1""");
        widenKey(st, "fence_seen", "fence_seen_pkey", "migration, fence_id, part");
        st.execute("""
                CREATE TABLE IF NOT EXISTS tandem.migration (
                    migration      text PRIMARY KEY,
                    backfill_done  boolean NOT NULL DEFAULT false,
                    generation     int NOT NULL DEFAULT 1,
                    created_at     timestamptz NOT NULL DEFAULT now())""");
        lifecycleTables(st);
        reconcileTables(st);
    }

    /** The phase of each migration (with what the running service's sync does now), the audit log, write blocks. */
    private static void lifecycleTables(Statement st) throws SQLException {
        st.execute("""
                CREATE TABLE IF NOT EXISTS tandem.cutover (
                    migration        text PRIMARY KEY,
                    phase            text NOT NULL,
                    changed_at       timestamptz NOT NULL DEFAULT now(),
                    changed_by       text NOT NULL,
                    sync_direction   text,
                    follower_seen_at timestamptz)""");
        st.execute("""
                ALTER TABLE tandem.cutover
                    ADD COLUMN IF NOT EXISTS sync_direction text,
                    ADD COLUMN IF NOT EXISTS follower_seen_at timestamptz""");
        st.execute("""
                CREATE TABLE IF NOT EXISTS tandem.audit_log (
                    id         bigserial PRIMARY KEY,
                    migration  text NOT NULL,
                    at         timestamptz NOT NULL DEFAULT clock_timestamp(),
                    actor      text NOT NULL,
                    action     text NOT NULL,
                    from_phase text,
                    to_phase   text,
                    detail     text NOT NULL)""");
        st.execute("""
                CREATE TABLE IF NOT EXISTS tandem.write_block (
                    migration   text NOT NULL,
                    operation   text NOT NULL,
                    finished_at timestamptz NOT NULL DEFAULT clock_timestamp(),
                    phase       text NOT NULL,
                    millis      bigint NOT NULL,
                    PRIMARY KEY (migration, operation, finished_at, phase))""");
        st.execute("""
                CREATE OR REPLACE FUNCTION tandem.audit_log_append_only() RETURNS trigger LANGUAGE plpgsql AS $$
                BEGIN
                    RAISE EXCEPTION 'tandem.audit_log is append-only';
                END $$""");
        st.execute("DROP TRIGGER IF EXISTS audit_log_append_only ON tandem.audit_log");
        st.execute("CREATE TRIGGER audit_log_append_only BEFORE UPDATE OR DELETE ON tandem.audit_log "
                + "FOR EACH STATEMENT EXECUTE FUNCTION tandem.audit_log_append_only()");
    }

    /** Verification passes, their chunks, consistency records, drifted rows and repairs. */
    private static void reconcileTables(Statement st) throws SQLException {
        st.execute("""
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
                  rows_compared bigint NOT NULL, target_rows bigint NOT NULL, drifted_rows bigint NOT NULL,
                  consistent boolean NOT NULL, source_fence_lsn text, source_digest text, target_digest text);
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
                ALTER TABLE tandem.consistency_record ADD COLUMN IF NOT EXISTS unsettled_rows bigint NOT NULL DEFAULT 0""");
    }

    /**
     * Before the lifecycle had its own phases, a migration had a phase row only once it switched: the others get
     * the phase their durable state shows (backfill done: syncing; otherwise backfilling).
     */
    private static void phaseForEveryMigration(Statement st) throws SQLException {
        st.execute("""
                INSERT INTO tandem.cutover (migration, phase, changed_by)
                SELECT migration, CASE WHEN backfill_done THEN 'SYNCING' ELSE 'BACKFILLING' END, 'control schema step 2'
                FROM tandem.migration
                ON CONFLICT (migration) DO NOTHING""");
    }

    /** The running direction's own figures, so the status shows the reverse sync as well as the forward one. */
    private static void syncReport(Statement st) throws SQLException {
        st.execute("""
                ALTER TABLE tandem.cutover
                    ADD COLUMN sync_changes_applied bigint,
                    ADD COLUMN sync_lag_p99_ms bigint""");
    }

    /**
     * Names the {@code tandem run} instance holding the capture role, for the status: the role itself is a session
     * advisory lock (released by PostgreSQL when its holder dies), so this row is a report, never the arbiter.
     */
    private static void captureLeader(Statement st) throws SQLException {
        st.execute("""
                CREATE TABLE tandem.capture_leader (
                    migration    text        PRIMARY KEY,
                    instance     text        NOT NULL,
                    host         text        NOT NULL,
                    since        timestamptz NOT NULL,
                    heartbeat_at timestamptz NOT NULL)""");
    }

    /** Replaces a table's primary key by a wider one, once (schemas created before the wider key existed). */
    private static void widenKey(Statement st, String table, String constraint, String columns) throws SQLException {
        st.execute("""
                DO $$ BEGIN
                  IF (SELECT array_length(conkey, 1) FROM pg_constraint
                      WHERE conrelid = 'tandem.%1$s'::regclass AND contype = 'p') < %3$d THEN
                    ALTER TABLE tandem.%1$s DROP CONSTRAINT %2$s, ADD PRIMARY KEY (%4$s);
                  END IF;
                END $$""".formatted(table, constraint, columns.split(",").length, columns));
    }

    /**
     * Several instances verify one pass: each chunk names the instance that verified it, and the key sample a table's
     * chunk boundaries are read from is stored once per pass, so every instance cuts chunks from the same keys.
     */
    private static void sharedVerification(Statement st) throws SQLException {
        st.execute("""
                ALTER TABLE tandem.reconcile_chunk ADD COLUMN IF NOT EXISTS verified_by text""");
        st.execute("""
                CREATE TABLE IF NOT EXISTS tandem.reconcile_key_sample (
                    pass_id      bigint NOT NULL,
                    target_table text NOT NULL,
                    from_key     text[],
                    key_arity    int NOT NULL,
                    sampled_keys text[] NOT NULL,
                    rows_per_key double precision NOT NULL,
                    PRIMARY KEY (pass_id, target_table))""");
    }

    /**
     * The leaf partitions of each partitioned source table as tandem last accepted them, so a partition attached or
     * detached while tandem was stopped is found at its next start; and the transactions a slot creation of a migration
     * waits for now (one row each, replaced at every check, gone once the slot exists), for the status.
     */
    private static void partitionsAndSlotWaits(Statement st) throws SQLException {
        st.execute("""
                CREATE TABLE tandem.partition_set (
                    migration   text        NOT NULL,
                    source_root text        NOT NULL,
                    leaves      text[]      NOT NULL,
                    recorded_at timestamptz NOT NULL DEFAULT now(),
                    PRIMARY KEY (migration, source_root))""");
        st.execute("""
                CREATE TABLE tandem.slot_creation_wait (
                    migration    text        NOT NULL,
                    slot_name    text        NOT NULL,
                    pid          int         NOT NULL,
                    usename      text,
                    datname      text,
                    application  text,
                    state        text,
                    open_seconds bigint      NOT NULL,
                    last_query   text,
                    checked_at   timestamptz NOT NULL DEFAULT now(),
                    PRIMARY KEY (migration, slot_name, pid))""");
    }
}
