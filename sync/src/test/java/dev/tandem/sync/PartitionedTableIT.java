package dev.tandem.sync;

import static dev.tandem.sync.TestDatabases.awaitTrue;
import static dev.tandem.sync.TestDatabases.digest;
import static dev.tandem.sync.TestDatabases.exec;
import static dev.tandem.sync.TestDatabases.queryLong;
import static dev.tandem.sync.TestDatabases.queryString;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.tandem.capture.PgDatabase;
import dev.tandem.sync.control.TableStates;
import dev.tandem.sync.mapping.MappingParser;
import dev.tandem.sync.pipeline.Pipeline;
import dev.tandem.sync.pipeline.PipelineConfig;
import java.io.StringReader;
import java.sql.Connection;
import java.time.Duration;
import org.junit.jupiter.api.Test;

/**
 * A legacy table partitioned by range, mapped by its root, into a new table partitioned with other bounds: the backfill
 * reads every partition, streamed changes arrive under the root's name (also a row moving between partitions), and
 * a change published under a partition's own name stops the applier with that name instead of being lost. A
 * partition created empty goes unremarked; one attached with rows, or detached, pauses the mapped table, also when it
 * happened while tandem was stopped.
 */
class PartitionedTableIT {

    private static final String MAPPING = """
            tables:
              - target: app.events
                from: public.events e
                key: { id: e.id, day: e.day }
                columns: { kind: e.kind, payload: e.payload }
            """;
    private static final int ROWS = 20_000;

    @Test
    void everyPartitionIsCopiedAndStreamedUnderTheRoot() throws Exception {
        PgDatabase legacy = TestDatabases.fresh("part_legacy");
        PgDatabase app = TestDatabases.fresh("part_app");
        exec(legacy, "CREATE TABLE public.events (id bigint, day date, kind text NOT NULL, payload int, PRIMARY KEY (id, day)) "
                        + "PARTITION BY RANGE (day)",
                "CREATE TABLE public.events_2025 PARTITION OF public.events FOR VALUES FROM ('2025-01-01') TO ('2026-01-01')",
                "CREATE TABLE public.events_2026 PARTITION OF public.events FOR VALUES FROM ('2026-01-01') TO ('2027-01-01')",
                "INSERT INTO public.events SELECT g, date '2025-01-01' + (g % 730), 'k' || (g % 3), g FROM generate_series(1, "
                        + ROWS + ") g");
        exec(app, "CREATE SCHEMA app",
                "CREATE TABLE app.events (id bigint, day date, kind text NOT NULL, payload int, PRIMARY KEY (id, day)) "
                        + "PARTITION BY RANGE (day)",
                "CREATE TABLE app.events_early PARTITION OF app.events FOR VALUES FROM ('2025-01-01') TO ('2025-07-01')",
                "CREATE TABLE app.events_rest PARTITION OF app.events DEFAULT");
        PipelineConfig config = new PipelineConfig("part", legacy, app,
                MappingParser.parse("part.yaml", new StringReader(MAPPING)), TestDatabases.stack().kafka().bootstrapServers());
        try (Pipeline pipeline = new Pipeline(config)) {
            pipeline.start();
            assertEquals(ROWS, pipeline.rowsBackfilled(), "both partitions are copied");
            assertEquals("true", queryString(legacy, "SELECT pubviaroot::text FROM pg_publication WHERE pubname = 'tandem_part'"));

            exec(legacy, "UPDATE public.events SET payload = payload + 1 WHERE id % 20 = 0", // 1,000 rows, both partitions
                    "INSERT INTO public.events VALUES (" + (ROWS + 1) + ", '2025-03-01', 'k0', 1), (" + (ROWS + 2)
                            + ", '2026-03-01', 'k1', 2)",
                    "UPDATE public.events SET day = '2026-12-31', kind = 'k0' WHERE id = 5", // to the other partition
                    "DELETE FROM public.events WHERE id = 7");
            awaitTrue(Duration.ofSeconds(60), "app.events to equal public.events", () -> same(legacy, app));
            assertNull(pipeline.failure());
            assertEquals(1, queryLong(app, "SELECT count(*) FROM app.events_rest WHERE id = 5"),
                    "the moved row is in the new side's partition of its new day");

            // published under the partitions' own names, changes must not vanish: the applier stops naming the table
            exec(legacy, "ALTER PUBLICATION tandem_part SET (publish_via_partition_root = false)",
                    "UPDATE public.events SET payload = -1 WHERE id = 10");
            awaitTrue(Duration.ofSeconds(60), "the applier to stop on a change it cannot map", () -> pipeline.failure() != null);
            String message = pipeline.failure().getMessage();
            assertTrue(message.contains("public.events_2025") && message.contains("publish_via_partition_root"), message);
        }
    }

