package dev.tandem.reconcile;

import static dev.tandem.capture.SqlIdentifiers.quote;
import static dev.tandem.reconcile.ReconcileFixture.exec;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.tandem.capture.PgDatabase;
import dev.tandem.capture.SqlIdentifiers;
import dev.tandem.embedded.SharedTestStack;
import dev.tandem.sync.fence.SourceFence;
import dev.tandem.sync.mapping.MappingParser;
import dev.tandem.sync.pipeline.Pipeline;
import dev.tandem.sync.pipeline.PipelineConfig;
import java.io.StringReader;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Random;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;

/**
 * Schema, table and column names with quotes, capitals, reserved words, dots, spaces and non-ASCII characters go
 * through capture (publication, Debezium's table filter, change events), the mapping, backfill, the applier and a
 * reconcile pass: both sides end equal and the pass is consistent.
 */
class WeirdIdentifiersIT {

    static final String SOURCE_SCHEMA = "Lëgacy \"src\".v1";
    static final String TARGET_SCHEMA = "select";
    static final List<String> FRAGMENTS = List.of("Order", "select", "we\"ird.name", "Ünïcode col", "has space", "FROM",
            "user", "ta,ble", "x$1", "日本");

    /** One generated table: its name, key column and value columns. */
    record WeirdTable(String name, String key, List<String> columns) {
        String source() {
            return quote(SOURCE_SCHEMA) + "." + quote(name);
        }

        String target() {
            return quote(TARGET_SCHEMA) + "." + quote(name);
        }
    }

    @Test
    void weirdNamesSyncAndReconcile() throws Exception {
        List<WeirdTable> tables = generate(new Random(20261124L), 5);
        PgDatabase legacy = ReconcileFixture.fresh("rc_weird_legacy");
        PgDatabase target = ReconcileFixture.fresh("rc_weird_new");
        exec(legacy, "CREATE SCHEMA " + quote(SOURCE_SCHEMA));
        exec(target, "CREATE SCHEMA " + quote(TARGET_SCHEMA));
        StringBuilder yaml = new StringBuilder("tables:\n");
        for (WeirdTable t : tables) {
            String columns = t.columns().stream().map(c -> quote(c) + " text").collect(Collectors.joining(", "));
            exec(legacy, "CREATE TABLE " + t.source() + " (" + quote(t.key()) + " bigint PRIMARY KEY, " + columns + ")",
                    "INSERT INTO " + t.source() + " SELECT g, " + t.columns().stream().map(c -> "'v' || g || " + literal(c))
                            .collect(Collectors.joining(", ")) + " FROM generate_series(1, 300) g");
            exec(target, "CREATE TABLE " + t.target() + " (" + quote(t.key()) + " bigint PRIMARY KEY, " + columns
                    + ", " + quote("Upper " + t.columns().get(0)) + " text)");
            yaml.append("  - target: ").append(yamlString(SqlIdentifiers.qualified(TARGET_SCHEMA, t.name()))).append('\n')
                    .append("    from: ").append(yamlString(SqlIdentifiers.qualified(SOURCE_SCHEMA, t.name()) + " c")).append('\n')
                    .append("    copy_same_named: true\n")
                    .append("    columns:\n")
                    .append("      ").append(yamlString("Upper " + t.columns().get(0))).append(": ")
                    .append(yamlString("upper(c." + quote(t.columns().get(0)) + ")")).append('\n');
        }
        PipelineConfig config = new PipelineConfig("weird", legacy, target,
                MappingParser.parse("weird.yaml", new StringReader(yaml.toString())), SharedTestStack.get().kafka().bootstrapServers());
        try (Pipeline pipeline = new Pipeline(config)) {
            pipeline.start();
            assertEquals(300L * tables.size(), pipeline.rowsBackfilled());
            for (WeirdTable t : tables) {
                String first = quote(t.columns().get(0));
                String last = quote(t.columns().get(t.columns().size() - 1));
                exec(legacy,
                        "INSERT INTO " + t.source() + " SELECT g, " + t.columns().stream().map(c -> "'new ' || g")
                                .collect(Collectors.joining(", ")) + " FROM generate_series(301, 340) g",
                        "UPDATE " + t.source() + " SET " + first + " = 'changed ' || " + quote(t.key()) + ", " + last + " = NULL WHERE "
                                + quote(t.key()) + " % 7 = 0",
                        "DELETE FROM " + t.source() + " WHERE " + quote(t.key()) + " % 11 = 0");
            }
            for (WeirdTable t : tables) {
                awaitEqual(legacy, target, t);
                assertEquals(count(legacy, "SELECT count(*) FROM " + t.source() + " WHERE " + quote(t.columns().get(0))
                        + " LIKE 'changed%'"), count(target, "SELECT count(*) FROM " + t.target() + " WHERE "
                        + quote("Upper " + t.columns().get(0)) + " LIKE 'CHANGED%'"), "the computed column follows in " + t.name());
            }
            assertNull(pipeline.failure());
            ReconcileSettings settings = new ReconcileSettings(Duration.ofMillis(300), 100, 5_000, 2, 3, Duration.ofSeconds(30),
                    200, 50, 1000, Duration.ZERO);
            Reconciler reconciler = new Reconciler("weird", legacy, target, pipeline.tables(), settings,
                    new SourceFence("weird", legacy, target));
            PassReport report = reconciler.verifyPass();
            assertTrue(report.consistent(), "weird names reconcile cleanly: " + report);
            assertEquals(tables.size(), report.tables().size());
            long expectedRows = 0;
            for (WeirdTable t : tables) {
                expectedRows += count(legacy, "SELECT count(*) FROM " + t.source());
            }
            assertEquals(expectedRows, report.rowsCompared(), "every row of every table was compared");

            exec(target, "UPDATE " + tables.get(0).target() + " SET " + quote(tables.get(0).columns().get(0)) + " = 'rogue' WHERE "
                    + quote(tables.get(0).key()) + " = 5");
            PassReport drift = reconciler.verifyPass();
            assertEquals(List.of("DIFFERENT [5] [" + tables.get(0).columns().get(0) + "]"),
                    drift.tables().stream().flatMap(r -> r.drift().stream())
                            .map(d -> d.kind() + " " + d.targetKey() + " " + d.columns()).toList(),
                    "a drifted row of a weirdly named table is found by key and column: " + drift);
        }
    }

