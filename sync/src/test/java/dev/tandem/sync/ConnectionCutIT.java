package dev.tandem.sync;

import static dev.tandem.sync.TestDatabases.awaitTrue;
import static dev.tandem.sync.TestDatabases.digest;
import static dev.tandem.sync.TestDatabases.exec;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.tandem.capture.PgDatabase;
import dev.tandem.sync.mapping.TableMapping;
import dev.tandem.sync.pipeline.Pipeline;
import dev.tandem.sync.pipeline.PipelineConfig;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;

/**
 * Every connection tandem holds to PostgreSQL (walsender, applier, setup) goes through a loopback
 * proxy that cuts them all several times and slows them down for a while, under a write workload
 * that bypasses the proxy. Nothing may be lost or applied twice.
 */
class ConnectionCutIT {

    @Test
    void cutAndSlowedConnectionsLoseAndDoubleNothing() throws Exception {
        PgDatabase legacyDirect = TestDatabases.fresh("cut_legacy");
        PgDatabase appDirect = TestDatabases.fresh("cut_app");
        exec(legacyDirect, "CREATE TABLE public.account (id int PRIMARY KEY, version int NOT NULL)",
                "INSERT INTO public.account SELECT g, 1 FROM generate_series(1, 500) g");
        exec(appDirect, "CREATE TABLE public.account (id int PRIMARY KEY, version int NOT NULL)");
        HistoryChecks.recordHistory(appDirect, "public.account", "id");
        AtomicBoolean writing = new AtomicBoolean(true);
        AtomicLong committed = new AtomicLong();
        try (LoopbackProxy proxy = new LoopbackProxy(legacyDirect.port())) {
            PgDatabase legacy = new PgDatabase("127.0.0.1", proxy.port(), "cut_legacy", "postgres", "");
            PgDatabase app = new PgDatabase("127.0.0.1", proxy.port(), "cut_app", "postgres", "");
            PipelineConfig config = new PipelineConfig("cut", legacy, app,
                    List.of(new TableMapping("public.account", "public.account", Map.of())),
                    TestDatabases.stack().kafka().bootstrapServers());
            Thread workload = new Thread(() -> write(legacyDirect, writing, committed), "workload");
            try (Pipeline pipeline = new Pipeline(config)) {
                pipeline.start();
                workload.start();
                for (int cut = 1; cut <= 3; cut++) {
                    HistoryChecks.awaitApplied(pipeline, 100);
                    assertTrue(proxy.cutAll() > 0, "no connection to cut");
                }
                proxy.delay(20);
                Thread.sleep(3_000);
                proxy.delay(0);
                HistoryChecks.awaitApplied(pipeline, 100);
                writing.set(false);
                workload.join();
                String expected = digest(legacyDirect, "public.account", "id, version", "id");
                awaitTrue(Duration.ofSeconds(90), "the new table to equal the legacy one",
                        () -> expected.equals(digest(appDirect, "public.account", "id, version", "id")));
                assertNull(pipeline.failure());
            } finally {
                writing.set(false);
            }
        }
        assertTrue(committed.get() > 100, "workload committed " + committed.get());
        HistoryChecks.assertNoDuplicateOrRegression(appDirect, "public");
    }


    private static void write(PgDatabase legacy, AtomicBoolean writing, AtomicLong committed) {
        try (Connection c = legacy.connect("workload");
             PreparedStatement update = c.prepareStatement("UPDATE public.account SET version = version + 1 WHERE id = ?")) {
            c.setAutoCommit(false);
            while (writing.get()) {
                for (int i = 0; i < 3; i++) {
                    update.setInt(1, 1 + ThreadLocalRandom.current().nextInt(500));
                    update.executeUpdate();
                }
                c.commit();
                committed.incrementAndGet();
                Thread.sleep(3);
            }
        } catch (Exception e) {
            throw new IllegalStateException("workload failed", e);
        }
    }
}