    @Test
    void aPartitionAttachedWithRowsOrDetachedPausesTheTableNamingIt() throws Exception {
        PgDatabase legacy = TestDatabases.fresh("part_attach_legacy");
        PgDatabase app = TestDatabases.fresh("part_attach_app");
        exec(legacy, "CREATE TABLE public.events (id bigint, day date, kind text NOT NULL, payload int, PRIMARY KEY (id, day)) "
                        + "PARTITION BY RANGE (day)",
                "CREATE TABLE public.events_2025 PARTITION OF public.events FOR VALUES FROM ('2025-01-01') TO ('2026-01-01')",
                "INSERT INTO public.events SELECT g, date '2025-01-01' + g % 300, 'k', g FROM generate_series(1, 500) g");
        exec(app, "CREATE SCHEMA app",
                "CREATE TABLE app.events (id bigint, day date, kind text NOT NULL, payload int, PRIMARY KEY (id, day))");
        PipelineConfig config = new PipelineConfig("part_attach", legacy, app,
                MappingParser.parse("part.yaml", new StringReader(MAPPING)), TestDatabases.stack().kafka().bootstrapServers());
        try (Pipeline pipeline = new Pipeline(config)) {
            pipeline.start();
            // the usual next partition, created empty and filled through the root: nothing to report
            exec(legacy, "CREATE TABLE public.events_2026 PARTITION OF public.events FOR VALUES FROM ('2026-01-01') TO "
                            + "('2027-01-01')",
                    "INSERT INTO public.events VALUES (1001, '2026-02-02', 'k', 1)");
            awaitTrue(Duration.ofSeconds(60), "the row in the new partition to arrive", () -> same(legacy, app));

            exec(legacy, "CREATE TABLE public.events_2024 (LIKE public.events INCLUDING ALL)",
                    "INSERT INTO public.events_2024 SELECT g, date '2024-03-01', 'old', g FROM generate_series(2001, 2005) g",
                    "ALTER TABLE public.events ATTACH PARTITION public.events_2024 FOR VALUES FROM ('2024-01-01') TO "
                            + "('2025-01-01')");
            awaitTrue(Duration.ofSeconds(60), "app.events to pause", () -> reason(app) != null);
            String attached = reason(app);
            assertTrue(attached.contains("public.events_2024 was attached with 5 rows that were never captured")
                    && !attached.contains("events_2026") && attached.contains("tandem resume --table app.events"), attached);

            // the operator brings the rows over and resumes
            exec(app, "INSERT INTO app.events SELECT g, date '2024-03-01', 'old', g FROM generate_series(2001, 2005) g");
            try (Connection c = app.connect("operator")) {
                new TableStates("part_attach").request(c, "app.events", TableStates.State.RESUME, "rows copied");
            }
            awaitTrue(Duration.ofSeconds(60), "app.events to resume", () -> reason(app) == null);
            exec(legacy, "UPDATE public.events SET payload = 0 WHERE id = 2001");
            awaitTrue(Duration.ofSeconds(60), "the attached partition's rows to stream", () -> same(legacy, app));

            exec(legacy, "ALTER TABLE public.events DETACH PARTITION public.events_2025");
            awaitTrue(Duration.ofSeconds(60), "app.events to pause again", () -> reason(app) != null);
            assertTrue(reason(app).contains("public.events_2025 was detached: its rows left public.events"), reason(app));
            assertNull(pipeline.failure());
        }
    }

