package dev.tandem.sync.backfill;

import static dev.tandem.capture.SqlIdentifiers.quote;
import static dev.tandem.capture.SqlIdentifiers.quoteQualified;

import dev.tandem.capture.PgDatabase;
import dev.tandem.sync.mapping.ResolvedTable;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.List;
import java.util.concurrent.atomic.AtomicLong;
import java.util.stream.Collectors;
import org.postgresql.PGConnection;
import org.postgresql.copy.CopyIn;
import org.postgresql.copy.CopyOut;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Copies one table's existing rows into the new schema as of an exported snapshot, streaming
 * {@code COPY … TO STDOUT} from the source straight into {@code COPY … FROM STDIN} on the target.
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
     * transaction; {@code rowsCopied} grows while the copy runs. Returns the rows copied.
     */
    public long copy(ResolvedTable table, String snapshotName, String snapshotLsn, AtomicLong rowsCopied)
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
            long rows = pipe(src, dst, table, rowsCopied);
            try (PreparedStatement ps = dst.prepareStatement("""
                    INSERT INTO tandem.backfill (migration, source_table, rows_copied, snapshot_lsn) VALUES (?, ?, ?, ?)
                    ON CONFLICT (migration, source_table) DO UPDATE
                    SET rows_copied = EXCLUDED.rows_copied, snapshot_lsn = EXCLUDED.snapshot_lsn, done_at = now()""")) {
                ps.setString(1, migration);
                ps.setString(2, table.source());
                ps.setLong(3, rows);
                ps.setString(4, snapshotLsn);
                ps.executeUpdate();
            }
            dst.commit();
            src.commit();
            double seconds = (System.nanoTime() - started) / 1e9;
            log.info("backfill {} → {}: {} rows in {} s ({} rows/s)", table.source(), table.target(), rows,
                    String.format("%.2f", seconds), Math.round(rows / Math.max(seconds, 1e-3)));
            return rows;
        }
    }

    private static long pipe(Connection src, Connection dst, ResolvedTable table, AtomicLong rowsCopied)
            throws SQLException {
        String sourceColumns = table.columns().keySet().stream().map(c -> quote(c)).collect(Collectors.joining(", "));
        String targetColumns = table.columns().values().stream().map(c -> quote(c)).collect(Collectors.joining(", "));
        CopyOut out = src.unwrap(PGConnection.class).getCopyAPI()
                .copyOut("COPY (SELECT " + sourceColumns + " FROM " + quoteQualified(table.source()) + ") TO STDOUT");
        CopyIn in = dst.unwrap(PGConnection.class).getCopyAPI()
                .copyIn("COPY " + quoteQualified(table.target()) + " (" + targetColumns + ") FROM STDIN");
        try {
            byte[] row;
            while ((row = out.readFromCopy()) != null) {
                in.writeToCopy(row, 0, row.length);
                rowsCopied.incrementAndGet();
            }
            return in.endCopy();
        } finally {
            if (in.isActive()) {
                in.cancelCopy();
            }
        }
    }

    /** The tables already copied for this migration, as recorded in the target. */
    public static List<String> copiedTables(Connection target, String migration) throws SQLException {
        try (PreparedStatement ps = target.prepareStatement(
                "SELECT source_table FROM tandem.backfill WHERE migration = ? ORDER BY source_table")) {
            ps.setString(1, migration);
            try (var rs = ps.executeQuery()) {
                List<String> tables = new java.util.ArrayList<>();
                while (rs.next()) {
                    tables.add(rs.getString(1));
                }
                return tables;
            }
        }
    }
}
