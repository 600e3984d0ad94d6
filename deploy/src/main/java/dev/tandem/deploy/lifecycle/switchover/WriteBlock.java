package dev.tandem.deploy.lifecycle.switchover;

import static dev.tandem.capture.SqlIdentifiers.quote;
import static dev.tandem.capture.SqlIdentifiers.quoteQualified;

import dev.tandem.capture.PgDatabase;
import java.sql.Array;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * Blocks and opens application writes to one side's tables for one migration: a statement trigger on
 * each table raises a retriable error (SQLSTATE 40001) while the migration's block flag is set, except
 * for tandem's own writers ({@link PgDatabase#connectAsSyncWriter}).
 *
 * <p>The flag is a sequence, not a row: its value is read outside MVCC, so even a REPEATABLE READ
 * transaction that began before the block sees it. Revoking privileges would not stop table owners or
 * superusers, which is how many applications connect.
 */
public final class WriteBlock {

    /** SQLSTATE of a blocked write: serialization_failure, which drivers and frameworks already retry. */
    public static final String BLOCKED_SQLSTATE = "40001";

    /** Where {@link #WRITERS} finds them: the granted write locks on the tables, with each holder's activity. */
    private static final String WRITE_LOCKS = " FROM pg_catalog.pg_locks l "
            + "LEFT JOIN pg_catalog.pg_stat_activity a ON a.pid = l.pid WHERE l.locktype = 'relation' AND l.granted "
            + "AND l.pid IS DISTINCT FROM pg_backend_pid() AND l.mode IN ('RowExclusiveLock', 'ShareRowExclusiveLock', "
            + "'ExclusiveLock', 'AccessExclusiveLock') AND l.database = (SELECT oid FROM pg_catalog.pg_database "
            + "WHERE datname = current_database()) AND l.relation = ANY(SELECT to_regclass(t) FROM unnest(?::text[]) AS t)";

    /**
     * The transactions (virtual ids) other than this session holding a lock that writes take on one of the tables
     * ({@code ?}: their names): {@code RowExclusiveLock} for rows, the stronger modes for TRUNCATE and DDL.
     */
    private static final String WRITERS = "SELECT DISTINCT l.virtualtransaction, l.pid, a.state" + WRITE_LOCKS;

    private final String migration;

    public WriteBlock(String migration) {
        this.migration = migration;
    }

    private String flag() {
        return "tandem." + quote("write_block_" + migration);
    }

    private String triggerName() {
        return quote("tandem_write_fence_" + migration);
    }

    /** Creates the flag (open), the trigger function and a trigger on each table; idempotent. */
    public void install(Connection c, Collection<String> tables) throws SQLException {
        try (Statement st = c.createStatement()) {
            st.execute("CREATE SCHEMA IF NOT EXISTS tandem");
            st.execute("CREATE SEQUENCE IF NOT EXISTS " + flag() + " MINVALUE 0 MAXVALUE 1 START 0");
            st.execute("""
                    CREATE OR REPLACE FUNCTION tandem.write_fence() RETURNS trigger LANGUAGE plpgsql AS $fence$
                    DECLARE
                        blocked bigint;
                    BEGIN
                        IF current_setting('%s', true) = 'on' THEN
                            RETURN NULL;
                        END IF;
                        EXECUTE format('SELECT last_value FROM tandem.%%I', TG_ARGV[0]) INTO blocked;
                        IF blocked = 1 THEN
                            RAISE EXCEPTION 'tandem: writes to %%.%% are blocked by migration %%', TG_TABLE_SCHEMA, TG_TABLE_NAME, TG_ARGV[1]
                                USING ERRCODE = '%s',
                                      HINT = 'the migration is switching sides or this side is not the live one: read its route and retry there';
                        END IF;
                        RETURN NULL;
                    END
                    $fence$""".formatted(PgDatabase.SYNC_WRITER_SETTING, BLOCKED_SQLSTATE));
            commitIfNeeded(c);
            for (String table : tables) {
                if (!hasTrigger(c, table)) {
                    TableDdl.run(c, table, "install the write-block trigger", "CREATE TRIGGER " + triggerName()
                            + " BEFORE INSERT OR UPDATE OR DELETE OR TRUNCATE ON " + quoteQualified(table)
                            + " FOR EACH STATEMENT EXECUTE FUNCTION tandem.write_fence(" + literal("write_block_" + migration) + ", " + literal(migration) + ")");
                }
            }
        }
        commitIfNeeded(c);
    }

    /** Removes the triggers and the flag (complete, cancel). */
    public void uninstall(Connection c, Collection<String> tables) throws SQLException {
        for (String table : tables) {
            if (hasTrigger(c, table)) {
                TableDdl.run(c, table, "remove the write-block trigger", "DROP TRIGGER IF EXISTS " + triggerName() + " ON "
                        + quoteQualified(table));
            }
        }
        try (Statement st = c.createStatement()) {
            st.execute("DROP SEQUENCE IF EXISTS " + flag());
        }
        commitIfNeeded(c);
    }

    /**
     * Whether this migration's trigger is on the table: installing is DDL, which waits for every transaction writing
     * the table and queues the application's next writes behind it, so a trigger already there is left alone.
     */
    private boolean hasTrigger(Connection c, String table) throws SQLException {
        try (PreparedStatement ps = c.prepareStatement("SELECT EXISTS (SELECT 1 FROM pg_catalog.pg_trigger WHERE tgrelid = "
                + "to_regclass(?) AND tgname = ?)")) {
            ps.setString(1, quoteQualified(table));
            ps.setString(2, "tandem_write_fence_" + migration);
            try (ResultSet rs = ps.executeQuery()) {
                rs.next();
                boolean found = rs.getBoolean(1);
                commitIfNeeded(c);
                return found;
            }
        }
    }

