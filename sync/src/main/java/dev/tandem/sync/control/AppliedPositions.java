package dev.tandem.sync.control;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Timestamp;

/** Reads and advances {@code tandem.applied_position}; the only writer of that table. */
public final class AppliedPositions {

    private final String migration;
    private final String topic;

    public AppliedPositions(String migration, String topic) {
        this.migration = migration;
        this.topic = topic;
    }

    public AppliedPosition load(Connection c) throws SQLException {
        try (PreparedStatement ps = c.prepareStatement(
                "SELECT next_offset, tx_order, tx_id FROM tandem.applied_position WHERE migration = ?")) {
            ps.setString(1, migration);
            try (ResultSet rs = ps.executeQuery()) {
                return rs.next() ? new AppliedPosition(rs.getLong(1), rs.getLong(2), rs.getLong(3)) : AppliedPosition.START;
            }
        }
    }

    /**
     * Moves the position from {@code expected} to {@code next} inside the caller's transaction.
     * Fails when another applier moved it meanwhile, so two appliers can never both write.
     */
    public void advance(Connection c, AppliedPosition expected, AppliedPosition next, long commitTimeMs)
            throws SQLException {
        try (PreparedStatement ps = c.prepareStatement("""
                INSERT INTO tandem.applied_position AS p (migration, topic, next_offset, tx_order, tx_id, commit_time, applied_at)
                VALUES (?, ?, ?, ?, ?, ?, now())
                ON CONFLICT (migration) DO UPDATE
                SET next_offset = EXCLUDED.next_offset, tx_order = EXCLUDED.tx_order, tx_id = EXCLUDED.tx_id,
                    commit_time = EXCLUDED.commit_time, applied_at = now()
                WHERE p.next_offset = ? AND p.tx_order = ? AND p.tx_id = ?""")) {
            ps.setString(1, migration);
            ps.setString(2, topic);
            ps.setLong(3, next.nextOffset());
            ps.setLong(4, next.txOrder());
            ps.setLong(5, next.txId());
            ps.setTimestamp(6, commitTimeMs == 0 ? null : new Timestamp(commitTimeMs));
            ps.setLong(7, expected.nextOffset());
            ps.setLong(8, expected.txOrder());
            ps.setLong(9, expected.txId());
            if (ps.executeUpdate() != 1) {
                throw new FencedException("migration " + migration + ": applied position is no longer " + expected
                        + " (another applier advanced it); this applier stops so only one writes");
            }
        }
    }

    /** Forgets a migration's position (a new backfill starts over). */
    public static void reset(Connection c, String migration) throws SQLException {
        try (PreparedStatement ps = c.prepareStatement("DELETE FROM tandem.applied_position WHERE migration = ?")) {
            ps.setString(1, migration);
            ps.executeUpdate();
        }
    }
}
