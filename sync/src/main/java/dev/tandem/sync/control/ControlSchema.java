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
            st.execute("""
                    CREATE TABLE IF NOT EXISTS tandem.migration (
                        migration      text PRIMARY KEY,
                        backfill_done  boolean NOT NULL DEFAULT false,
                        generation     int NOT NULL DEFAULT 1,
                        created_at     timestamptz NOT NULL DEFAULT now())""");
        }
    }
}
