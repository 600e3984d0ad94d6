package dev.tandem.sync.control;

import java.sql.Connection;
import java.sql.SQLException;
import java.sql.Statement;

/** Creates the {@code tandem} control schema in the new database: durable state lives here. */
public final class ControlSchema {

    private ControlSchema() {
    }

    public static void ensure(Connection target) throws SQLException {
        try (Statement st = target.createStatement()) {
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
            st.execute("""
                    CREATE TABLE IF NOT EXISTS tandem.backfill (
                        migration    text NOT NULL,
                        target_table text NOT NULL,
                        rows_copied  bigint NOT NULL,
                        snapshot_lsn text NOT NULL,
                        done_at      timestamptz NOT NULL DEFAULT now(),
                        PRIMARY KEY (migration, target_table))""");
            st.execute("""
                    CREATE TABLE IF NOT EXISTS tandem.migration (
                        migration      text PRIMARY KEY,
                        backfill_done  boolean NOT NULL DEFAULT false,
                        created_at     timestamptz NOT NULL DEFAULT now())""");
        }
    }
}
