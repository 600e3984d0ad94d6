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
import dev.tandem.sync.mapping.MappingParser;
import dev.tandem.sync.pipeline.Pipeline;
import dev.tandem.sync.pipeline.PipelineConfig;
import java.io.StringReader;
import java.time.Duration;
import org.junit.jupiter.api.Test;

/**
 * A legacy table partitioned by range, mapped by its root, into a new table partitioned with other bounds: the backfill
 * reads every partition, streamed changes arrive under the root's name (also a row moving between partitions), and
 * a change published under a partition's own name stops the applier with that name instead of being lost.
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

    private static boolean same(PgDatabase legacy, PgDatabase app) {
        String columns = "id, day, kind, payload";
        return digest(legacy, "public.events", columns, "id").equals(digest(app, "app.events", columns, "id"));
    }
}
