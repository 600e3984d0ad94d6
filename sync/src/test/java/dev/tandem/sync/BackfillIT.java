package dev.tandem.sync;

import static dev.tandem.sync.TestDatabases.awaitTrue;
import static dev.tandem.sync.TestDatabases.digest;
import static dev.tandem.sync.TestDatabases.exec;
import static dev.tandem.sync.TestDatabases.queryLong;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.tandem.capture.PgDatabase;
import dev.tandem.sync.backfill.BackfillProgress;
import dev.tandem.sync.backfill.BackfillSettings;
import dev.tandem.sync.mapping.MappingParser;
import dev.tandem.sync.mapping.MappingSpec;
import dev.tandem.sync.pipeline.Pipeline;
import dev.tandem.sync.pipeline.PipelineConfig;
import java.io.StringReader;
import java.sql.Connection;
import java.sql.Statement;
import java.time.Duration;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;

/**
 * Chunked, parallel backfill of several tables (bigint, composite, uuid and text keys, one of them
 * projected in the target) while a write workload changes all of them: once the stream has caught
 * up, every target table equals its source, and every chunk was copied once under the snapshot.
 */
class BackfillIT {

    static final String MAPPING = """
            tables:
              - target: app.orders
                from: legacy.orders o
                copy_same_named: true
              - target: app.lines
                from: legacy.lines l
                copy_same_named: true
              - target: app.devices
                from: legacy.devices d
                copy_same_named: true
              - target: app.codes
                from: legacy.codes c
                copy_same_named: true
                columns:
                  label_lower: lower(c.label)
            """;

    @Test
    void severalTablesCopiedUnderWritesEqualTheSource() throws Exception {
        PgDatabase legacy = TestDatabases.fresh("bf_legacy");
        PgDatabase app = TestDatabases.fresh("bf_app");
        exec(legacy, "CREATE SCHEMA legacy",
                "CREATE TABLE legacy.orders (id bigint PRIMARY KEY, version int NOT NULL, amount numeric(12,2))",
                "CREATE TABLE legacy.lines (order_id int, line text, qty int NOT NULL, PRIMARY KEY (order_id, line))",
                "CREATE TABLE legacy.devices (id uuid PRIMARY KEY, name text)",
                "CREATE TABLE legacy.codes (code text PRIMARY KEY, label text)",
                "INSERT INTO legacy.orders SELECT g, 1, g / 7.0 FROM generate_series(1, 20000) g",
                "INSERT INTO legacy.lines SELECT g % 2000, 'line-' || g, g FROM generate_series(1, 20000) g",
                "INSERT INTO legacy.devices SELECT gen_random_uuid(), 'device ' || g FROM generate_series(1, 10000) g",
                "INSERT INTO legacy.codes SELECT 'C-' || md5(g::text), 'Label ' || g FROM generate_series(1, 10000) g");
        exec(app, "CREATE SCHEMA app",
                "CREATE TABLE app.orders (id bigint PRIMARY KEY, version int NOT NULL, amount numeric(12,2))",
                "CREATE TABLE app.lines (order_id int, line text, qty int NOT NULL, PRIMARY KEY (order_id, line))",
                "CREATE TABLE app.devices (id uuid PRIMARY KEY, name text)",
                "CREATE TABLE app.codes (code text PRIMARY KEY, label text, label_lower text)");
        MappingSpec mapping = MappingParser.parse("backfill.yaml", new StringReader(MAPPING));
        // a budget stretches the copy over a few seconds so the workload surely overlaps it
        PipelineConfig config = new PipelineConfig("bf", legacy, app, mapping, TestDatabases.stack().kafka().bootstrapServers())
                .withBackfill(3, BackfillSettings.DEFAULTS.withChunkRows(2_000).withRowsPerSecond(25_000));

        AtomicBoolean writing = new AtomicBoolean(true);
        AtomicLong transactions = new AtomicLong();
        Thread workload = new Thread(() -> write(legacy, writing, transactions), "workload");
        workload.start();
        try (Pipeline pipeline = new Pipeline(config)) {
            pipeline.start();
            long duringBackfill = transactions.get();
            Thread.sleep(500);
            writing.set(false);
            workload.join();
            assertTrue(duringBackfill > 20, "only " + duringBackfill + " workload transactions overlapped the backfill");

            awaitEqual(legacy, app, "orders", "id, version, amount", "id");
            awaitEqual(legacy, app, "lines", "order_id, line, qty", "order_id, line");
            awaitEqual(legacy, app, "devices", "id, name", "id");
            awaitEqual(legacy, app, "codes", "code, label, lower(label)", "code");
            assertEquals(0, queryLong(app, "SELECT count(*) FROM app.codes WHERE label_lower IS DISTINCT FROM lower(label)"));
            assertNull(pipeline.failure());

            BackfillProgress.TableProgress overall = pipeline.backfillProgress().overall();
            assertTrue(overall.done(), "progress: " + overall);
            assertTrue(overall.rowsCopied() >= 60_000, "rows copied under the snapshot: " + overall);
            assertEquals(overall.rowsCopied(), queryLong(app, "SELECT sum(rows_copied) FROM tandem.backfill_chunk "
                    + "WHERE migration = 'bf'"), "progress counts what the ledger recorded");
            assertEquals(overall.rowsCopied(), overall.rowsEstimated(), "the estimate ends at the real count");
            assertEquals(0.0, overall.etaSeconds());
            assertEquals(4, pipeline.backfillProgress().tables().size());
        }
        assertEquals(0, queryLong(app, "SELECT count(*) FROM tandem.backfill_chunk WHERE migration = 'bf' "
                + "AND copied_at IS NULL"), "every chunk copied");
        assertEquals(1, queryLong(app, "SELECT count(DISTINCT snapshot_lsn) FROM tandem.backfill_chunk "
                + "WHERE migration = 'bf'"), "every chunk copied under the one snapshot");
        assertEquals(4, queryLong(app, "SELECT count(DISTINCT target_table) FROM tandem.backfill_chunk "
                + "WHERE migration = 'bf'"));
        assertTrue(queryLong(app, "SELECT count(*) FROM tandem.backfill_chunk WHERE migration = 'bf'") >= 20,
                "tables were split into chunks");
        assertEquals(queryLong(app, "SELECT sum(rows_copied) FROM tandem.backfill_chunk WHERE migration = 'bf'"),
                queryLong(app, "SELECT sum(rows_copied) FROM tandem.backfill WHERE migration = 'bf'"));
    }

