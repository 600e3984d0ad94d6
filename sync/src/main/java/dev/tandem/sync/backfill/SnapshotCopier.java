package dev.tandem.sync.backfill;

import static dev.tandem.capture.SqlIdentifiers.quote;
import static dev.tandem.capture.SqlIdentifiers.quoteQualified;

import dev.tandem.capture.PgDatabase;
import dev.tandem.sync.mapping.CompiledTable;
import dev.tandem.sync.mapping.ProjectionSql;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicLong;
import java.util.stream.Collectors;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Copies one target table's rows from the legacy table as of an exported snapshot. A table whose
 * mapping only copies and renames columns is piped straight into the target with COPY; any other
 * projection is staged first and evaluated by the target database, exactly as the applier does.
 */
public final class SnapshotCopier {

    private static final Logger log = LoggerFactory.getLogger(SnapshotCopier.class);

    private final PgDatabase source;
    private final PgDatabase target;
    private final String migration;

    public SnapshotCopier(String migration, PgDatabase source, PgDatabase target) {
        this.migration = migration;
        this.source = source;
        this.target = target;
    }

    /**
     * Copies {@code table} under {@code snapshotName} and records it as done in the same target
     * transaction; {@code rowsCopied} grows while the copy runs. Returns the rows read.
     */
    public long copy(CompiledTable table, String snapshotName, String snapshotLsn, AtomicLong rowsCopied)
            throws SQLException {
        long started = System.nanoTime();
        try (Connection src = source.connect("tandem-backfill-" + migration);
             Connection dst = target.connect("tandem-backfill-" + migration)) {
            src.setAutoCommit(false);
            dst.setAutoCommit(false);
            try (Statement st = src.createStatement()) {
                st.execute("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ, READ ONLY");
                st.execute("SET TRANSACTION SNAPSHOT '" + snapshotName.replace("'", "''") + "'");
            }
            try (Statement st = dst.createStatement()) {
                st.execute("TRUNCATE " + quoteQualified(table.target()));
            }
            long rows = isPlainCopy(table) ? copyDirect(src, dst, table, rowsCopied) : copyProjected(src, dst, table, rowsCopied);
            record(dst, table, rows, snapshotLsn);
            dst.commit();
            src.commit();
            double seconds = (System.nanoTime() - started) / 1e9;
            log.info("backfill {} → {}: {} rows in {} s ({} rows/s{})", table.source(), table.target(), rows,
                    String.format("%.2f", seconds), Math.round(rows / Math.max(seconds, 1e-3)),
                    isPlainCopy(table) ? ", direct COPY" : ", projected in the target");
            return rows;
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

    private static long copyDirect(Connection src, Connection dst, CompiledTable table, AtomicLong progress)
            throws SQLException {
        List<String> sourceColumns = new ArrayList<>();
        List<String> targetColumns = new ArrayList<>();
        table.written().keySet().forEach(c -> {
            targetColumns.add(c);
            sourceColumns.add(table.reads().get(c).iterator().next());
        });
        return SourceStaging.pipe(src, dst, table.source(), sourceColumns, quoteQualified(table.target()), targetColumns,
                progress);
    }

    private static long copyProjected(Connection src, Connection dst, CompiledTable table, AtomicLong progress)
            throws SQLException {
        String stage = "tandem_stage";
        long rows = SourceStaging.stage(src, dst, table, stage, progress);
        List<String> insert = new ArrayList<>(table.written().keySet());
        insert.addAll(table.defaults().keySet());
        String defaults = table.defaults().values().stream().map(e -> ", (" + e + ")").collect(Collectors.joining());
        try (Statement st = dst.createStatement()) {
            st.execute("INSERT INTO " + quoteQualified(table.target()) + " ("
                    + insert.stream().map(c -> quote(c)).collect(Collectors.joining(", ")) + ") SELECT p.*" + defaults
                    + " FROM (" + ProjectionSql.select(table, quote(stage)) + ") p");
        }
        return rows;
    }

    private void record(Connection dst, CompiledTable table, long rows, String snapshotLsn) throws SQLException {
        try (PreparedStatement ps = dst.prepareStatement("""
                INSERT INTO tandem.backfill (migration, target_table, rows_copied, snapshot_lsn) VALUES (?, ?, ?, ?)
                ON CONFLICT (migration, target_table) DO UPDATE
                SET rows_copied = EXCLUDED.rows_copied, snapshot_lsn = EXCLUDED.snapshot_lsn, done_at = now()""")) {
            ps.setString(1, migration);
            ps.setString(2, table.target());
            ps.setLong(3, rows);
            ps.setString(4, snapshotLsn);
            ps.executeUpdate();
        }
    }
}
