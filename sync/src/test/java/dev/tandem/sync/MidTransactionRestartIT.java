package dev.tandem.sync;

import static dev.tandem.sync.TestDatabases.awaitTrue;
import static dev.tandem.sync.TestDatabases.digest;
import static dev.tandem.sync.TestDatabases.exec;
import static dev.tandem.sync.TestDatabases.queryLong;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.tandem.capture.PgDatabase;
import dev.tandem.sync.mapping.TableMapping;
import dev.tandem.sync.pipeline.Pipeline;
import dev.tandem.sync.pipeline.PipelineConfig;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * PostgreSQL restarts while capture is in the middle of one large source transaction, so Debezium restarts
 * inside it. Resumed from inside, Debezium would number the rest of the transaction from 1 again and count only that
 * rest at its END; capture therefore commits its offsets only at transaction ends, and the restart replays the
 * transaction whole. Every row arrives, once, and nothing stops.
 */
class MidTransactionRestartIT {

    private static final int ROWS = 150_000;

    @Test
    void aRestartInsideALargeTransactionReplaysItWhole() throws Exception {
        PgDatabase legacy = TestDatabases.fresh("midtx_legacy");
        PgDatabase app = TestDatabases.fresh("midtx_app");
        exec(legacy, "CREATE TABLE public.item (id int PRIMARY KEY, note text NOT NULL)");
        exec(app, "CREATE TABLE public.item (id int PRIMARY KEY, note text NOT NULL)");
        PipelineConfig config = new PipelineConfig("midtx", legacy, app,
                List.of(new TableMapping("public.item", "public.item", Map.of())), TestDatabases.stack().kafka().bootstrapServers())
                .withCaptureOffsetFlush(Duration.ofMillis(100)); // offsets flushed often: a restart resumes near the cut
        try (Pipeline pipeline = new Pipeline(config)) {
            pipeline.start();
            long before = pipeline.envelopesCaptured();
            exec(legacy, "INSERT INTO public.item SELECT g, 'row ' || g FROM generate_series(1, " + ROWS + ") g");
            awaitTrue(Duration.ofSeconds(60), "capture to be inside the transaction",
                    () -> pipeline.envelopesCaptured() > before + ROWS / 10);
            long captured = pipeline.envelopesCaptured() - before;
            TestDatabases.stack().postgres().restart(); // walsender, applier and every other session cut at once
            assertTrue(captured < ROWS, "PostgreSQL restarted mid-transaction (" + captured + " of " + ROWS
                    + " envelopes captured)");
            String expected = digest(legacy, "public.item", "id, note", "id");
            awaitTrue(Duration.ofSeconds(120), "every row to arrive",
                    () -> expected.equals(digest(app, "public.item", "id, note", "id")) || pipeline.failure() != null);
            assertNull(pipeline.failure(), "the sync keeps going");
            assertEquals(ROWS, queryLong(app, "SELECT count(*) FROM public.item"));
        }
    }
}
