package dev.tandem.embedded;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.TimeUnit;

import kafka.server.KafkaConfig;
import kafka.server.KafkaRaftServer;
import org.apache.kafka.common.Uuid;
import org.apache.kafka.common.utils.Time;
import org.apache.kafka.metadata.storage.Formatter;
import org.apache.kafka.server.common.MetadataVersion;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A real single-node Kafka broker (KRaft, broker and controller in one) running inside this JVM on loopback; the only
 * class in tandem that touches Kafka's internal server APIs.
 */
public final class EmbeddedKafka implements AutoCloseable {

    private static final Logger log = LoggerFactory.getLogger(EmbeddedKafka.class);

    private static final int NODE_ID = 1;
    private static final String BROKER_LISTENER = "PLAINTEXT";
    private static final String CONTROLLER_LISTENER = "CONTROLLER";
    /** The optional listener whose advertised address is a proxy's, for fault tests that cut client connections. */
    private static final String PROXIED_LISTENER = "PROXIED";
    private static final String HOST = "127.0.0.1";
    /** Written by the formatter; its presence means the log directory is formatted. */
    private static final String META_PROPERTIES = "meta.properties";

    private final Path logDir;
    private final int brokerPort;
    private final int controllerPort;
    /** The proxied listener's own port and the port it advertises, or 0 for a broker without one. */
    private final int proxiedPort;
    private final int proxiedAdvertisedPort;
    private KafkaRaftServer server;

    private EmbeddedKafka(Path logDir, int brokerPort, int controllerPort, int proxiedPort, int proxiedAdvertisedPort) {
        this.logDir = logDir;
        this.brokerPort = brokerPort;
        this.controllerPort = controllerPort;
        this.proxiedPort = proxiedPort;
        this.proxiedAdvertisedPort = proxiedAdvertisedPort;
    }

    /** Starts a broker on {@code logDir} (formatted when new, reused otherwise) on free loopback ports. */
    public static EmbeddedKafka start(Path logDir) {
        return start(logDir, 0, 0);
    }

    /**
     * Starts a broker that a user's migration keeps (tandem's {@code kafka: embedded}): on {@code logDir}, formatted
     * when new and resumed otherwise, listening on {@code 127.0.0.1:port} (its controller on the next port), so other
     * tandem commands find it at a fixed address and a restart continues from its data.
     */
    public static EmbeddedKafka startDurable(Path logDir, int port) {
        if (port <= 0 || port >= 65535) {
            throw new IllegalArgumentException("embedded Kafka port " + port + " must be between 1 and 65534 (its "
                    + "controller takes the next one)");
        }
        EmbeddedKafka kafka = new EmbeddedKafka(logDir.toAbsolutePath().normalize(), port, port + 1, 0, 0);
        kafka.startServer();
        return kafka;
    }

    /**
     * Starts a broker as {@link #start(Path)} does, with one more listener on {@code 127.0.0.1:listenerPort} that tells
     * its clients to connect to {@code 127.0.0.1:advertisedPort} instead. A fault test puts a TCP proxy on the advertised
     * port, forwarding to the listener: clients bootstrapping through {@link #proxiedBootstrapServers()} then keep every
     * connection on the proxy, where it can be cut or delayed. The broker's own connections stay on the other listeners.
     */
    public static EmbeddedKafka startWithProxiedListener(Path logDir, int listenerPort, int advertisedPort) {
        if (listenerPort <= 0 || advertisedPort <= 0 || listenerPort == advertisedPort) {
            throw new IllegalArgumentException("proxied listener port " + listenerPort + " and advertised port "
                    + advertisedPort + " must be two different positive ports: the listener's own, and the proxy's that"
                    + " forwards to it");
        }
        return start(logDir, listenerPort, advertisedPort);
    }

    private static EmbeddedKafka start(Path logDir, int proxiedPort, int proxiedAdvertisedPort) {
        Set<Integer> taken = new HashSet<>(List.of(proxiedPort, proxiedAdvertisedPort));
        int brokerPort = pickOther(taken);
        int controllerPort = pickOther(taken);
        EmbeddedKafka kafka = new EmbeddedKafka(logDir.toAbsolutePath().normalize(), brokerPort, controllerPort,
                proxiedPort, proxiedAdvertisedPort);
        kafka.startServer();
        return kafka;
    }

    /** A free port not in {@code taken}, which it joins. */
    private static int pickOther(Set<Integer> taken) {
        int port = FreePort.pick();
        while (!taken.add(port)) {
            port = FreePort.pick();
        }
        return port;
    }

    /** {@code 127.0.0.1:PORT} of the PLAINTEXT listener, for {@code bootstrap.servers}. */
    public String bootstrapServers() {
        return HOST + ":" + brokerPort;
    }

    /**
     * {@code 127.0.0.1:PORT} of the proxy in front of the proxied listener, for {@code bootstrap.servers}; only for a
     * broker started with {@link #startWithProxiedListener}.
     */
    public String proxiedBootstrapServers() {
        if (proxiedPort == 0) {
            throw new IllegalStateException("Kafka broker " + bootstrapServers() + " has no proxied listener: start it with"
                    + " EmbeddedKafka.startWithProxiedListener to route clients through a proxy");
        }
        return HOST + ":" + proxiedAdvertisedPort;
    }

