package dev.tandem.sync;

import static dev.tandem.sync.TestDatabases.awaitTrue;
import static dev.tandem.sync.TestDatabases.digest;
import static dev.tandem.sync.TestDatabases.exec;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.tandem.capture.PgDatabase;
import dev.tandem.sync.pipeline.Pipeline;
import dev.tandem.sync.pipeline.PipelineConfig;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.time.Duration;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;

/**
 * The fault the loopback-proxy tests inflict and how they judge it: under a workload on {@code public.account}, the
 * proxy cuts every connection through it three times, then delays them for 3 s; the new table must end equal to the
 * legacy one with no version applied twice or out of order.
 */
final class ProxyFaults {

    private ProxyFaults() {
    }

    /** {@code public.account} with 500 rows on legacy, empty with a history trigger on the new side. */
    static void createAccounts(PgDatabase legacy, PgDatabase app) throws Exception {
        exec(legacy, "CREATE TABLE public.account (id int PRIMARY KEY, version int NOT NULL)",
                "INSERT INTO public.account SELECT g, 1 FROM generate_series(1, 500) g");
        exec(app, "CREATE TABLE public.account (id int PRIMARY KEY, version int NOT NULL)");
        HistoryChecks.recordHistory(app, "public.account", "id");
    }

    /**
     * Runs {@code config}'s pipeline through the faults; {@code legacyDirect} and {@code appDirect} reach the databases
     * without the proxy (the workload and the checks).
     */
    static void cutAndDelay(PipelineConfig config, LoopbackProxy proxy, PgDatabase legacyDirect, PgDatabase appDirect,
                            String nothingToCut) throws Exception {
        AtomicBoolean writing = new AtomicBoolean(true);
        AtomicLong committed = new AtomicLong();
        Thread workload = new Thread(() -> write(legacyDirect, writing, committed), "workload");
        try (Pipeline pipeline = new Pipeline(config)) {
            pipeline.start();
            workload.start();
            for (int cut = 1; cut <= 3; cut++) {
                HistoryChecks.awaitApplied(pipeline, 100);
                assertTrue(proxy.cutAll() > 0, nothingToCut);
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