    @Test
    void aPartitionChangedWhileTandemWasStoppedIsFoundAtTheNextStart() throws Exception {
        PgDatabase legacy = TestDatabases.fresh("part_stopped_legacy");
        PgDatabase app = TestDatabases.fresh("part_stopped_app");
        exec(legacy, "CREATE TABLE public.events (id bigint, day date, kind text NOT NULL, payload int, PRIMARY KEY (id, day)) "
                        + "PARTITION BY RANGE (day)",
                "CREATE TABLE public.events_2025 PARTITION OF public.events FOR VALUES FROM ('2025-01-01') TO ('2026-01-01')",
                "CREATE TABLE public.events_2026 PARTITION OF public.events FOR VALUES FROM ('2026-01-01') TO ('2027-01-01')",
                "INSERT INTO public.events SELECT g, date '2025-01-01' + g % 700, 'k', g FROM generate_series(1, 600) g");
        exec(app, "CREATE SCHEMA app",
                "CREATE TABLE app.events (id bigint, day date, kind text NOT NULL, payload int, PRIMARY KEY (id, day))");
        PipelineConfig config = new PipelineConfig("part_stopped", legacy, app,
                MappingParser.parse("part.yaml", new StringReader(MAPPING)), TestDatabases.stack().kafka().bootstrapServers());
        try (Pipeline pipeline = new Pipeline(config)) {
            pipeline.start();
            assertEquals("public.events: {public.events_2025,public.events_2026}", storedPartitions(app),
                    "the backfill stores the partitions it copied");
        }

        // stopped: the next partition is created empty (rows written through the root later reach the slot)
        exec(legacy, "CREATE TABLE public.events_2027 PARTITION OF public.events FOR VALUES FROM ('2027-01-01') TO "
                + "('2028-01-01')");
        try (Pipeline pipeline = new Pipeline(config)) {
            pipeline.start();
            assertNull(reason(app), "an empty new partition is no gap");
            assertEquals("public.events: {public.events_2025,public.events_2026,public.events_2027}", storedPartitions(app),
                    "the accepted partition is stored");
        }

        // stopped: a partition with rows is detached, another with rows is attached
        exec(legacy, "ALTER TABLE public.events DETACH PARTITION public.events_2026",
                "CREATE TABLE public.events_2024 (LIKE public.events INCLUDING ALL)",
                "INSERT INTO public.events_2024 SELECT g, date '2024-03-01', 'old', g FROM generate_series(2001, 2005) g",
                "ALTER TABLE public.events ATTACH PARTITION public.events_2024 FOR VALUES FROM ('2024-01-01') TO "
                        + "('2025-01-01')");
        try (Pipeline pipeline = new Pipeline(config)) {
            pipeline.start();
            String paused = reason(app);
            assertTrue(paused != null && paused.contains("public.events changed while tandem was stopped")
                    && paused.contains("public.events_2024 was attached with 5 rows that were never captured")
                    && paused.contains("public.events_2026 was detached: its rows left public.events")
                    && !paused.contains("events_2027") && paused.contains("tandem resume --table app.events"), paused);
            assertNull(pipeline.failure());
        }

        // a migration from before the partitions were stored: the current ones are stored, nothing is compared
        exec(app, "DELETE FROM tandem.partition_set", "DELETE FROM tandem.table_state");
        exec(legacy, "DROP TABLE public.events_2027");
        try (Pipeline pipeline = new Pipeline(config)) {
            pipeline.start();
            assertNull(reason(app), "without a stored set there is nothing to compare with");
            assertEquals("public.events: {public.events_2024,public.events_2025}", storedPartitions(app));
        }
    }

    private static String storedPartitions(PgDatabase app) throws java.sql.SQLException {
        return queryString(app, "SELECT string_agg(source_root || ': ' || (SELECT array_agg(l ORDER BY l) "
                + "FROM unnest(leaves) l)::text, '; ') FROM tandem.partition_set WHERE migration = 'part_stopped'");
    }

    private static String reason(PgDatabase app) {
        try {
            return queryString(app, "SELECT reason FROM tandem.table_state WHERE target_table = 'app.events'");
        } catch (java.sql.SQLException e) {
            throw new IllegalStateException(e);
        }
    }

    private static boolean same(PgDatabase legacy, PgDatabase app) {
        String columns = "id, day, kind, payload";
        return digest(legacy, "public.events", columns, "id").equals(digest(app, "app.events", columns, "id"));
    }
}