    private static void awaitEqual(PgDatabase legacy, PgDatabase app, String table, String columns, String key)
            throws InterruptedException {
        String expected = digest(legacy, "legacy." + table, columns, key);
        awaitTrue(Duration.ofSeconds(60), "app." + table + " to equal legacy." + table,
                () -> expected.equals(digest(app, "app." + table, columns, key)));
    }

    /** Updates, inserts and deletes in every table, a few statements per transaction. */
    private static void write(PgDatabase legacy, AtomicBoolean writing, AtomicLong transactions) {
        try (Connection c = legacy.connect("workload"); Statement st = c.createStatement()) {
            c.setAutoCommit(false);
            ThreadLocalRandom random = ThreadLocalRandom.current();
            long next = 100_000;
            while (writing.get()) {
                int id = 1 + random.nextInt(20_000);
                st.execute("UPDATE legacy.orders SET version = version + 1, amount = amount + 1 WHERE id = " + id);
                st.execute("INSERT INTO legacy.orders VALUES (" + next++ + ", 1, 5)");
                st.execute("UPDATE legacy.lines SET qty = qty + 1 WHERE order_id = " + random.nextInt(2_000));
                st.execute("DELETE FROM legacy.lines WHERE order_id = " + random.nextInt(2_000) + " AND line = 'line-"
                        + random.nextInt(20_000) + "'");
                st.execute("UPDATE legacy.devices SET name = name || '+' WHERE id = (SELECT id FROM legacy.devices "
                        + "TABLESAMPLE SYSTEM (1) LIMIT 1)");
                st.execute("INSERT INTO legacy.codes VALUES ('N-" + next + "', 'New " + next + "')");
                st.execute("UPDATE legacy.codes SET label = label || 'X' WHERE code = 'C-' || md5('" + random.nextInt(10_000)
                        + "')");
                c.commit();
                transactions.incrementAndGet();
                Thread.sleep(5);
            }
        } catch (Exception e) {
            throw new IllegalStateException("workload failed", e);
        }
    }
}
