package dev.tandem.sync.backfill;

import java.sql.Array;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * The durable chunk plan of each backfill generation in {@code tandem.backfill_chunk}: which key
 * ranges exist and which are copied, and under which snapshot; the only writer of that table. A
 * chunk is marked copied in the target transaction that wrote its rows, so a crash never
 * half-records one.
 */
public final class ChunkLedger {

    private ChunkLedger() {
    }

    /** What the ledger holds for one table: rows copied and chunks done, and the estimate for the rest. */
    public record TableState(long rowsCopied, long rowsEstimated, int chunksDone, int chunksTotal) {
    }

    /** Drops the plans of every other generation of {@code migration}. */
    public static void forgetOtherGenerations(Connection target, String migration, int generation) throws SQLException {
        try (PreparedStatement ps = target.prepareStatement(
                "DELETE FROM tandem.backfill_chunk WHERE migration = ? AND generation <> ?")) {
            ps.setString(1, migration);
            ps.setInt(2, generation);
            ps.executeUpdate();
        }
    }

    /** Target tables that already have a plan in this generation. */
    public static Set<String> plannedTables(Connection target, String migration, int generation) throws SQLException {
        Set<String> tables = new LinkedHashSet<>();
        try (PreparedStatement ps = target.prepareStatement("""
                SELECT DISTINCT target_table FROM tandem.backfill_chunk WHERE migration = ? AND generation = ?""")) {
            ps.setString(1, migration);
            ps.setInt(2, generation);
            try (ResultSet rs = ps.executeQuery()) {
                while (rs.next()) {
                    tables.add(rs.getString(1));
                }
            }
        }
        return tables;
    }

    /** Stores a table's plan; call inside the transaction that also empties the target table. */
    public static void savePlan(Connection target, String migration, int generation, List<Chunk> chunks)
            throws SQLException {
        try (PreparedStatement ps = target.prepareStatement("""
                INSERT INTO tandem.backfill_chunk (migration, generation, target_table, chunk, lower_bound, upper_bound,
                                                   estimated_rows)
                VALUES (?, ?, ?, ?, ?, ?, ?)""")) {
            for (Chunk chunk : chunks) {
                ps.setString(1, migration);
                ps.setInt(2, generation);
                ps.setString(3, chunk.targetTable());
                ps.setInt(4, chunk.number());
                ps.setArray(5, chunk.lower() == null ? null : target.createArrayOf("text", chunk.lower().toArray()));
                ps.setArray(6, chunk.upper() == null ? null : target.createArrayOf("text", chunk.upper().toArray()));
                ps.setLong(7, chunk.estimatedRows());
                ps.addBatch();
            }
            ps.executeBatch();
        }
    }

    /** Chunks not copied yet in this generation, table by table in plan order. */
    public static List<Chunk> pending(Connection target, String migration, int generation) throws SQLException {
        List<Chunk> chunks = new ArrayList<>();
        try (PreparedStatement ps = target.prepareStatement("""
                SELECT target_table, chunk, lower_bound, upper_bound, estimated_rows FROM tandem.backfill_chunk
                WHERE migration = ? AND generation = ? AND copied_at IS NULL ORDER BY target_table, chunk""")) {
            ps.setString(1, migration);
            ps.setInt(2, generation);
            try (ResultSet rs = ps.executeQuery()) {
                while (rs.next()) {
                    chunks.add(new Chunk(rs.getString(1), rs.getInt(2), strings(rs.getArray(3)), strings(rs.getArray(4)),
                            rs.getLong(5)));
                }
            }
        }
        return chunks;
    }

    /** Per target table: rows copied, rows expected (copied + estimates of the rest), chunks done and planned. */
    public static Map<String, TableState> tables(Connection target, String migration, int generation)
            throws SQLException {
        Map<String, TableState> tables = new LinkedHashMap<>();
        try (PreparedStatement ps = target.prepareStatement("""
                SELECT target_table, coalesce(sum(rows_copied), 0),
                       sum(CASE WHEN copied_at IS NULL THEN estimated_rows ELSE rows_copied END),
                       count(copied_at), count(*)
                FROM tandem.backfill_chunk WHERE migration = ? AND generation = ?
                GROUP BY target_table ORDER BY target_table""")) {
            ps.setString(1, migration);
            ps.setInt(2, generation);
            try (ResultSet rs = ps.executeQuery()) {
                while (rs.next()) {
                    tables.put(rs.getString(1), new TableState(rs.getLong(2), rs.getLong(3), rs.getInt(4), rs.getInt(5)));
                }
            }
        }
        return tables;
    }

    /**
     * Marks {@code chunk} copied inside the transaction holding its rows; fails (so the caller rolls
     * back) when the chunk is unknown or was already copied, so no chunk is ever applied twice.
     */
    public static void markCopied(Connection target, String migration, int generation, Chunk chunk, long rows,
                                  String snapshotLsn) throws SQLException {
        try (PreparedStatement ps = target.prepareStatement("""
                UPDATE tandem.backfill_chunk SET rows_copied = ?, snapshot_lsn = ?, copied_at = clock_timestamp()
                WHERE migration = ? AND generation = ? AND target_table = ? AND chunk = ? AND copied_at IS NULL""")) {
            ps.setLong(1, rows);
            ps.setString(2, snapshotLsn);
            ps.setString(3, migration);
            ps.setInt(4, generation);
            ps.setString(5, chunk.targetTable());
            ps.setInt(6, chunk.number());
            if (ps.executeUpdate() != 1) {
                throw new SQLException(chunk + " of migration " + migration + " generation " + generation
                        + " is not pending in tandem.backfill_chunk (copied already, or another tandem process runs this "
                        + "migration); stop the other process, then restart this one");
            }
        }
    }

    private static List<String> strings(Array array) throws SQLException {
        return array == null ? null : Arrays.asList((String[]) array.getArray());
    }
}
