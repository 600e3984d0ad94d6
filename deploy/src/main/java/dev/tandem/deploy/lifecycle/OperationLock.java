package dev.tandem.deploy.lifecycle;

import dev.tandem.capture.PgDatabase;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.Optional;

/**
 * One switch operation at a time per migration: a session advisory lock in the new database, held by a
 * connection of its own for the whole operation and released when the process ends, however it ends.
 */
public final class OperationLock implements AutoCloseable {

    private final Connection connection;
    private final String key;

    private OperationLock(Connection connection, String key) {
        this.connection = connection;
        this.key = key;
    }

    /** Takes the lock or fails naming the session that holds it. */
    public static OperationLock acquire(PgDatabase database, String migration, String operation) throws SQLException {
        Connection c = database.connect("tandem-" + operation + "-lock");
        try {
            OperationLock lock = take(c, migration);
            if (lock == null) {
                String holder = holder(c, key(migration));
                throw new IllegalStateException("migration " + migration + ": another cutover, rollback, complete or "
                        + "cancel is in progress (" + holder + "); wait for it to finish, then run the " + operation
                        + " again");
            }
            return lock;
        } catch (SQLException | RuntimeException e) {
            c.close();
            throw e;
        }
    }

    /** Takes the lock when no session holds it; empty when one does (a live process is switching). */
    public static Optional<OperationLock> tryAcquire(PgDatabase database, String migration, String operation)
            throws SQLException {
        Connection c = database.connect("tandem-" + operation + "-lock");
        try {
            OperationLock lock = take(c, migration);
            if (lock == null) {
                c.close();
            }
            return Optional.ofNullable(lock);
        } catch (SQLException | RuntimeException e) {
            c.close();
            throw e;
        }
    }

    private static OperationLock take(Connection c, String migration) throws SQLException {
        String key = key(migration);
        try (PreparedStatement ps = c.prepareStatement("SELECT pg_try_advisory_lock(hashtext(?))")) {
            ps.setString(1, key);
            try (ResultSet rs = ps.executeQuery()) {
                rs.next();
                return rs.getBoolean(1) ? new OperationLock(c, key) : null;
            }
        }
    }

    private static String key(String migration) {
        return "tandem.switch." + migration;
    }

    private static String holder(Connection c, String key) throws SQLException {
        try (PreparedStatement ps = c.prepareStatement("""
                SELECT a.pid, a.application_name, a.backend_start::text FROM pg_locks l JOIN pg_stat_activity a USING (pid)
                WHERE l.locktype = 'advisory' AND l.granted AND l.objid = (hashtext(?)::bigint & 4294967295)::oid""")) {
            ps.setString(1, key);
            try (ResultSet rs = ps.executeQuery()) {
                return rs.next() ? "held by " + rs.getString(2) + ", backend pid " + rs.getInt(1) + " since " + rs.getString(3)
                        : "held by another session";
            }
        }
    }

    @Override
    public void close() throws SQLException {
        try (PreparedStatement ps = connection.prepareStatement("SELECT pg_advisory_unlock(hashtext(?))")) {
            ps.setString(1, key);
            ps.execute();
        } finally {
            connection.close();
        }
    }
}
