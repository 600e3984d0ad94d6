package dev.tandem.embedded;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
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
    private static final String HOST = "127.0.0.1";
    /** Written by the formatter; its presence means the log directory is formatted. */
    private static final String META_PROPERTIES = "meta.properties";

    private final Path logDir;
    private final int brokerPort;
    private final int controllerPort;
    private KafkaRaftServer server;

    private EmbeddedKafka(Path logDir, int brokerPort, int controllerPort) {
        this.logDir = logDir;
        this.brokerPort = brokerPort;
        this.controllerPort = controllerPort;
    }

    /** Starts a broker on {@code logDir} (formatted when new, reused otherwise) on free loopback ports. */
    public static EmbeddedKafka start(Path logDir) {
        int brokerPort = FreePort.pick();
        int controllerPort = FreePort.pick();
        while (controllerPort == brokerPort) {
            controllerPort = FreePort.pick();
        }
        EmbeddedKafka kafka = new EmbeddedKafka(logDir.toAbsolutePath().normalize(), brokerPort, controllerPort);
        kafka.startServer();
        return kafka;
    }

    /** {@code 127.0.0.1:PORT} of the PLAINTEXT listener, for {@code bootstrap.servers}. */
    public String bootstrapServers() {
        return HOST + ":" + brokerPort;
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
        config.put("listeners", BROKER_LISTENER + "://" + HOST + ":" + brokerPort + ","
                + CONTROLLER_LISTENER + "://" + HOST + ":" + controllerPort);
        config.put("advertised.listeners", BROKER_LISTENER + "://" + HOST + ":" + brokerPort);
        config.put("listener.security.protocol.map", BROKER_LISTENER + ":PLAINTEXT," + CONTROLLER_LISTENER + ":PLAINTEXT");
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
