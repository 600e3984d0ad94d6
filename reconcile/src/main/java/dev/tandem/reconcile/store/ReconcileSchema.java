package dev.tandem.reconcile.store;

import java.sql.Connection;
import java.sql.SQLException;
import java.sql.Statement;

/** Creates the reconciler's tables in the target's {@code tandem} control schema (idempotent). */
public final class ReconcileSchema {

    private static final String DDL = """
            CREATE SCHEMA IF NOT EXISTS tandem;
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
            """;

    private ReconcileSchema() {
    }

    /** Creates the tables in one transaction, serialized by an advisory lock so concurrent starts do not collide. */
    public static void ensure(Connection target) throws SQLException {
        boolean autoCommit = target.getAutoCommit();
        target.setAutoCommit(false);
        try (Statement st = target.createStatement()) {
            st.execute("SELECT pg_advisory_xact_lock(hashtext('tandem.reconcile_schema'))");
            st.execute(DDL);
            target.commit();
        } catch (SQLException e) {
            target.rollback();
            throw new SQLException("cannot create the reconciler's tables in the tandem schema of " + target.getCatalog() + ": "
                    + e.getMessage() + "; the target user needs CREATE on the database (or create the tandem schema for it)",
                    e.getSQLState(), e);
        } finally {
            target.setAutoCommit(autoCommit);
        }
    }
}
