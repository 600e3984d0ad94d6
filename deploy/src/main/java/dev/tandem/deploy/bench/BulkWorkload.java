package dev.tandem.deploy.bench;

import dev.tandem.capture.PgDatabase;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.SQLException;

/**
 * The bulk sync part's writer: inserts rows {@code 1..inserts} then updates rows {@code 1..updates},
 * {@link BenchSettings#TRANSACTION_ROWS} rows per source transaction, on one connection.
 */
final class BulkWorkload {

    private final PgDatabase source;
    private final long inserts;
    private final long updates;

    BulkWorkload(PgDatabase source, long inserts, long updates) {
        this.source = source;
        this.inserts = inserts;
        this.updates = updates;
    }

    /** Writes everything; returns the seconds it took. */
    double run() throws SQLException {
        long started = System.nanoTime();
        try (Connection c = source.connect("tandem-bench-writer")) {
            c.setAutoCommit(false);
            writeRanges(c, BenchTable.INSERT_RANGE, inserts);
            writeRanges(c, BenchTable.UPDATE_RANGE, updates);
        }
        return (System.nanoTime() - started) / 1e9;
    }

    /** Inserts the one row {@code key} in its own transaction: a marker whose arrival shows all before it arrived. */
    static void writeMarker(PgDatabase source, long key) throws SQLException {
        try (Connection c = source.connect("tandem-bench-writer");
             PreparedStatement ps = c.prepareStatement(BenchTable.INSERT_RANGE)) {
            ps.setLong(1, key);
            ps.setLong(2, key);
            ps.executeUpdate();
        }
    }

    private static void writeRanges(Connection c, String sql, long rows) throws SQLException {
        try (PreparedStatement ps = c.prepareStatement(sql)) {
            for (long first = 1; first <= rows; first += BenchSettings.TRANSACTION_ROWS) {
                ps.setLong(1, first);
                ps.setLong(2, Math.min(rows, first + BenchSettings.TRANSACTION_ROWS - 1));
                ps.executeUpdate();
                c.commit();
            }
        }
    }
}
