package dev.tandem.deploy.bench;

import dev.tandem.sync.mapping.TableMapping;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.List;
import java.util.Map;

/**
 * The table every part measures: {@code legacy.item} on the source, and its new shape {@code app.item}
 * (renamed columns) for tandem, or the same {@code legacy.item} shape for the native baselines.
 * Both targets may carry {@code visible_at}, stamped by a trigger when a row becomes visible there.
 */
final class BenchTable {

    static final String SOURCE = "legacy.item";
    static final String SOURCE_KEY = "item_id";
    static final String TARGET = "app.item";
    static final String TARGET_KEY = "id";

    private static final String SOURCE_COLUMNS = """
            item_id bigint PRIMARY KEY,
            cust_ref bigint NOT NULL,
            item_name text NOT NULL,
            qty integer NOT NULL,
            unit_price numeric(12,2) NOT NULL,
            note text,
            written_at timestamptz NOT NULL DEFAULT clock_timestamp()""";

    private BenchTable() {
    }

    /**
     * How tandem maps {@code legacy.item} to {@code app.item}: the one place to adapt when the mapping
     * spec grows (the columns' types stay; names change).
     */
    static List<TableMapping> mapping() {
        return List.of(new TableMapping(SOURCE, TARGET, Map.of(
                "item_id", "id",
                "cust_ref", "customer_id",
                "item_name", "name",
                "qty", "quantity",
                "unit_price", "price")));
    }

    /** {@code legacy.item} as the application writes it. */
    static void createSource(Connection c) throws SQLException {
        execute(c, "CREATE SCHEMA IF NOT EXISTS legacy",
                "CREATE TABLE legacy.item (" + SOURCE_COLUMNS + ")");
    }

    /** {@code app.item}, the new shape tandem writes. */
    static void createTandemTarget(Connection c) throws SQLException {
        execute(c, "CREATE SCHEMA IF NOT EXISTS app", """
                CREATE TABLE app.item (
                    id bigint PRIMARY KEY,
                    customer_id bigint NOT NULL,
                    name text NOT NULL,
                    quantity integer NOT NULL,
                    price numeric(12,2) NOT NULL,
                    note text,
                    written_at timestamptz NOT NULL,
                    visible_at timestamptz)""");
    }

    /** {@code legacy.item} on the subscriber, plus {@code visible_at}: native replication maps by name. */
    static void createNativeTarget(Connection c) throws SQLException {
        execute(c, "CREATE SCHEMA IF NOT EXISTS legacy",
                "CREATE TABLE legacy.item (" + SOURCE_COLUMNS + ", visible_at timestamptz)");
    }

    /**
     * Stamps {@code visible_at = clock_timestamp()} on every row written to {@code table}, also by a
     * logical replication apply worker (which runs with {@code session_replication_role = replica}).
     */
    static void stampVisibility(Connection c, String qualifiedTable) throws SQLException {
        String table = dev.tandem.capture.SqlIdentifiers.quoteQualified(qualifiedTable);
        execute(c, """
                CREATE OR REPLACE FUNCTION public.bench_stamp_visible() RETURNS trigger LANGUAGE plpgsql AS $$
                BEGIN
                    NEW.visible_at := clock_timestamp();
                    RETURN NEW;
                END $$""",
                "CREATE TRIGGER bench_visible BEFORE INSERT OR UPDATE ON " + table
                        + " FOR EACH ROW EXECUTE FUNCTION public.bench_stamp_visible()",
                "ALTER TABLE " + table + " ENABLE ALWAYS TRIGGER bench_visible");
    }

    /** Inserts source rows {@code ?..?} (inclusive), derived from their id. */
    static final String INSERT_RANGE = """
            INSERT INTO legacy.item (item_id, cust_ref, item_name, qty, unit_price, note)
            SELECT g, g % 10000, 'item ' || g, (g % 100)::int, (g % 1000) / 10.0 + 0.99,
                   CASE WHEN g % 3 = 0 THEN NULL ELSE md5(g::text) END
            FROM generate_series(?::bigint, ?::bigint) AS g""";

    /** Updates source rows {@code ?..?} (inclusive). */
    static final String UPDATE_RANGE = """
            UPDATE legacy.item SET qty = qty + 1, unit_price = unit_price + 0.01, note = 'updated'
            WHERE item_id BETWEEN ? AND ?""";

    /** True of a row {@link #UPDATE_RANGE} has changed, on the source and on both targets (all keep {@code note}). */
    static final String UPDATED = "note = 'updated'";

    /** Inserts one source row, stamped with the time it was written. */
    static final String INSERT_ONE = """
            INSERT INTO legacy.item (item_id, cust_ref, item_name, qty, unit_price, note, written_at)
            VALUES (?, ? % 10000, 'item ' || ?::text, 1, 9.99, 'steady', clock_timestamp())""";

    /** Rows per transaction of {@link #fill}: large enough for bulk speed, small enough to keep each commit short. */
    private static final long FILL_TRANSACTION_ROWS = 1_000_000;

    /**
     * Inserts source rows {@code 1..rows} into the empty {@code legacy.item} on {@code c} (autocommit on), then
     * freezes the table, so that what reads it first does not pay for setting hint bits.
     */
    static void fill(Connection c, long rows) throws SQLException {
        c.setAutoCommit(false);
        try (PreparedStatement ps = c.prepareStatement(INSERT_RANGE)) {
            for (long first = 1; first <= rows; first += FILL_TRANSACTION_ROWS) {
                ps.setLong(1, first);
                ps.setLong(2, Math.min(rows, first + FILL_TRANSACTION_ROWS - 1));
                ps.executeUpdate();
                c.commit();
            }
        } finally {
            c.setAutoCommit(true);
        }
        execute(c, "VACUUM (FREEZE, ANALYZE) legacy.item");
    }

    private static void execute(Connection c, String... statements) throws SQLException {
        try (Statement st = c.createStatement()) {
            for (String sql : statements) {
                st.execute(sql);
            }
        }
    }
}
