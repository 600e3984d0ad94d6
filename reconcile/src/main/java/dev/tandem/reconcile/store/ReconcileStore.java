package dev.tandem.reconcile.store;

import dev.tandem.reconcile.RowDrift;
import dev.tandem.reconcile.TableReport;
import dev.tandem.reconcile.chunk.VerifyRange;
import dev.tandem.sync.control.ControlSchema;
import java.sql.Array;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Timestamp;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Optional;

/**
 * The reconciler's durable state in the target's control schema: passes, the chunk plan and progress of each (so a
 * restarted reconciler resumes mid-pass and instances share it), the append-only consistency records, drifted rows and repairs. Calls are
 * serialized on one autocommit connection.
 */
public final class ReconcileStore {

    private final Connection c;
    private final String migration;

    public ReconcileStore(Connection control, String migration) throws SQLException {
        this.c = control;
        this.migration = migration;
        c.setAutoCommit(true);
        ControlSchema.ensure(c);
    }

    public String migration() {
        return migration;
    }

    /** A pass being run: its id and when it started. */
    public record Pass(long id, Instant startedAt) {
    }

    /**
     * The migration's unfinished pass if there is one (a restart resumes it, another instance joins it), else a new
     * pass; instances opening at the same moment are serialized by a transaction-scoped advisory lock, so they share one.
     */
    public synchronized Pass openPass() throws SQLException {
        c.setAutoCommit(false);
        try {
            try (PreparedStatement lock = c.prepareStatement("SELECT pg_advisory_xact_lock(hashtext('tandem.reconcile_pass'), "
                    + "hashtext(?))")) {
                lock.setString(1, migration);
                lock.execute();
            }
            Pass pass = unfinishedPass().orElse(null);
            if (pass == null) {
                try (PreparedStatement ps = c.prepareStatement("INSERT INTO tandem.reconcile_pass (migration) VALUES (?) "
                        + "RETURNING pass_id, started_at")) {
                    ps.setString(1, migration);
                    try (ResultSet rs = ps.executeQuery()) {
                        rs.next();
                        pass = new Pass(rs.getLong(1), rs.getTimestamp(2).toInstant());
                    }
                }
            }
            c.commit();
            return pass;
        } catch (SQLException e) {
            rollback(e);
            throw e;
        } finally {
            c.setAutoCommit(true);
        }
    }

    private Optional<Pass> unfinishedPass() throws SQLException {
        try (PreparedStatement ps = c.prepareStatement("SELECT pass_id, started_at FROM tandem.reconcile_pass "
                + "WHERE migration = ? AND finished_at IS NULL ORDER BY pass_id DESC LIMIT 1")) {
            ps.setString(1, migration);
            try (ResultSet rs = ps.executeQuery()) {
                return rs.next() ? Optional.of(new Pass(rs.getLong(1), rs.getTimestamp(2).toInstant())) : Optional.empty();
            }
        }
    }

    /** Marks the pass finished; the first instance to finish it decides, later calls change nothing. */
    public synchronized void finishPass(long passId, boolean consistent) throws SQLException {
        try (PreparedStatement ps = c.prepareStatement("UPDATE tandem.reconcile_pass SET finished_at = now(), consistent = ? "
                + "WHERE pass_id = ? AND finished_at IS NULL")) {
            ps.setBoolean(1, consistent);
            ps.setLong(2, passId);
            ps.executeUpdate();
        }
    }

    public synchronized List<ChunkRecord> chunks(long passId, String table) throws SQLException {
        List<ChunkRecord> chunks = new ArrayList<>();
        try (PreparedStatement ps = c.prepareStatement("SELECT chunk_no, lower_bound, upper_bound, done, source_rows, target_rows, "
                + "source_digest, target_digest, drifted_rows, coalesce(unsettled_rows, 0), change_offset FROM tandem.reconcile_chunk "
                + "WHERE pass_id = ? AND target_table = ? ORDER BY chunk_no")) {
            ps.setLong(1, passId);
            ps.setString(2, table);
            try (ResultSet rs = ps.executeQuery()) {
                while (rs.next()) {
                    chunks.add(new ChunkRecord(rs.getInt(1), new VerifyRange(list(rs.getArray(2)), list(rs.getArray(3))), rs.getBoolean(4),
                            rs.getLong(5), rs.getLong(6), rs.getString(7), rs.getString(8), rs.getInt(9), rs.getInt(10),
                            (Long) rs.getObject(11)));
                }
            }
        }
        return chunks;
    }

