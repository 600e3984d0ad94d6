package dev.tandem.sync;

import static dev.tandem.sync.TestDatabases.awaitTrue;
import static dev.tandem.sync.TestDatabases.digest;
import static dev.tandem.sync.TestDatabases.exec;
import static dev.tandem.sync.TestDatabases.queryLong;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;

import dev.tandem.capture.PgDatabase;
import dev.tandem.sync.mapping.MappingParser;
import dev.tandem.sync.mapping.TableMapping;
import dev.tandem.sync.pipeline.Pipeline;
import dev.tandem.sync.pipeline.PipelineConfig;
import java.io.StringReader;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * A large source transaction reaches a target table whose statistics say it is empty although it has pages: what
 * PostgreSQL's autovacuum records after a large target transaction rolled back (a restart or a kill while the applier
 * wrote it in parts), exactly before the applier writes it again. Planned on those statistics, a statement that joins
 * the batch with the table read the whole table once per row of every 5 000-change part (seen as a silent stall after
 * a PostgreSQL restart in a full test run); the applier's statements must stay proportional to the batch.
 */
class StaleStatisticsIT {

    private static final int ROWS = 60_000;

    /** Unfiltered, the upsert needs no join; filtered, it deletes rows that stop passing and joins the batch. */
    @ParameterizedTest
    @ValueSource(booleans = {false, true})
    void aLargeTransactionIntoATableAnalyzedAsEmptyArrivesInTime(boolean filtered) throws Exception {
        String name = filtered ? "stale_filtered" : "stale";
        PgDatabase legacy = TestDatabases.fresh(name + "_legacy");
        PgDatabase app = TestDatabases.fresh(name + "_app");
        exec(legacy, "CREATE TABLE public.item (id int PRIMARY KEY, note text NOT NULL)");
        exec(app, "CREATE TABLE public.item (id int PRIMARY KEY, note text NOT NULL)",
                // what a server-side prepared statement gets after its first executions, here from the first
                "ALTER DATABASE " + name + "_app SET plan_cache_mode = force_generic_plan");
        String kafka = TestDatabases.stack().kafka().bootstrapServers();
        PipelineConfig config = filtered
                ? new PipelineConfig(name, legacy, app, MappingParser.parse("filtered.yaml", new StringReader("""
                        tables:
                          - target: public.item
                            from: public.item i
                            key: { id: i.id }
                            columns: { note: i.note }
                            filter: i.id > 0
                        """)), kafka)
                : new PipelineConfig(name, legacy, app, List.of(new TableMapping("public.item", "public.item", Map.of())), kafka);
        try (Pipeline pipeline = new Pipeline(config)) {
            pipeline.start(); // the backfill's truncate is behind us: the table's statistics are what follows
            exec(app, "BEGIN", "INSERT INTO public.item SELECT g, 'rolled back' FROM generate_series(1, " + ROWS + ") g",
                    "ROLLBACK", "ANALYZE public.item");
            assertEquals(0, queryLong(app, "SELECT reltuples::bigint FROM pg_class WHERE oid = 'public.item'::regclass"),
                    "the target looks empty to the planner");
            exec(legacy, "INSERT INTO public.item SELECT g, 'row ' || g FROM generate_series(1, " + ROWS + ") g");
            String expected = digest(legacy, "public.item", "id, note", "id");
            awaitTrue(Duration.ofSeconds(90), "the transaction to arrive in parts",
                    () -> expected.equals(digest(app, "public.item", "id, note", "id")) || pipeline.failure() != null);
            assertNull(pipeline.failure());
            exec(legacy, "UPDATE public.item SET note = 'again' WHERE id % 2 = 0", "DELETE FROM public.item WHERE id % 3 = 0");
            String after = digest(legacy, "public.item", "id, note", "id");
            awaitTrue(Duration.ofSeconds(90), "a large update and a large delete to arrive",
                    () -> after.equals(digest(app, "public.item", "id, note", "id")) || pipeline.failure() != null);
            assertNull(pipeline.failure());
        }
    }
}
