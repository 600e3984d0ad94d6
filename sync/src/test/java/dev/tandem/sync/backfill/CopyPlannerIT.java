package dev.tandem.sync.backfill;

import static dev.tandem.sync.TestDatabases.exec;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.tandem.capture.PgDatabase;
import dev.tandem.sync.TestDatabases;
import dev.tandem.sync.mapping.CompiledTable;
import dev.tandem.sync.mapping.MappingCompiler;
import dev.tandem.sync.mapping.MappingSpec;
import dev.tandem.sync.mapping.TableMapping;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * Chunk plans on the real database for integer, composite, uuid and text keys (skewed on purpose):
 * the ranges cover every row exactly once and hold about equal row counts.
 */
class CopyPlannerIT {

    private static final int ROWS = 30_000;
    private static final long CHUNK_ROWS = 3_000;
    private static PgDatabase legacy;
    private static PgDatabase app;

    @BeforeAll
    static void tables() throws Exception {
        legacy = TestDatabases.fresh("plan_legacy");
        app = TestDatabases.fresh("plan_app");
        String[] ddl = {
            "CREATE TABLE s.int_key (id bigint PRIMARY KEY, v text)",
            "CREATE TABLE s.composite_key (tenant int, name text, v text, PRIMARY KEY (tenant, name))",
            "CREATE TABLE s.uuid_key (id uuid PRIMARY KEY, v text)",
            "CREATE TABLE s.text_key (code varchar(40) PRIMARY KEY, v text)",
            "CREATE TABLE s.partitioned (id bigint, day date, v text, PRIMARY KEY (id, day)) PARTITION BY RANGE (day)",
            "CREATE TABLE s.partitioned_a PARTITION OF s.partitioned FOR VALUES FROM ('2025-01-01') TO ('2025-04-01')",
            "CREATE TABLE s.partitioned_b PARTITION OF s.partitioned FOR VALUES FROM ('2025-04-01') TO ('2026-01-01')"};
        exec(legacy, "CREATE SCHEMA s");
        exec(app, "CREATE SCHEMA s");
        exec(legacy, ddl);
        exec(app, ddl);
        exec(legacy,
                // gaps and a dense cluster: min/max splitting would be badly uneven here
                "INSERT INTO s.int_key SELECT CASE WHEN g % 3 = 0 THEN g * 1000 ELSE g END, 'x' FROM generate_series(1, "
                        + ROWS + ") g",
                // three tenants of very different sizes: the split must happen inside the big one
                "INSERT INTO s.composite_key SELECT CASE WHEN g <= 100 THEN 1 WHEN g <= 200 THEN 2 ELSE 3 END, "
                        + "'name-' || md5(g::text), 'x' FROM generate_series(1, " + ROWS + ") g",
                "INSERT INTO s.uuid_key SELECT gen_random_uuid(), 'x' FROM generate_series(1, " + ROWS + ") g",
                // a shared prefix, mixed case, non-ASCII and quotes in the key values
                "INSERT INTO s.text_key SELECT 'Kunde-' || CASE WHEN g % 2 = 0 THEN 'ä' ELSE 'Z''' END || md5(g::text), 'x'"
                        + " FROM generate_series(1, " + ROWS + ") g",
                // most rows in one partition, keys interleaved across both
                "INSERT INTO s.partitioned SELECT g, date '2025-01-01' + (g % 365), 'x' FROM generate_series(1, " + ROWS
                        + ") g");
    }

    @Test
    void aPartitionedTableSplitsEvenlyOverAllItsPartitions() throws Exception {
        checkPlan("s.partitioned");
    }