    /** The log directory, which also holds the KRaft metadata log. */
    public Path logDir() {
        return logDir;
    }

    /** Shuts the broker down and waits until it has; does nothing when it is not running. */
    public synchronized void stop() {
        if (server == null) {
            return;
        }
        long started = System.nanoTime();
        try {
            server.shutdown();
            server.awaitShutdown();
        } finally {
            server = null;
        }
        log.info("Kafka broker {} stopped in {} ms", bootstrapServers(), elapsedMillis(started));
    }

    /** Stops the broker if it runs, then starts it again on the same ports and log directory. */
    public synchronized void restart() {
        stop();
        startServer();
    }

    /** Same as {@link #stop()}. */
    @Override
    public void close() {
        stop();
    }

    private synchronized void startServer() {
        if (server != null) {
            throw new IllegalStateException("Kafka broker " + bootstrapServers() + " is already running; call"
                    + " restart() or stop() first");
        }
        long started = System.nanoTime();
        boolean fresh = !Files.exists(logDir.resolve(META_PROPERTIES));
        KafkaRaftServer starting = null;
        try {
            Files.createDirectories(logDir);
            if (fresh) {
                format();
            }
            starting = new KafkaRaftServer(new KafkaConfig(config()), Time.SYSTEM);
            starting.startup();
        } catch (IOException | RuntimeException e) {
            if (starting != null) {
                starting.shutdown();
                starting.awaitShutdown();
            }
            throw new IllegalStateException("Kafka broker did not start on " + bootstrapServers() + " (controller port "
                    + controllerPort + ") with log directory " + logDir + ": " + e.getMessage() + "; if a port is"
                    + " taken, start a new broker (new ports); if the directory is damaged and holds nothing you"
                    + " need, delete it", e);
        }
        server = starting;
        log.info("Kafka broker started on {} in {} ms ({} log directory {})", bootstrapServers(),
                elapsedMillis(started), fresh ? "new" : "existing", logDir);
    }

    /** Writes a new cluster id and the bootstrap metadata into the log directory, as {@code kafka-storage format}. */
    private void format() {
        ByteArrayOutputStream output = new ByteArrayOutputStream();
        String clusterId = Uuid.randomUuid().toString();
        try (PrintStream printStream = new PrintStream(output, true, StandardCharsets.UTF_8)) {
            new Formatter()
                    .setPrintStream(printStream)
                    .setNodeId(NODE_ID)
                    .setClusterId(clusterId)
                    .setDirectories(List.of(logDir.toString()))
                    .setMetadataLogDirectory(logDir.toString())
                    .setReleaseVersion(MetadataVersion.LATEST_PRODUCTION)
                    .setControllerListenerName(CONTROLLER_LISTENER)
                    .run();
        } catch (Exception e) {
            throw new IllegalStateException("cannot format Kafka log directory " + logDir + " (formatter said: "
                    + output.toString(StandardCharsets.UTF_8).trim() + "); delete the directory and start again", e);
        }
        log.info("Formatted Kafka log directory {} for cluster {}", logDir, clusterId);
    }

    private Map<String, String> config() {
        Map<String, String> config = new HashMap<>();
        config.put("process.roles", "broker,controller");
        config.put("node.id", Integer.toString(NODE_ID));
        config.put("controller.quorum.voters", NODE_ID + "@" + HOST + ":" + controllerPort);
        String listeners = BROKER_LISTENER + "://" + HOST + ":" + brokerPort + ","
                + CONTROLLER_LISTENER + "://" + HOST + ":" + controllerPort;
        String advertised = BROKER_LISTENER + "://" + HOST + ":" + brokerPort;
        String protocols = BROKER_LISTENER + ":PLAINTEXT," + CONTROLLER_LISTENER + ":PLAINTEXT";
        if (proxiedPort != 0) {
            listeners += "," + PROXIED_LISTENER + "://" + HOST + ":" + proxiedPort;
            advertised += "," + PROXIED_LISTENER + "://" + HOST + ":" + proxiedAdvertisedPort;
            protocols += "," + PROXIED_LISTENER + ":PLAINTEXT";
        }
        config.put("listeners", listeners);
        config.put("advertised.listeners", advertised);
        config.put("listener.security.protocol.map", protocols);
        config.put("controller.listener.names", CONTROLLER_LISTENER);
        config.put("inter.broker.listener.name", BROKER_LISTENER);
        config.put("log.dirs", logDir.toString());
        config.put("metadata.log.dir", logDir.toString());
        config.put("num.partitions", "1");
        config.put("auto.create.topics.enable", "true");
        config.put("offsets.topic.replication.factor", "1");
        config.put("offsets.topic.num.partitions", "1");
        config.put("transaction.state.log.replication.factor", "1");
        config.put("transaction.state.log.min.isr", "1");
        config.put("transaction.state.log.num.partitions", "1");
        config.put("share.coordinator.state.topic.replication.factor", "1");
        config.put("share.coordinator.state.topic.min.isr", "1");
        config.put("group.initial.rebalance.delay.ms", "0");
        config.put("log.cleaner.dedupe.buffer.size", Integer.toString(8 * 1024 * 1024));
        return config;
    }

    private static long elapsedMillis(long startedNanos) {
        return TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - startedNanos);
    }
}
