package dev.tandem.sync.control;

import java.sql.Connection;
import java.sql.SQLException;
import java.sql.Statement;

/** Creates the {@code tandem} control schema in the new database: durable state lives here. */
public final class ControlSchema {

    private ControlSchema() {
    }

    /**
     * Creates what is missing, in one transaction serialized by an advisory lock: instances started together (the
     * main one and an {@code --apply-only} one, say) would otherwise collide in the catalog.
     */
    public static void ensure(Connection target) throws SQLException {
        boolean autoCommit = target.getAutoCommit();
        target.setAutoCommit(false);
        try {
            create(target);
            target.commit();
        } catch (SQLException e) {
            target.rollback();
            throw e;
        } finally {
            target.setAutoCommit(autoCommit);
        }
    }

    private static void create(Connection target) throws SQLException {
        try (Statement st = target.createStatement()) {
            st.execute("SELECT pg_advisory_xact_lock(hashtext('tandem.control_schema'))");
            st.execute("CREATE SCHEMA IF NOT EXISTS tandem");
            st.execute("""
                    CREATE TABLE IF NOT EXISTS tandem.applied_position (
                        migration   text PRIMARY KEY,
                        topic       text   NOT NULL,
                        next_offset bigint NOT NULL,
                        tx_order    bigint NOT NULL,
                        tx_id       bigint NOT NULL,
                        commit_time timestamptz,
                        applied_at  timestamptz NOT NULL DEFAULT now())""");
            // per-key ordering keeps one position per partition of its input, and each names the ordered change
            // log's offset everything before which it has applied (log_offset), so readers of the log need no mode
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
            st.execute("""
                    CREATE TABLE IF NOT EXISTS tandem.fence_seen (
                        migration   text NOT NULL,
                        fence_id    text NOT NULL,
                        source_lsn  text NOT NULL,
                        applied_at  timestamptz NOT NULL DEFAULT now(),
                        PRIMARY KEY (migration, fence_id))""");
            // a fence travels through every partition of a per-key change log; it is seen once all parts recorded it
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
        }
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
}
