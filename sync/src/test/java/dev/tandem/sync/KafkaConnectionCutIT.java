package dev.tandem.sync;

import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.tandem.capture.PgDatabase;
import dev.tandem.embedded.EmbeddedKafka;
import dev.tandem.sync.mapping.TableMapping;
import dev.tandem.sync.pipeline.PipelineConfig;
import java.io.IOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
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
        ProxyFaults.createAccounts(legacy, app);
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
            ProxyFaults.cutAndDelay(config, proxy, legacy, app, "no Kafka connection passed through the proxy to cut");
        }
    }

    /** A loopback port nothing listens on now, for the broker's proxied listener. */
    private static int freePort() throws IOException {
        try (ServerSocket socket = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            return socket.getLocalPort();
        }
    }
}
