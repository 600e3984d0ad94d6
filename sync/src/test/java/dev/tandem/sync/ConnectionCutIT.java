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
        exec(appDirect, "CREATE TABLE public.account (id int PRIMARY KEY, version int NOT NULL)",
                "CREATE TABLE public.history (seq bigserial PRIMARY KEY, id int, version int)",
                """
                CREATE FUNCTION public.remember() RETURNS trigger LANGUAGE plpgsql AS $$
                BEGIN INSERT INTO public.history (id, version) VALUES (NEW.id, NEW.version); RETURN NEW; END $$""",
                "CREATE TRIGGER remember AFTER INSERT OR UPDATE ON public.account FOR EACH ROW EXECUTE FUNCTION public.remember()");
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
                    awaitApplied(pipeline, 100);
                    assertTrue(proxy.cutAll() > 0, "no connection to cut");
                }
                proxy.delay(20);
                Thread.sleep(3_000);
                proxy.delay(0);
                awaitApplied(pipeline, 100);
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
        assertEquals(0, queryLong(appDirect, """
                SELECT count(*) FROM (SELECT id, version FROM public.history GROUP BY 1, 2 HAVING count(*) > 1) d"""),
                "a version was applied twice");
        assertEquals(0, queryLong(appDirect, """
                SELECT count(*) FROM (SELECT version, lag(version) OVER (PARTITION BY id ORDER BY seq) AS previous
                                      FROM public.history) h WHERE version <= previous"""),
                "a row went back to an older version");
    }

    private static void awaitApplied(Pipeline pipeline, long more) throws InterruptedException {
        long before = pipeline.applyStats().changesApplied();
        awaitTrue(Duration.ofSeconds(90), more + " more changes applied",
                () -> pipeline.applyStats().changesApplied() >= before + more);
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
