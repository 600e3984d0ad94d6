package dev.tandem.sync.control;

import dev.tandem.capture.envelope.ChangeEnvelope;
import dev.tandem.capture.envelope.EnvelopeCodec;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Paused target tables and the changes parked for them while paused; the only writer of
 * {@code tandem.table_state} and {@code tandem.parked_change}. A table absent from
 * {@code table_state} is active. Operators ask for {@code resume} or {@code skip} here; the
 * applier carries it out inside its next batch.
 */
public final class TableStates {

    /** What the operator or the applier has said about a table. */
    public enum State { PAUSED, RESUME, SKIP }

    /** A table's current pause record. */
    public record Pause(String table, State state, String reason, String position, String key) {

        /** True for a pause an operator asked for ({@link #pauseByOperator}): no change was rejected, none can be skipped. */
        public boolean byOperator() {
            return position == null && key == null && reason != null && reason.startsWith(operatorReasonPrefix(table));
        }
    }

    private static String operatorReasonPrefix(String table) {
        return table + " paused by the operator: ";
    }

    private final String migration;

    public TableStates(String migration) {
        this.migration = migration;
    }

    public String migration() {
        return migration;
    }

    /** Every table that is not simply active, by target table. */
    public Map<String, Pause> load(Connection c) throws SQLException {
        Map<String, Pause> paused = new LinkedHashMap<>();
        try (PreparedStatement ps = c.prepareStatement("""
                SELECT target_table, state, reason, position, row_key FROM tandem.table_state
                WHERE migration = ? ORDER BY target_table""")) {
            ps.setString(1, migration);
            try (ResultSet rs = ps.executeQuery()) {
                while (rs.next()) {
                    paused.put(rs.getString(1), new Pause(rs.getString(1), State.valueOf(rs.getString(2).toUpperCase()),
                            rs.getString(3), rs.getString(4), rs.getString(5)));
                }
            }
        }
        return paused;
    }

    /**
     * Locks {@code table}'s pause record against a concurrent resume until the caller's transaction ends, so changes
     * parked now are among those the resume replays; false when the table is active (resumed meanwhile). Parallel
     * appliers (per-key ordering) call this before parking.
     */
    public boolean holdPaused(Connection c, String table) throws SQLException {
        try (PreparedStatement ps = c.prepareStatement(
                "SELECT 1 FROM tandem.table_state WHERE migration = ? AND target_table = ? FOR SHARE")) {
            ps.setString(1, migration);
            ps.setString(2, table);
            try (ResultSet rs = ps.executeQuery()) {
                return rs.next();
            }
        }
    }

    /**
     * Takes {@code table}'s pause record for carrying out a request, waiting for appliers still parking behind it;
     * returns its current state, or null when another applier already carried the request out.
     */
    public Pause lockForRequest(Connection c, String table) throws SQLException {
        try (PreparedStatement ps = c.prepareStatement("""
                SELECT target_table, state, reason, position, row_key FROM tandem.table_state
                WHERE migration = ? AND target_table = ? FOR UPDATE""")) {
            ps.setString(1, migration);
            ps.setString(2, table);
            try (ResultSet rs = ps.executeQuery()) {
                return rs.next() ? new Pause(rs.getString(1), State.valueOf(rs.getString(2).toUpperCase()),
                        rs.getString(3), rs.getString(4), rs.getString(5)) : null;
            }
        }
    }

    public void pause(Connection c, String table, String reason, String position, String key) throws SQLException {
        try (PreparedStatement ps = c.prepareStatement("""
                INSERT INTO tandem.table_state (migration, target_table, state, reason, position, row_key)
                VALUES (?, ?, 'paused', ?, ?, ?)
                ON CONFLICT (migration, target_table) DO UPDATE
                SET state = 'paused', reason = EXCLUDED.reason, position = EXCLUDED.position,
                    row_key = EXCLUDED.row_key, changed_at = now()""")) {
            ps.setString(1, migration);
            ps.setString(2, table);
            ps.setString(3, reason);
            ps.setString(4, position);
            ps.setString(5, key);
            ps.executeUpdate();
        }
    }

    /**
     * An operator's pause: the applier parks the table's changes from its next batch on, until a resume replays them.
     * Records the decision; returns false (and records nothing) when the table is already paused.
     */
    public boolean pauseByOperator(Connection c, String table, String reason) throws SQLException {
        try (PreparedStatement ps = c.prepareStatement("""
                INSERT INTO tandem.table_state (migration, target_table, state, reason) VALUES (?, ?, 'paused', ?)
                ON CONFLICT (migration, target_table) DO NOTHING""")) {
            ps.setString(1, migration);
            ps.setString(2, table);
            ps.setString(3, operatorReasonPrefix(table) + reason + "; run `tandem resume --table " + table
                    + "` to apply its parked changes");
            if (ps.executeUpdate() != 1) {
                return false;
            }
        }
        record(c, table, "paused", reason);
        return true;
    }

