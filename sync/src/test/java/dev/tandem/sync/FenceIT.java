package dev.tandem.sync;

import static dev.tandem.sync.TestDatabases.digest;
import static dev.tandem.sync.TestDatabases.exec;
import static dev.tandem.sync.TestDatabases.queryLong;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.tandem.capture.PgDatabase;
import dev.tandem.sync.fence.SourceFence;
import dev.tandem.sync.mapping.TableMapping;
import dev.tandem.sync.pipeline.Pipeline;
import dev.tandem.sync.pipeline.PipelineConfig;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeoutException;
import org.junit.jupiter.api.Test;

/** A fence written on the source returns only once the applier has applied everything committed before it. */
class FenceIT {

    @Test
    void aPassedFenceMeansEverythingBeforeItIsApplied() throws Exception {
        PgDatabase legacy = TestDatabases.fresh("fence_legacy");
        PgDatabase app = TestDatabases.fresh("fence_app");
        exec(legacy, "CREATE TABLE public.counter (id int PRIMARY KEY, n bigint NOT NULL)",
                "INSERT INTO public.counter SELECT g, 0 FROM generate_series(1, 50) g");
        exec(app, "CREATE TABLE public.counter (id int PRIMARY KEY, n bigint NOT NULL)");
        PipelineConfig config = new PipelineConfig("fence", legacy, app,
                List.of(new TableMapping("public.counter", "public.counter", Map.of())),
                TestDatabases.stack().kafka().bootstrapServers());
        SourceFence fence = new SourceFence("fence", legacy, app);
        try (Pipeline pipeline = new Pipeline(config)) {
            pipeline.start();
            for (int round = 1; round <= 5; round++) {
                exec(legacy, "UPDATE public.counter SET n = n + 1", "DELETE FROM public.counter WHERE id = " + round,
                        "INSERT INTO public.counter VALUES (" + (100 + round) + ", " + round + ")");
                fence.await(Duration.ofSeconds(60));
                // No waiting here: the fence has passed, so the target must already hold every write above.
                assertEquals(digest(legacy, "public.counter", "id, n", "id"), digest(app, "public.counter", "id, n", "id"),
                        "after fence round " + round);
            }
            assertEquals(0, queryLong(app, "SELECT count(*) FROM tandem.fence_seen"), "each waiter clears its fence");

            pipeline.stopApplier();
            exec(legacy, "UPDATE public.counter SET n = n + 1");
            TimeoutException stuck = assertThrows(TimeoutException.class, () -> fence.await(Duration.ofSeconds(3)));
            assertTrue(stuck.getMessage().contains("did not apply fence"), stuck.getMessage());

            pipeline.startApplier();
            fence.await(Duration.ofSeconds(60));
            assertEquals(digest(legacy, "public.counter", "id, n", "id"), digest(app, "public.counter", "id, n", "id"));
        }
    }
}
