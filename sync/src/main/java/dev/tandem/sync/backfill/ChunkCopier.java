package dev.tandem.sync.backfill;

import static dev.tandem.capture.SqlIdentifiers.quote;
import static dev.tandem.capture.SqlIdentifiers.quoteQualified;

import dev.tandem.sync.mapping.CompiledTable;
import dev.tandem.sync.mapping.ProjectionSql;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Collectors;

/**
 * Copies one chunk of one table into the new schema and records it copied in the same target
 * transaction. A table whose mapping only copies and renames columns is piped straight into the
 * target with COPY; any other projection is staged first and evaluated by the target database,
 * exactly as the applier does.
 */
final class ChunkCopier {

    private static final String STAGE = "tandem_stage";
    private static final String TARGET_ALIAS = "tandem_t";

    private final String migration;
    private final int generation;
    private final String snapshotLsn;
    private final boolean merge;

    /**
     * @param snapshotLsn the position of the snapshot the rows are read under, recorded with them
     * @param merge       upsert into rows the target may already hold (a resumed backfill, after the
     *                    stream caught up to the snapshot) instead of appending with COPY
     */
    ChunkCopier(String migration, int generation, String snapshotLsn, boolean merge) {
        this.migration = migration;
        this.generation = generation;
        this.snapshotLsn = snapshotLsn;
        this.merge = merge;
    }

    /**
     * Copies {@code chunk} from {@code src}'s open transaction into {@code dst} and commits {@code dst};
     * rolls {@code dst} back on any failure. Returns the rows copied.
     */
    long copy(Connection src, Connection dst, CompiledTable table, List<String> keyTypes, Chunk chunk,
              CopyListener listener) throws SQLException, InterruptedException {
        String where = CopyRange.predicate(table.sourceKey(), keyTypes, chunk);
        try {
            long rows = isPlainCopy(table) && !merge ? copyDirect(src, dst, table, where, listener)
                    : copyProjected(src, dst, table, where, listener);
            ChunkLedger.markCopied(dst, migration, generation, chunk, rows, snapshotLsn);
            record(dst, table, rows);
            dst.commit();
            return rows;
        } catch (SQLException | InterruptedException | RuntimeException e) {
            try {
                dst.rollback();
            } catch (SQLException rollback) {
                e.addSuppressed(rollback);
            }
            throw e;
        }
    }

    /** True when every written column copies one source column and nothing filters or defaults rows. */
    static boolean isPlainCopy(CompiledTable table) {
        return table.filter() == null && table.defaults().isEmpty()
                && table.written().keySet().stream().allMatch(table::isCopy)
                && table.written().keySet().stream().allMatch(c -> table.targetTypes().get(c).equals(sourceType(table, c)));
    }

    private static String sourceType(CompiledTable table, String targetColumn) {
        String sourceColumn = table.reads().get(targetColumn).iterator().next();
        return table.sourceColumns().stream().filter(c -> c.name().equals(sourceColumn)).findFirst().orElseThrow().type();
    }

    private static long copyDirect(Connection src, Connection dst, CompiledTable table, String where,
                                   CopyListener listener) throws SQLException, InterruptedException {
        List<String> sourceColumns = new ArrayList<>();
        List<String> targetColumns = new ArrayList<>();
        table.written().keySet().forEach(c -> {
            targetColumns.add(c);
            sourceColumns.add(table.reads().get(c).iterator().next());
        });
        return SourceStaging.pipe(src, dst, table.source(), sourceColumns, where, quoteQualified(table.target()),
                targetColumns, listener);
    }

    private long copyProjected(Connection src, Connection dst, CompiledTable table, String where,
                               CopyListener listener) throws SQLException, InterruptedException {
        long rows = SourceStaging.stage(src, dst, table, STAGE, where, listener);
        List<String> insert = new ArrayList<>(table.written().keySet());
        insert.addAll(table.defaults().keySet());
        String defaults = table.defaults().values().stream().map(e -> ", (" + e + ")").collect(Collectors.joining());
        try (Statement st = dst.createStatement()) {
            st.execute("INSERT INTO " + quoteQualified(table.target()) + " AS " + TARGET_ALIAS + " ("
                    + insert.stream().map(c -> quote(c)).collect(Collectors.joining(", ")) + ") " + ProjectionSql.OVERRIDING + "SELECT p.*" + defaults
                    + " FROM (" + ProjectionSql.select(table, quote(STAGE)) + ") p" + (merge ? onConflict(table) : ""));
            st.execute("DROP TABLE " + quote(STAGE));
        }
        return rows;
    }

    /** Rows the target already holds take the snapshot's values; unchanged rows are not written. */
    private static String onConflict(CompiledTable table) {
        List<String> updated = table.columns().keySet().stream().filter(c -> !table.key().containsKey(c)).toList();
        String conflict = " ON CONFLICT (" + table.targetKey().stream().map(c -> quote(c)).collect(Collectors.joining(", "))
                + ") ";
        if (updated.isEmpty()) {
            return conflict + "DO NOTHING";
        }
        return conflict + "DO UPDATE SET " + updated.stream().map(c -> quote(c) + " = EXCLUDED." + quote(c))
                .collect(Collectors.joining(", ")) + " WHERE " + ProjectionSql.changed(table, updated, TARGET_ALIAS);
    }

    /** Adds the chunk's rows to the table's {@code tandem.backfill} record. */
    private void record(Connection dst, CompiledTable table, long rows) throws SQLException {
        try (PreparedStatement ps = dst.prepareStatement("""
                INSERT INTO tandem.backfill AS b (migration, target_table, rows_copied, snapshot_lsn) VALUES (?, ?, ?, ?)
                ON CONFLICT (migration, target_table) DO UPDATE
                SET rows_copied = b.rows_copied + EXCLUDED.rows_copied, snapshot_lsn = EXCLUDED.snapshot_lsn,
                    done_at = now()""")) {
            ps.setString(1, migration);
            ps.setString(2, table.target());
            ps.setLong(3, rows);
            ps.setString(4, snapshotLsn);
            ps.executeUpdate();
        }
    }
}
