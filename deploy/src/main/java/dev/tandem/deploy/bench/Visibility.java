package dev.tandem.deploy.bench;

import static dev.tandem.capture.SqlIdentifiers.quote;
import static dev.tandem.capture.SqlIdentifiers.quoteQualified;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Duration;
import java.util.concurrent.TimeoutException;

/** Watches a replication's target table until given rows are visible there, failing fast when the replication stops. */
final class Visibility {

    private static final long POLL_MS = 5;

    private Visibility() {
    }

    /** Waits until the row with {@code key} is visible on the target. */
    static void awaitKey(Replication replication, long key, Duration timeout) throws Exception {
        String sql = "SELECT count(*) FROM " + quoteQualified(replication.targetTable()) + " WHERE "
                + quote(replication.targetKey()) + " = ?";
        await(replication, sql, key, 1, "row " + key, timeout);
    }

    /** Waits until {@code rows} rows with a key of at least 1 are visible on the target. */
    static void awaitRows(Replication replication, long rows, Duration timeout) throws Exception {
        String sql = "SELECT count(*) FROM " + quoteQualified(replication.targetTable()) + " WHERE "
                + quote(replication.targetKey()) + " >= ?";
        await(replication, sql, 1, rows, rows + " rows", timeout);
    }

    /** Waits until the row with {@code key} shows {@link BenchTable#UPDATE_RANGE}'s change on the target. */
    static void awaitUpdated(Replication replication, long key, Duration timeout) throws Exception {
        String sql = "SELECT count(*) FROM " + quoteQualified(replication.targetTable()) + " WHERE "
                + quote(replication.targetKey()) + " = ? AND " + BenchTable.UPDATED;
        await(replication, sql, key, 1, "the update of row " + key, timeout);
    }

    private static void await(Replication replication, String sql, long parameter, long expected, String what,
                              Duration timeout) throws Exception {
        long deadline = System.nanoTime() + timeout.toNanos();
        long seen = 0;
        try (Connection c = replication.target().connect("tandem-bench-poller");
             PreparedStatement ps = c.prepareStatement(sql)) {
            ps.setLong(1, parameter);
            while (true) {
                try (ResultSet rs = ps.executeQuery()) {
                    rs.next();
                    seen = rs.getLong(1);
                }
                if (seen >= expected) {
                    return;
                }
                if (replication.failure() != null) {
                    throw new IllegalStateException(replication.name() + " replication failed while waiting for " + what
                            + " in " + replication.targetTable() + ": " + replication.failure().getMessage(),
                            replication.failure());
                }
                if (System.nanoTime() > deadline) {
                    throw new TimeoutException(replication.name() + ": " + what + " not visible in "
                            + replication.target() + " " + replication.targetTable() + " after " + timeout.toSeconds()
                            + " s (" + seen + " of " + expected + " seen); the replication is stuck or slower than"
                            + " the timeout assumes");
                }
                Thread.sleep(POLL_MS);
            }
        } catch (SQLException e) {
            throw new SQLException("cannot poll " + replication.targetTable() + " in " + replication.target() + " for "
                    + what + ": " + e.getMessage(), e.getSQLState(), e);
        }
    }
}
