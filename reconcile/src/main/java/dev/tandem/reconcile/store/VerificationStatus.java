package dev.tandem.reconcile.store;

import dev.tandem.capture.PgDatabase;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Timestamp;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * A migration's verification state as the control schema records it: the newest pass, the newest clean pass, and
 * each table's newest consistency record.
 *
 * @param migration     the migration
 * @param passId        the newest pass (null when none ran)
 * @param passStarted   when it started
 * @param passFinished  when it finished (null while it runs or after it stopped mid-way)
 * @param passConsistent whether every table was consistent (null until finished)
 * @param lastCleanPass finish time of the newest pass in which every table was consistent
 * @param tables        each table's newest consistency record
 * @param chunksByInstance chunks of the newest pass verified so far, per instance that verified them (several when
 *                      instances share the pass)
 */
public record VerificationStatus(String migration, Long passId, Instant passStarted, Instant passFinished, Boolean passConsistent,
                                 Instant lastCleanPass, List<TableStatus> tables, Map<String, Long> chunksByInstance) {

    public VerificationStatus {
        tables = List.copyOf(tables);
        chunksByInstance = Map.copyOf(chunksByInstance);
    }

    /** One table's newest consistency record. */
    public record TableStatus(String table, long passId, String mode, Instant startedAt, Instant finishedAt, int chunks,
                              long rowsCompared, long targetRows, long driftedRows, boolean consistent, String fenceLsn) {
    }

    public static VerificationStatus read(PgDatabase target, String migration) throws SQLException {
        try (Connection c = target.connect("tandem-verification-status")) {
            try (PreparedStatement exists = c.prepareStatement("SELECT to_regclass('tandem.consistency_record') IS NOT NULL");
                 ResultSet rs = exists.executeQuery()) {
                rs.next();
                if (!rs.getBoolean(1)) {
                    return new VerificationStatus(migration, null, null, null, null, null, List.of(), Map.of());
                }
            }
            Long passId = null;
            Instant started = null;
            Instant finished = null;
            Boolean consistent = null;
            try (PreparedStatement ps = c.prepareStatement("SELECT pass_id, started_at, finished_at, consistent FROM tandem.reconcile_pass "
                    + "WHERE migration = ? ORDER BY pass_id DESC LIMIT 1")) {
                ps.setString(1, migration);
                try (ResultSet rs = ps.executeQuery()) {
                    if (rs.next()) {
                        passId = rs.getLong(1);
                        started = instant(rs.getTimestamp(2));
                        finished = instant(rs.getTimestamp(3));
                        consistent = (Boolean) rs.getObject(4);
                    }
                }
            }
            List<TableStatus> tables = new ArrayList<>();
            try (PreparedStatement ps = c.prepareStatement("SELECT DISTINCT ON (target_table) target_table, pass_id, mode, started_at, "
                    + "finished_at, chunks, rows_compared, target_rows, drifted_rows, consistent, source_fence_lsn "
                    + "FROM tandem.consistency_record WHERE migration = ? ORDER BY target_table, record_id DESC")) {
                ps.setString(1, migration);
                try (ResultSet rs = ps.executeQuery()) {
                    while (rs.next()) {
                        tables.add(new TableStatus(rs.getString(1), rs.getLong(2), rs.getString(3), instant(rs.getTimestamp(4)),
                                instant(rs.getTimestamp(5)), rs.getInt(6), rs.getLong(7), rs.getLong(8), rs.getLong(9),
                                rs.getBoolean(10), rs.getString(11)));
                    }
                }
            }
            Map<String, Long> byInstance = new TreeMap<>();
            if (passId != null) {
                try (PreparedStatement ps = c.prepareStatement("SELECT coalesce(verified_by, 'unnamed'), count(*) FROM tandem.reconcile_chunk "
                        + "WHERE pass_id = ? AND done GROUP BY 1")) {
                    ps.setLong(1, passId);
                    try (ResultSet rs = ps.executeQuery()) {
                        while (rs.next()) {
                            byInstance.put(rs.getString(1), rs.getLong(2));
                        }
                    }
                }
            }
            return new VerificationStatus(migration, passId, started, finished, consistent,
                    ReconcileStore.lastCleanPass(c, migration).orElse(null), tables, byInstance);
        }
    }

    private static Instant instant(Timestamp t) {
        return t == null ? null : t.toInstant();
    }
}