    /** True when this migration's backfill knows {@code table} as a target table (a finished or planned copy). */
    public boolean isMapped(Connection c, String table) throws SQLException {
        try (PreparedStatement ps = c.prepareStatement("""
                SELECT EXISTS (SELECT 1 FROM tandem.backfill WHERE migration = ? AND target_table = ?)""")) {
            ps.setString(1, migration);
            ps.setString(2, table);
            try (ResultSet rs = ps.executeQuery()) {
                rs.next();
                if (rs.getBoolean(1)) {
                    return true;
                }
            }
        }
        return inChunkLedger(c, table);
    }

    private boolean inChunkLedger(Connection c, String table) throws SQLException {
        try (PreparedStatement exists = c.prepareStatement("SELECT to_regclass('tandem.backfill_chunk') IS NOT NULL");
             ResultSet rs = exists.executeQuery()) {
            rs.next();
            if (!rs.getBoolean(1)) {
                return false;
            }
        }
        try (PreparedStatement ps = c.prepareStatement(
                "SELECT EXISTS (SELECT 1 FROM tandem.backfill_chunk WHERE migration = ? AND target_table = ?)")) {
            ps.setString(1, migration);
            ps.setString(2, table);
            try (ResultSet rs = ps.executeQuery()) {
                rs.next();
                return rs.getBoolean(1);
            }
        }
    }

    /** Asks the applier to retry (RESUME) or to drop the first parked change and retry (SKIP). */
    public void request(Connection c, String table, State request, String detail) throws SQLException {
        try (PreparedStatement ps = c.prepareStatement("""
                UPDATE tandem.table_state SET state = ?, changed_at = now() WHERE migration = ? AND target_table = ?""")) {
            ps.setString(1, request.name().toLowerCase());
            ps.setString(2, migration);
            ps.setString(3, table);
            if (ps.executeUpdate() != 1) {
                throw new SQLException(table + " is not paused in migration " + migration + "; nothing to " + request.name().toLowerCase());
            }
        }
        record(c, table, request.name().toLowerCase(), detail);
    }

    public void activate(Connection c, String table) throws SQLException {
        try (PreparedStatement ps = c.prepareStatement(
                "DELETE FROM tandem.table_state WHERE migration = ? AND target_table = ?")) {
            ps.setString(1, migration);
            ps.setString(2, table);
            ps.executeUpdate();
        }
    }

    public void park(Connection c, String table, List<ChangeEnvelope> changes) throws SQLException {
        try (PreparedStatement ps = c.prepareStatement("""
                INSERT INTO tandem.parked_change (migration, target_table, position, envelope) VALUES (?, ?, ?, ?)""")) {
            for (ChangeEnvelope change : changes) {
                ps.setString(1, migration);
                ps.setString(2, table);
                ps.setString(3, change.position().toString());
                ps.setBytes(4, EnvelopeCodec.encode(change));
                ps.addBatch();
            }
            ps.executeBatch();
        }
    }

    /** The parked changes of {@code table}, oldest first. */
    public List<ChangeEnvelope> parked(Connection c, String table) throws SQLException {
        List<ChangeEnvelope> changes = new ArrayList<>();
        try (PreparedStatement ps = c.prepareStatement("""
                SELECT envelope FROM tandem.parked_change WHERE migration = ? AND target_table = ? ORDER BY seq""")) {
            ps.setString(1, migration);
            ps.setString(2, table);
            try (ResultSet rs = ps.executeQuery()) {
                while (rs.next()) {
                    changes.add(EnvelopeCodec.decode(rs.getBytes(1)));
                }
            }
        }
        return changes;
    }

    public void clearParked(Connection c, String table) throws SQLException {
        try (PreparedStatement ps = c.prepareStatement(
                "DELETE FROM tandem.parked_change WHERE migration = ? AND target_table = ?")) {
            ps.setString(1, migration);
            ps.setString(2, table);
            ps.executeUpdate();
        }
    }

    /** Appends to the decision log: who decided what about which table. */
    public void record(Connection c, String table, String decision, String detail) throws SQLException {
        try (PreparedStatement ps = c.prepareStatement(
                "INSERT INTO tandem.decision (migration, target_table, decision, detail) VALUES (?, ?, ?, ?)")) {
            ps.setString(1, migration);
            ps.setString(2, table);
            ps.setString(3, decision);
            ps.setString(4, detail);
            ps.executeUpdate();
        }
    }
}
