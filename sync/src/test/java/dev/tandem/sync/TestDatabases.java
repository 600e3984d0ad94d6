package dev.tandem.sync;

import dev.tandem.capture.PgDatabase;
import dev.tandem.embedded.EmbeddedStack;
import dev.tandem.embedded.SharedTestStack;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.util.function.BooleanSupplier;

/** Test helpers: fresh databases in the shared embedded stack, SQL one-liners and condition waits. */
public final class TestDatabases {

    private TestDatabases() {
    }

    public static EmbeddedStack stack() {
        return SharedTestStack.get();
    }

    /** Creates (or recreates) a database and returns its address. */
    public static PgDatabase fresh(String name) throws SQLException {
        try (Connection c = stack().postgres().connect("postgres"); Statement st = c.createStatement()) {
            st.execute("DROP DATABASE IF EXISTS " + name + " WITH (FORCE)");
            st.execute("CREATE DATABASE " + name);
        }
        return new PgDatabase("127.0.0.1", stack().postgres().port(), name, "postgres", "");
    }

    public static void exec(PgDatabase db, String... sql) throws SQLException {
        try (Connection c = db.connect("test"); Statement st = c.createStatement()) {
            for (String s : sql) {
                st.execute(s);
            }
        }
    }

    public static String queryString(PgDatabase db, String sql) throws SQLException {
        try (Connection c = db.connect("test"); Statement st = c.createStatement(); ResultSet rs = st.executeQuery(sql)) {
            return rs.next() ? rs.getString(1) : null;
        }
    }

    public static long queryLong(PgDatabase db, String sql) throws SQLException {
        return Long.parseLong(queryString(db, sql));
    }

    /** Waits until {@code condition} holds; fails with {@code what} when it does not within {@code timeout}. */
    public static void awaitTrue(Duration timeout, String what, BooleanSupplier condition) throws InterruptedException {
        long deadline = System.nanoTime() + timeout.toNanos();
        while (!condition.getAsBoolean()) {
            if (System.nanoTime() > deadline) {
                throw new AssertionError("timed out after " + timeout.toSeconds() + " s waiting for " + what);
            }
            Thread.sleep(100);
        }
    }

    /** Count and content digest of a table's rows in key order, over the given column list. */
    public static String digest(PgDatabase db, String table, String columns, String orderBy) {
        try {
            return queryString(db, "SELECT count(*) || ':' || coalesce(md5(string_agg(r::text, E'\\n' ORDER BY "
                    + orderBy + ")), '') FROM (SELECT " + columns + " FROM " + table + ") r");
        } catch (SQLException e) {
            throw new IllegalStateException("cannot digest " + table + " in " + db, e);
        }
    }
}