    /** Sets the block: from now on application statements on the tables fail. Not transactional. */
    public void block(Connection c) throws SQLException {
        set(c, 1);
    }

    /** Clears the block. Not transactional. */
    public void open(Connection c) throws SQLException {
        set(c, 0);
    }

    /** True when this migration's flag exists here (its triggers are installed with it). */
    public boolean isInstalled(Connection c) throws SQLException {
        try (PreparedStatement ps = c.prepareStatement("SELECT to_regclass(?) IS NOT NULL")) {
            ps.setString(1, flag());
            try (ResultSet rs = ps.executeQuery()) {
                rs.next();
                return rs.getBoolean(1);
            }
        }
    }

    public boolean isBlocked(Connection c) throws SQLException {
        try (Statement st = c.createStatement(); ResultSet rs = st.executeQuery("SELECT last_value FROM " + flag())) {
            rs.next();
            return rs.getLong(1) == 1;
        }
    }

    /**
     * Waits until every transaction that held a write lock on the tables when this is called (after {@link #block})
     * has ended, the way {@code CREATE INDEX CONCURRENTLY} waits out older transactions: it lists their virtual
     * transaction ids in {@code pg_locks} once, then polls until none of them is left. It takes no lock an application
     * could queue behind (a {@code LOCK TABLE … IN SHARE MODE} over several tables deadlocks with a transaction that
     * writes two of them in the other order). A writer that needed one more statement on a table meets the block and
     * rolls back, so the wait is short. Fails with lock_not_available (55P03), naming the transactions still open,
     * when {@code timeout} passes first.
     */
    public void awaitInFlightWriters(Connection c, Collection<String> tables, Duration timeout)
            throws SQLException, InterruptedException {
        long deadline = System.nanoTime() + Math.max(0, timeout.toNanos());
        Array relations = c.createArrayOf("text", tables.stream().map(t -> quoteQualified(t)).toArray());
        List<String> writers = new ArrayList<>();
        try (PreparedStatement ps = c.prepareStatement(WRITERS + " AND l.virtualtransaction IS NOT NULL")) {
            ps.setArray(1, relations);
            try (ResultSet rs = ps.executeQuery()) {
                while (rs.next()) {
                    writers.add(rs.getString(1));
                }
            }
        }
        commitIfNeeded(c);
        if (writers.isEmpty()) {
            return;
        }
        Array waited = c.createArrayOf("text", writers.toArray());
        long pause = 1;
        try (PreparedStatement ps = c.prepareStatement(WRITERS + " AND l.virtualtransaction = ANY(?::text[])")) {
            ps.setArray(1, relations);
            ps.setArray(2, waited);
            while (true) {
                List<String> open = new ArrayList<>();
                try (ResultSet rs = ps.executeQuery()) {
                    while (rs.next()) {
                        open.add(rs.getString(1) + " (pid " + rs.getString(2) + ", " + rs.getString(3) + ")");
                    }
                }
                commitIfNeeded(c);
                if (open.isEmpty()) {
                    return;
                }
                long left = deadline - System.nanoTime();
                if (left <= 0) {
                    throw new SQLException(open.size() + " of the " + writers.size() + " transactions writing " + tables
                            + " when writes were blocked were still open after " + timeout.toMillis() + " ms: " + open
                            + "; long application transactions hold the block open, so end them or raise the budget",
                            "55P03");
                }
                Thread.sleep(Math.min(pause, Math.max(1, TimeUnit.NANOSECONDS.toMillis(left))));
                pause = Math.min(pause * 2, 10);
            }
        }
    }

    /**
     * The transactions holding a write lock on the tables that have been open longer than {@code olderThan}, each
     * described with its pid, age, state and statement: a write block set now would have to wait each of them out.
     */
    public static List<String> longWriters(Connection c, Collection<String> tables, Duration olderThan) throws SQLException {
        List<String> found = new ArrayList<>();
        try (PreparedStatement ps = c.prepareStatement("SELECT l.pid, round(extract(epoch FROM now() - min(a.xact_start))"
                + "::numeric, 1), min(a.state), left(min(a.query), 120)" + WRITE_LOCKS + " AND a.xact_start < now() - "
                + "make_interval(secs => ?) GROUP BY l.pid ORDER BY 2 DESC")) {
            ps.setArray(1, c.createArrayOf("text", tables.stream().map(t -> quoteQualified(t)).toArray()));
            ps.setDouble(2, olderThan.toMillis() / 1000.0);
            try (ResultSet rs = ps.executeQuery()) {
                while (rs.next()) {
                    found.add("pid " + rs.getLong(1) + " open " + rs.getString(2) + " s, " + rs.getString(3) + ": "
                            + rs.getString(4));
                }
            }
        }
        commitIfNeeded(c);
        return found;
    }

    private void set(Connection c, int value) throws SQLException {
        try (PreparedStatement ps = c.prepareStatement("SELECT setval(?::regclass, ?, true)")) {
            ps.setString(1, flag());
            ps.setInt(2, value);
            ps.execute();
        }
        commitIfNeeded(c);
    }

    private static String literal(String value) {
        return "'" + value.replace("'", "''") + "'";
    }

    private static void commitIfNeeded(Connection c) throws SQLException {
        if (!c.getAutoCommit()) {
            c.commit();
        }
    }
}
