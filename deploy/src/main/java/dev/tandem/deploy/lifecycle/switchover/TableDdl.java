package dev.tandem.deploy.lifecycle.switchover;

import java.sql.Connection;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.util.List;

/**
 * DDL on an application's table without stalling the application: a DDL statement waiting for its lock queues every
 * later write to the table behind it, so each try waits at most {@link #LOCK_WAIT} and is repeated while transactions
 * come and go. After {@link #TRIES} tries it fails naming the transactions that hold the table.
 */
final class TableDdl {

    static final Duration LOCK_WAIT = Duration.ofMillis(100);
    private static final int TRIES = 50;
    private static final String LOCK_NOT_AVAILABLE = "55P03";

    private TableDdl() {
    }

    /** Runs {@code ddl} on {@code table}; {@code what} names it in the refusal ("install the write-block trigger"). */
    static void run(Connection c, String table, String what, String ddl) throws SQLException {
        for (int attempt = 1; ; attempt++) {
            try {
                once(c, ddl);
                return;
            } catch (SQLException e) {
                if (!LOCK_NOT_AVAILABLE.equals(e.getSQLState())) {
                    throw e;
                }
                if (attempt == TRIES) {
                    List<String> holders = WriteBlock.longWriters(c, List.of(table), Duration.ZERO);
                    throw new SQLException("could not " + what + " on " + table + ": its lock was not free within " + LOCK_WAIT.toMillis() + " ms in " + TRIES + " tries, "
                            + "so as not to queue the application's writes behind it; "
                            + (holders.isEmpty() ? "transactions kept taking it" : "held by " + String.join("; ", holders))
                            + ": let them end, then try again", LOCK_NOT_AVAILABLE, e);
                }
            }
            try {
                Thread.sleep(LOCK_WAIT.toMillis());
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new SQLException("interrupted while changing " + table, e);
            }
        }
    }

    private static void once(Connection c, String ddl) throws SQLException {
        try (Statement st = c.createStatement()) {
            st.execute("SET lock_timeout = '" + LOCK_WAIT.toMillis() + "ms'");
            try {
                st.execute(ddl);
                if (!c.getAutoCommit()) {
                    c.commit();
                }
            } catch (SQLException e) {
                if (!c.getAutoCommit()) {
                    c.rollback();
                }
                throw e;
            } finally {
                st.execute("RESET lock_timeout");
                if (!c.getAutoCommit()) {
                    c.commit();
                }
            }
        }
    }
}
