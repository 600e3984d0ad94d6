package dev.tandem.sync;

import static dev.tandem.sync.TestDatabases.awaitTrue;
import static dev.tandem.sync.TestDatabases.digest;
import static dev.tandem.sync.TestDatabases.exec;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.tandem.capture.PgDatabase;
import dev.tandem.embedded.EmbeddedKafka;
import dev.tandem.sync.mapping.TableMapping;
import dev.tandem.sync.pipeline.Pipeline;
import dev.tandem.sync.pipeline.PipelineConfig;
import java.io.IOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.common.Node;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Every connection tandem holds to Kafka (capture's producer and offset store, the applier's consumer, the admin
 * client) goes through a loopback proxy: a broker of its own advertises the proxy's address on the listener the
 * pipeline uses, so clients stay on the proxy after bootstrap. The proxy cuts them all several times and slows them
 * down for a while, under a write workload on legacy. Nothing may be lost or applied twice.
 */
class KafkaConnectionCutIT {

    @Test
    void cutAndSlowedKafkaConnectionsLoseAndDoubleNothing(@TempDir Path dir) throws Exception {
        PgDatabase legacy = TestDatabases.fresh("kcut_legacy");
        PgDatabase app = TestDatabases.fresh("kcut_app");
        exec(legacy, "CREATE TABLE public.account (id int PRIMARY KEY, version int NOT NULL)",
                "INSERT INTO public.account SELECT g, 1 FROM generate_series(1, 500) g");
        exec(app, "CREATE TABLE public.account (id int PRIMARY KEY, version int NOT NULL)");
        HistoryChecks.recordHistory(app, "public.account", "id");
        AtomicBoolean writing = new AtomicBoolean(true);
        AtomicLong committed = new AtomicLong();
        int listener = freePort();
        try (LoopbackProxy proxy = new LoopbackProxy(listener);
             EmbeddedKafka kafka = EmbeddedKafka.startWithProxiedListener(dir.resolve("kafka"), listener, proxy.port())) {
            try (Admin admin = Admin.create(Map.of(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG,
                    kafka.proxiedBootstrapServers()))) {
                List<Integer> advertised = admin.describeCluster().nodes().get(60, TimeUnit.SECONDS).stream()
                        .map(Node::port).toList();
                assertEquals(List.of(proxy.port()), advertised, "a client bootstrapped through the proxy must be told to"
                        + " stay on it, or cutting the proxy's connections would miss the ones to the broker");
            }
            PipelineConfig config = new PipelineConfig("kcut", legacy, app,
                    List.of(new TableMapping("public.account", "public.account", Map.of())), kafka.proxiedBootstrapServers());
            Thread workload = new Thread(() -> write(legacy, writing, committed), "workload");
            try (Pipeline pipeline = new Pipeline(config)) {
                pipeline.start();
                workload.start();
                for (int cut = 1; cut <= 3; cut++) {
                    HistoryChecks.awaitApplied(pipeline, 100);
                    assertTrue(proxy.cutAll() > 0, "no Kafka connection passed through the proxy to cut");
                }
                proxy.delay(20);
                Thread.sleep(3_000);
                proxy.delay(0);
                HistoryChecks.awaitApplied(pipeline, 100);
                writing.set(false);
                workload.join();
                String expected = digest(legacy, "public.account", "id, version", "id");
                awaitTrue(Duration.ofSeconds(90), "the new table to equal the legacy one",
                        () -> expected.equals(digest(app, "public.account", "id, version", "id")));
                assertNull(pipeline.failure());
            } finally {
                writing.set(false);
            }
        }
        assertTrue(committed.get() > 100, "workload committed " + committed.get());
        HistoryChecks.assertNoDuplicateOrRegression(app, "public");
    }

    /** A loopback port nothing listens on now, for the broker's proxied listener. */
    private static int freePort() throws IOException {
        try (ServerSocket socket = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            return socket.getLocalPort();
        }
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