    /** Tables and columns built from the fragments with a fixed seed; every name is distinct and fits 63 bytes. */
    static List<WeirdTable> generate(Random random, int count) {
        List<WeirdTable> tables = new ArrayList<>();
        LinkedHashSet<String> tableNames = new LinkedHashSet<>(List.of("Order", "we\"ird.name", "has space", "Ünïcode tbl",
                "ta,ble (x|y)*"));
        for (String name : tableNames) {
            if (tables.size() == count) {
                break;
            }
            LinkedHashSet<String> columns = new LinkedHashSet<>();
            while (columns.size() < 3) {
                String column = FRAGMENTS.get(random.nextInt(FRAGMENTS.size()));
                if (random.nextBoolean()) {
                    column = column + " " + FRAGMENTS.get(random.nextInt(FRAGMENTS.size()));
                }
                columns.add(column);
            }
            String key = random.nextBoolean() ? "Key \"" + name + "\"" : "select";
            columns.remove(key);
            tables.add(new WeirdTable(name, key, List.copyOf(columns)));
        }
        return tables;
    }

    private static void awaitEqual(PgDatabase legacy, PgDatabase target, WeirdTable t) throws Exception {
        String columns = quote(t.key()) + ", " + t.columns().stream().map(SqlIdentifiers::quote).collect(Collectors.joining(", "));
        long deadline = System.nanoTime() + Duration.ofSeconds(60).toNanos();
        String expected = digest(legacy, t.source(), columns, quote(t.key()));
        String actual = digest(target, t.target(), columns, quote(t.key()));
        while (!expected.equals(actual)) {
            if (System.nanoTime() > deadline) {
                throw new AssertionError(t.name() + ": target " + actual + " never reached source " + expected);
            }
            Thread.sleep(100);
            actual = digest(target, t.target(), columns, quote(t.key()));
        }
    }

    private static String digest(PgDatabase db, String table, String columns, String key) throws SQLException {
        try (Connection c = db.connect("test"); Statement st = c.createStatement();
             ResultSet rs = st.executeQuery("SELECT count(*) || ':' || coalesce(md5(string_agg(r::text, E'\\n' ORDER BY r."
                     + key + ")), '') FROM (SELECT " + columns + " FROM " + table + ") r")) {
            rs.next();
            return rs.getString(1);
        }
    }

    private static long count(PgDatabase db, String sql) throws SQLException {
        return ReconcileFixture.queryLong(db, sql);
    }

    private static String literal(String text) {
        return "'" + text.replace("'", "''") + "'";
    }

    private static String yamlString(String text) {
        return "'" + text.replace("'", "''") + "'";
    }
}
