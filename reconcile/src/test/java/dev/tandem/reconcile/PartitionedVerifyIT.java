package dev.tandem.reconcile;

import static dev.tandem.reconcile.ReconcileFixture.exec;
import static dev.tandem.reconcile.ReconcileFixture.queryLong;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.tandem.capture.PgDatabase;
import dev.tandem.embedded.SharedTestStack;
import dev.tandem.reconcile.repair.RepairReport;
import dev.tandem.reconcile.repair.Repairer;
import dev.tandem.sync.fence.SourceFence;
import dev.tandem.sync.mapping.MappingParser;
import dev.tandem.sync.pipeline.Pipeline;
import dev.tandem.sync.pipeline.PipelineConfig;
import java.io.StringReader;
import java.time.Duration;
import java.util.Set;
import org.junit.jupiter.api.Test;

/**
 * Verification reads a partitioned table on either side through its root: a pass over a legacy table partitioned by
 * range and a new one partitioned by other bounds compares every row in several chunks, finds a row changed in one
 * partition of the new side by its key, and repair writes it back through the root.
 */
class PartitionedVerifyIT {

    private static final String MAPPING = """
            tables:
              - target: app.events
                from: public.events e
                key: { id: e.id, day: e.day }
                columns: { payload: e.payload }
            """;

    @Test
    void aPassComparesEveryPartitionAndRepairsThroughTheRoot() throws Exception {
        PgDatabase legacy = ReconcileFixture.fresh("rc_part_legacy");
        PgDatabase target = ReconcileFixture.fresh("rc_part_new");
        exec(legacy, "CREATE TABLE public.events (id bigint, day date, payload int, PRIMARY KEY (id, day)) PARTITION BY RANGE (day)",
                "CREATE TABLE public.events_2025 PARTITION OF public.events FOR VALUES FROM ('2025-01-01') TO ('2026-01-01')",
                "CREATE TABLE public.events_2026 PARTITION OF public.events FOR VALUES FROM ('2026-01-01') TO ('2027-01-01')",
                "INSERT INTO public.events SELECT g, date '2025-01-01' + g % 700, g FROM generate_series(1, 12000) g",
                "ANALYZE public.events");
        exec(target, "CREATE SCHEMA app",
                "CREATE TABLE app.events (id bigint, day date, payload int, PRIMARY KEY (id, day)) PARTITION BY RANGE (day)",
                "CREATE TABLE app.events_h1 PARTITION OF app.events FOR VALUES FROM ('2025-01-01') TO ('2025-07-01')",
                "CREATE TABLE app.events_rest PARTITION OF app.events DEFAULT");
        PipelineConfig config = new PipelineConfig("rc_part", legacy, target,
                MappingParser.parse("part.yaml", new StringReader(MAPPING)), SharedTestStack.get().kafka().bootstrapServers());
        try (Pipeline pipeline = new Pipeline(config)) {
            pipeline.start();
            ReconcileSettings settings = new ReconcileSettings(Duration.ofMillis(300), 2_000, 5_000, 2, 3,
                    Duration.ofSeconds(30), 200, 50, 1000, Duration.ZERO);
            Reconciler reconciler = new Reconciler("rc_part", legacy, target, pipeline.tables(), settings,
                    new SourceFence("rc_part", legacy, target));
            exec(legacy, "UPDATE public.events SET payload = -payload WHERE id % 100 = 0");
            PassReport clean = reconciler.verifyPass();
            assertTrue(clean.consistent(), "both sides agree: " + clean);
            assertEquals(12_000, clean.rowsCompared(), "every row of every partition is compared: " + clean);

            exec(target, "UPDATE app.events SET payload = 7 WHERE id = 5000");
            String day = ReconcileFixture.queryString(target, "SELECT day FROM app.events WHERE id = 5000");
            PassReport rogue = reconciler.verifyPass();
            assertEquals(Set.of("DIFFERENT [5000, " + day + "] [payload]"),
                    ReconcileFixture.described(rogue.tables().get(0).drift()));
            RepairReport repaired = new Repairer(reconciler, legacy, target, new SourceFence("rc_part", legacy, target),
                    Duration.ofSeconds(30)).repair(pipeline.tables().get(0), rogue.tables().get(0).drift(), false);
            assertTrue(repaired.remaining().isEmpty(), repaired.toString());
            assertTrue(reconciler.verifyPass().consistent());
            assertEquals(5000, queryLong(target, "SELECT -payload FROM app.events WHERE id = 5000"));
        }
    }
}
