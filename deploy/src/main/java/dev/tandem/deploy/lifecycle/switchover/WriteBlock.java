package dev.tandem.deploy.lifecycle.switchover;

import static dev.tandem.capture.SqlIdentifiers.quote;
import static dev.tandem.capture.SqlIdentifiers.quoteQualified;

import dev.tandem.capture.PgDatabase;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.util.Collection;
import java.util.stream.Collectors;

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
            for (String table : tables) {
                st.execute("DROP TRIGGER IF EXISTS " + triggerName() + " ON " + quoteQualified(table));
                st.execute("CREATE TRIGGER " + triggerName() + " BEFORE INSERT OR UPDATE OR DELETE OR TRUNCATE ON "
                        + quoteQualified(table) + " FOR EACH STATEMENT EXECUTE FUNCTION tandem.write_fence("
                        + literal("write_block_" + migration) + ", " + literal(migration) + ")");
            }
        }
        commitIfNeeded(c);
    }

    /** Removes the triggers and the flag (complete, cancel). */
    public void uninstall(Connection c, Collection<String> tables) throws SQLException {
        try (Statement st = c.createStatement()) {
            for (String table : tables) {
                st.execute("DROP TRIGGER IF EXISTS " + triggerName() + " ON " + quoteQualified(table));
            }
            st.execute("DROP SEQUENCE IF EXISTS " + flag());
        }
        commitIfNeeded(c);
    }

    /** Sets the block: from now on application statements on the tables fail. Not transactional. */
    public void block(Connection c) throws SQLException {
        set(c, 1);
    }

    /** Clears the block. Not transactional. */
    public void open(Connection c) throws SQLException {
        set(c, 0);
    }

    public boolean isBlocked(Connection c) throws SQLException {
        try (Statement st = c.createStatement(); ResultSet rs = st.executeQuery("SELECT last_value FROM " + flag())) {
            rs.next();
            return rs.getLong(1) == 1;
        }
    }

    /**
     * Waits until no transaction that wrote to the tables before the block is still open: a SHARE lock
     * conflicts with every writer's ROW EXCLUSIVE lock, so holding it for an instant proves they ended.
     * Fails with lock_not_available (55P03) when {@code timeout} passes first.
     */
    public void awaitInFlightWriters(Connection c, Collection<String> tables, Duration timeout) throws SQLException {
        boolean autoCommit = c.getAutoCommit();
        c.setAutoCommit(false);
        try (Statement st = c.createStatement()) {
            st.execute("SET LOCAL lock_timeout = " + Math.max(1, timeout.toMillis()));
            st.execute("LOCK TABLE " + tables.stream().map(t -> quoteQualified(t)).collect(Collectors.joining(", "))
                    + " IN SHARE MODE");
            c.commit();
        } catch (SQLException e) {
            c.rollback();
            throw e;
        } finally {
            c.setAutoCommit(autoCommit);
        }
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