    /**
     * The chunks of {@code table} in the newest finished pass before {@code passId}, when that pass verified the whole
     * table (every chunk done, the last one open-ended); empty otherwise.
     */
    public synchronized List<ChunkRecord> previousPlan(long passId, String table) throws SQLException {
        try (PreparedStatement ps = c.prepareStatement("SELECT max(p.pass_id) FROM tandem.reconcile_pass p "
                + "JOIN tandem.consistency_record r ON r.pass_id = p.pass_id AND r.target_table = ? "
                + "WHERE p.migration = ? AND p.pass_id < ? AND p.finished_at IS NOT NULL")) {
            ps.setString(1, table);
            ps.setString(2, migration);
            ps.setLong(3, passId);
            try (ResultSet rs = ps.executeQuery()) {
                rs.next();
                long previous = rs.getLong(1);
                if (rs.wasNull()) {
                    return List.of();
                }
                List<ChunkRecord> plan = chunks(previous, table);
                boolean whole = !plan.isEmpty() && plan.stream().allMatch(ChunkRecord::done)
                        && plan.stream().filter(r -> r.range().upper() == null).count() == 1
                        && plan.stream().filter(r -> r.range().lower() == null).count() == 1;
                return whole ? plan : List.of();
            }
        }
    }

    /**
     * Appends the table's consistency record for the pass unless an instance sharing the pass appended it first (every
     * instance that sees the table's last chunk done tries; one writes); true when this call wrote it.
     */
    public synchronized boolean recordTable(long passId, Instant started, TableReport report) throws SQLException {
        c.setAutoCommit(false);
        try {
            try (PreparedStatement lock = c.prepareStatement("SELECT pg_advisory_xact_lock(hashtext('tandem.consistency_record'), "
                    + "hashtext(?::text || '/' || ?))")) {
                lock.setLong(1, passId);
                lock.setString(2, report.table());
                lock.execute();
            }
            boolean recorded;
            try (PreparedStatement exists = c.prepareStatement("SELECT 1 FROM tandem.consistency_record WHERE pass_id = ? "
                    + "AND target_table = ?")) {
                exists.setLong(1, passId);
                exists.setString(2, report.table());
                try (ResultSet rs = exists.executeQuery()) {
                    recorded = rs.next();
                }
            }
            if (!recorded) {
                insertRecord(passId, started, report);
            }
            c.commit();
            return !recorded;
        } catch (SQLException e) {
            rollback(e);
            throw e;
        } finally {
            c.setAutoCommit(true);
        }
    }

    private void insertRecord(long passId, Instant started, TableReport report) throws SQLException {
        try (PreparedStatement ps = c.prepareStatement("INSERT INTO tandem.consistency_record (migration, target_table, pass_id, "
                + "mode, started_at, finished_at, chunks, rows_compared, target_rows, drifted_rows, consistent, source_fence_lsn, "
                + "source_digest, target_digest, unsettled_rows) VALUES (?, ?, ?, ?, ?, now(), ?, ?, ?, ?, ?, ?, ?, ?, ?)")) {
            ps.setString(1, migration);
            ps.setString(2, report.table());
            ps.setLong(3, passId);
            ps.setString(4, report.mode());
            ps.setTimestamp(5, Timestamp.from(started));
            ps.setInt(6, report.chunks());
            ps.setLong(7, report.rowsCompared());
            ps.setLong(8, report.targetRows());
            ps.setLong(9, report.driftedRows());
            ps.setBoolean(10, report.consistent());
            ps.setString(11, report.fenceLsn());
            ps.setString(12, report.sourceDigest());
            ps.setString(13, report.targetDigest());
            ps.setLong(14, report.unsettledRows());
            ps.executeUpdate();
        }
    }

    private void rollback(SQLException failure) {
        try {
            c.rollback();
        } catch (SQLException e) {
            failure.addSuppressed(e);
        }
    }

    /** The table's consistency record in this pass, when the table was already finished before a restart. */
    public synchronized Optional<TableReport> tableRecord(long passId, String table) throws SQLException {
        try (PreparedStatement ps = c.prepareStatement("SELECT mode, chunks, rows_compared, target_rows, drifted_rows, source_fence_lsn, "
                + "source_digest, target_digest, extract(epoch FROM finished_at - started_at), unsettled_rows FROM tandem.consistency_record "
                + "WHERE pass_id = ? AND target_table = ? ORDER BY record_id DESC LIMIT 1")) {
            ps.setLong(1, passId);
            ps.setString(2, table);
            try (ResultSet rs = ps.executeQuery()) {
                if (!rs.next()) {
                    return Optional.empty();
                }
                return Optional.of(new TableReport(table, rs.getString(1), rs.getInt(2), rs.getLong(3), rs.getLong(4), rs.getLong(5),
                        drift(passId, table), rs.getString(6), rs.getString(7), rs.getString(8), rs.getDouble(9), rs.getLong(10),
                        List.of()));
            }
        }
    }

