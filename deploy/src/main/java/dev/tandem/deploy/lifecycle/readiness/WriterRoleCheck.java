package dev.tandem.deploy.lifecycle.readiness;

import static dev.tandem.deploy.lifecycle.readiness.CheckResult.Status.FAIL;

import dev.tandem.capture.PgDatabase;
import java.sql.Connection;
import java.sql.SQLException;
import java.sql.Statement;

/**
 * Whether tandem's writers on a database may run with {@code session_replication_role = replica} (a superuser, or a
 * user granted SET on the parameter, PostgreSQL 15+): tried in a transaction that is rolled back.
 */
final class WriterRoleCheck {

    private static final String CHECK = "session_replication_role";

    private WriterRoleCheck() {
    }

    /** {@code side} says which writers use the database: "new" (backfill, sync) or "legacy" (reverse sync). */
    static CheckResult of(Connection c, PgDatabase database, String side) throws SQLException {
        boolean autoCommit = c.getAutoCommit();
        c.setAutoCommit(false);
        try (Statement st = c.createStatement()) {
            st.execute("SET LOCAL " + PgDatabase.REPLICATION_ROLE_SETTING + " = replica");
            return CheckResult.pass(CHECK + " (" + side + ")", database.user() + " may set it to replica, as tandem's "
                    + ("new".equals(side) ? "backfill and sync" : "reverse sync") + " writers do");
        } catch (SQLException e) {
            if (!"42501".equals(e.getSQLState())) {
                throw e;
            }
            return new CheckResult(CHECK + " (" + side + ")", FAIL, database.user() + " may not set it to replica",
                    database.replicationRoleRefused());
        } finally {
            c.rollback();
            c.setAutoCommit(autoCommit);
        }
    }
}
