package dev.tandem.sync.control;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Timestamp;

/**
 * Reads and advances one applier's row of {@code tandem.applied_position}; the only writer of that table.
 * A migration has one row per partition of the applier's input: one in {@code transactional} ordering, one per
 * partition of the keyed change log in {@code per-key} ordering.
 */
public final class AppliedPositions {

    private final String migration;
    private final String topic;
    private final int part;
    private final String logTopic;

    /**
     * @param topic    the topic this applier reads ({@code next_offset} is an offset of it)
     * @param part     the partition of {@code topic} it applies
     * @param logTopic the ordered change log ({@code topic} itself in transactional ordering)
     */
    public AppliedPositions(String migration, String topic, int part, String logTopic) {
        this.migration = migration;
        this.topic = topic;
        this.part = part;
        this.logTopic = logTopic;
    }

    /** The position of partition 0 of the ordered change log (transactional ordering). */
    public AppliedPositions(String migration, String topic) {
        this(migration, topic, 0, topic);
    }

    public AppliedPosition load(Connection c) throws SQLException {
        return loadStored(c).position();
    }

    /**
     * The stored position and the offset to read {@code topic} from: a row another topic wrote (the ordered log's
     * catch-up before per-key ordering took over) still says which transactions are applied, but its offset is
     * not one of {@code topic}'s, so reading starts at the beginning and skips what the row covers.
     */
    public Stored loadStored(Connection c) throws SQLException {
        try (PreparedStatement ps = c.prepareStatement(
                "SELECT next_offset, tx_order, tx_id, topic FROM tandem.applied_position WHERE migration = ? AND part = ?")) {
            ps.setString(1, migration);
            ps.setInt(2, part);
            try (ResultSet rs = ps.executeQuery()) {
                if (!rs.next()) {
                    return new Stored(AppliedPosition.START, topic, 0);
                }
                AppliedPosition position = new AppliedPosition(rs.getLong(1), rs.getLong(2), rs.getLong(3));
                String writtenFor = rs.getString(4);
                return new Stored(position, writtenFor, topic.equals(writtenFor) ? position.nextOffset() : 0);
            }
        }
    }

    /** A stored position, the topic it was written for, and the offset of this applier's topic to read next. */
    public record Stored(AppliedPosition position, String topic, long readFrom) {
    }

    /**
     * Moves the position from {@code expected} to {@code next} inside the caller's transaction; {@code logOffset} is
     * the ordered change log's offset before which every change this partition carries is applied. Fails when
     * another applier moved it meanwhile, so two appliers can never both write.
     */
    public void advance(Connection c, AppliedPosition expected, AppliedPosition next, long commitTimeMs, long logOffset)
            throws SQLException {
        try (PreparedStatement ps = c.prepareStatement("""
                INSERT INTO tandem.applied_position AS p
                    (migration, part, topic, next_offset, tx_order, tx_id, commit_time, applied_at, log_topic, log_offset)
                VALUES (?, ?, ?, ?, ?, ?, ?, now(), ?, ?)
                ON CONFLICT (migration, part) DO UPDATE
                SET topic = EXCLUDED.topic, next_offset = EXCLUDED.next_offset, tx_order = EXCLUDED.tx_order,
                    tx_id = EXCLUDED.tx_id, commit_time = EXCLUDED.commit_time, applied_at = now(),
                    log_topic = EXCLUDED.log_topic, log_offset = EXCLUDED.log_offset
                WHERE p.next_offset = ? AND p.tx_order = ? AND p.tx_id = ?""")) {
            ps.setString(1, migration);
            ps.setInt(2, part);
            ps.setString(3, topic);
            ps.setLong(4, next.nextOffset());
            ps.setLong(5, next.txOrder());
            ps.setLong(6, next.txId());
            ps.setTimestamp(7, commitTimeMs == 0 ? null : new Timestamp(commitTimeMs));
            ps.setString(8, logTopic);
            ps.setLong(9, logOffset);
            ps.setLong(10, expected.nextOffset());
            ps.setLong(11, expected.txOrder());
            ps.setLong(12, expected.txId());
            if (ps.executeUpdate() != 1) {
                throw new PositionTakenException("migration " + migration + ": applied position of partition " + part
                        + " is no longer " + expected + " (another applier advanced it); this applier stops so only one writes");
            }
        }
    }

    /**
     * The ordered change log and its offset before which every change is applied, over all partitions (the lowest);
     * null before anything was applied. Readers of the log (the cutover's re-verification, the reconciler's order)
     * start there whatever the ordering.
     */
    public static LogPosition logPosition(Connection c, String migration) throws SQLException {
        try (PreparedStatement ps = c.prepareStatement("""
                SELECT coalesce(log_topic, topic), min(coalesce(log_offset, next_offset)) FROM tandem.applied_position
                WHERE migration = ? GROUP BY 1 ORDER BY 2 LIMIT 1""")) {
            ps.setString(1, migration);
            try (ResultSet rs = ps.executeQuery()) {
                return rs.next() ? new LogPosition(rs.getString(1), rs.getLong(2)) : null;
            }
        }
    }

    /** An offset of the ordered change log. */
    public record LogPosition(String topic, long offset) {
    }

    /** Forgets a migration's positions (a new backfill starts over). */
    public static void reset(Connection c, String migration) throws SQLException {
        try (PreparedStatement ps = c.prepareStatement("DELETE FROM tandem.applied_position WHERE migration = ?")) {
            ps.setString(1, migration);
            ps.executeUpdate();
        }
    }
}