    @Test
    void aPartitionedTablesRowsAreEstimatedFromItsPartitionsStatistics() throws Exception {
        String ddl = "CREATE TABLE s.part_estimate (id bigint PRIMARY KEY, v text) PARTITION BY RANGE (id)";
        String[] parts = {"CREATE TABLE s.part_estimate_a PARTITION OF s.part_estimate FOR VALUES FROM (0) TO (10000) "
                + "WITH (autovacuum_enabled = false)", "CREATE TABLE s.part_estimate_b PARTITION OF s.part_estimate "
                + "FOR VALUES FROM (10000) TO (100000) WITH (autovacuum_enabled = false)"};
        exec(app, ddl);
        exec(legacy, ddl);
        exec(legacy, parts);
        exec(legacy, "INSERT INTO s.part_estimate SELECT g, 'x' FROM generate_series(1, 20000) g", "ANALYZE s.part_estimate",
                // statistics are not updated by a delete: an estimate still says about 20,000, a count 10,000
                "DELETE FROM s.part_estimate WHERE id % 2 = 0");
        try (Connection src = legacy.connect("test"); Connection dst = app.connect("test")) {
            long estimate = CopyPlanner.estimateRows(src, compile(src, dst, "s.part_estimate"));
            assertTrue(estimate > 18_000 && estimate < 22_000, "estimated from both partitions' statistics: " + estimate);
        }
    }

    @Test
    void integerKeysWithGapsSplitEvenly() throws Exception {
        checkPlan("s.int_key");
    }

    @Test
    void compositeKeysSplitInsideOneLeadingValue() throws Exception {
        checkPlan("s.composite_key");
    }

    @Test
    void uuidKeysSplitEvenly() throws Exception {
        checkPlan("s.uuid_key");
    }

    @Test
    void textKeysSplitEvenly() throws Exception {
        checkPlan("s.text_key");
    }

    @Test
    void aSmallTableIsOneChunk() throws Exception {
        exec(legacy, "CREATE TABLE IF NOT EXISTS s.tiny (id int PRIMARY KEY)", "INSERT INTO s.tiny VALUES (1), (2)");
        exec(app, "CREATE TABLE IF NOT EXISTS s.tiny (id int PRIMARY KEY)");
        try (Connection src = legacy.connect("test"); Connection dst = app.connect("test")) {
            CompiledTable table = compile(src, dst, "s.tiny");
            List<Chunk> chunks = CopyPlanner.plan(src, table, CHUNK_ROWS);
            assertEquals(1, chunks.size());
            assertEquals("true", CopyRange.predicate(table.sourceKey(), CopyPlanner.keyTypes(src, table), chunks.get(0)));
        }
    }

    private static void checkPlan(String name) throws Exception {
        try (Connection src = legacy.connect("test"); Connection dst = app.connect("test")) {
            CompiledTable table = compile(src, dst, name);
            List<String> types = CopyPlanner.keyTypes(src, table);
            List<Chunk> chunks = CopyPlanner.plan(src, table, CHUNK_ROWS);
            assertTrue(chunks.size() >= 8 && chunks.size() <= 10, name + " planned " + chunks.size() + " chunks");
            List<String> predicates = new ArrayList<>();
            List<Long> counts = new ArrayList<>();
            for (Chunk chunk : chunks) {
                String predicate = CopyRange.predicate(table.sourceKey(), types, chunk);
                predicates.add("(" + predicate + ")");
                counts.add(count(src, "SELECT count(*) FROM " + name + " WHERE " + predicate));
            }
            assertEquals(ROWS, counts.stream().mapToLong(Long::longValue).sum(), name + ": rows counted over all chunks " + counts + " " + chunks);
            assertEquals(0, count(src, "SELECT count(*) FROM " + name + " WHERE NOT (" + String.join(" OR ", predicates)
                    + ")"), name + ": rows in no chunk");
            long expected = ROWS / chunks.size();
            for (int i = 0; i < counts.size(); i++) {
                assertTrue(counts.get(i) > expected / 2 && counts.get(i) < expected * 3 / 2,
                        name + " chunk " + i + " holds " + counts.get(i) + " rows, expected about " + expected + ": " + counts);
            }
        }
    }

    private static CompiledTable compile(Connection src, Connection dst, String name) throws SQLException {
        return MappingCompiler.compile(MappingSpec.of(List.of(new TableMapping(name, name, Map.of()))), src, dst).get(0);
    }

    private static long count(Connection c, String sql) throws SQLException {
        try (Statement st = c.createStatement(); ResultSet rs = st.executeQuery(sql)) {
            rs.next();
            return rs.getLong(1);
        }
    }
}