    public synchronized void recordDrift(Long passId, List<RowDrift> drift) throws SQLException {
        insertDrift(c, migration, passId, drift);
    }

    /** Inserts drifted rows on {@code on}, in its transaction when it has one. */
    static void insertDrift(Connection on, String migration, Long passId, List<RowDrift> drift) throws SQLException {
        try (PreparedStatement ps = on.prepareStatement("INSERT INTO tandem.drifted_row (migration, pass_id, target_table, kind, "
                + "source_key, target_key, columns) VALUES (?, ?, ?, ?, ?, ?, ?)")) {
            for (RowDrift d : drift) {
                ps.setString(1, migration);
                ps.setObject(2, passId);
                ps.setString(3, d.table());
                ps.setString(4, d.kind().name());
                ps.setArray(5, d.sourceKey().isEmpty() ? null : array(on, d.sourceKey()));
                ps.setArray(6, array(on, d.targetKey()));
                ps.setArray(7, array(on, d.columns()));
                ps.addBatch();
            }
            ps.executeBatch();
        }
    }

    /** Drifted rows recorded for a table in a pass. */
    public synchronized List<RowDrift> drift(long passId, String table) throws SQLException {
        List<RowDrift> drift = new ArrayList<>();
        try (PreparedStatement ps = c.prepareStatement("SELECT kind, source_key, target_key, columns FROM tandem.drifted_row "
                + "WHERE pass_id = ? AND target_table = ? ORDER BY drift_id")) {
            ps.setLong(1, passId);
            ps.setString(2, table);
            try (ResultSet rs = ps.executeQuery()) {
                while (rs.next()) {
                    List<String> source = list(rs.getArray(2));
                    drift.add(new RowDrift(table, RowDrift.Kind.valueOf(rs.getString(1)), source == null ? List.of() : source,
                            list(rs.getArray(3)), list(rs.getArray(4))));
                }
            }
        }
        return drift;
    }

    /** The newest pass's drifted rows of a table (what {@code tandem repair} works from). */
    public synchronized List<RowDrift> latestDrift(String table) throws SQLException {
        try (PreparedStatement ps = c.prepareStatement("SELECT max(pass_id) FROM tandem.consistency_record "
                + "WHERE migration = ? AND target_table = ?")) {
            ps.setString(1, migration);
            ps.setString(2, table);
            try (ResultSet rs = ps.executeQuery()) {
                rs.next();
                long pass = rs.getLong(1);
                return rs.wasNull() ? List.of() : drift(pass, table);
            }
        }
    }

    public synchronized void recordRepair(String table, String action, List<String> sourceKey, List<String> targetKey,
                                          String fenceLsn, boolean verified) throws SQLException {
        try (PreparedStatement ps = c.prepareStatement("INSERT INTO tandem.reconcile_repair (migration, target_table, action, "
                + "source_key, target_key, fence_lsn, verified) VALUES (?, ?, ?, ?, ?, ?, ?)")) {
            ps.setString(1, migration);
            ps.setString(2, table);
            ps.setString(3, action);
            ps.setArray(4, sourceKey.isEmpty() ? null : array(sourceKey));
            ps.setArray(5, array(targetKey));
            ps.setString(6, fenceLsn);
            ps.setBoolean(7, verified);
            ps.executeUpdate();
        }
    }

    /** Finish time of the newest finished pass in which every table was consistent. */
    public static Optional<Instant> lastCleanPass(Connection target, String migration) throws SQLException {
        try (PreparedStatement exists = target.prepareStatement("SELECT to_regclass('tandem.reconcile_pass') IS NOT NULL");
             ResultSet rs = exists.executeQuery()) {
            if (!rs.next() || !rs.getBoolean(1)) {
                return Optional.empty();
            }
        }
        try (PreparedStatement ps = target.prepareStatement("SELECT finished_at FROM tandem.reconcile_pass WHERE migration = ? "
                + "AND finished_at IS NOT NULL AND consistent ORDER BY finished_at DESC LIMIT 1")) {
            ps.setString(1, migration);
            try (ResultSet rs = ps.executeQuery()) {
                return rs.next() ? Optional.of(rs.getTimestamp(1).toInstant()) : Optional.empty();
            }
        }
    }

    private Array array(List<String> values) throws SQLException {
        return array(c, values);
    }

    static Array array(Connection on, List<String> values) throws SQLException {
        return values == null ? null : on.createArrayOf("text", values.toArray(new String[0]));
    }

    static List<String> list(Array array) throws SQLException {
        return array == null ? null : Arrays.asList((String[]) array.getArray());
    }
}
