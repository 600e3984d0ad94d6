package dev.tandem.sync.route;

import dev.tandem.capture.ReplicationSettings;
import dev.tandem.capture.TopicReplication;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Comparator;
import java.util.Map;
import java.util.Properties;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.stream.Stream;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.config.TopicConfig;
import org.apache.kafka.common.errors.GroupIdNotFoundException;
import org.apache.kafka.common.errors.GroupNotEmptyException;
import org.apache.kafka.common.errors.UnknownMemberIdException;
import org.apache.kafka.streams.CloseOptions;
import org.apache.kafka.streams.KafkaStreams;
import org.apache.kafka.streams.StreamsConfig;
import org.apache.kafka.streams.errors.StreamsUncaughtExceptionHandler.StreamThreadExceptionResponse;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Runs per-key ordering's router ({@link RouterTopology}) in this instance as a Kafka Streams application with
 * exactly-once processing. Every instance of a migration runs one under the same application id; Streams gives the
 * ordered log's single partition (one task) to one of them and keeps a standby copy of its state on another, and
 * moves the task when that instance leaves.
 */
public final class StreamsRouter implements AutoCloseable {

    private static final Logger log = LoggerFactory.getLogger(StreamsRouter.class);
    /**
     * How often the router commits a Streams transaction (its output, its state and its input offset, atomically).
     * Streams' own default under exactly-once: appliers read a transaction's output only once it commits, so this
     * bounds the latency it adds; a source transaction of any size spans as many Streams transactions as it needs.
     */
    static final long COMMIT_INTERVAL_MS = 100;

    /** How long the group waits for a silent instance before its task moves to another. */
    static final int SESSION_TIMEOUT_MS = 10_000;

    private final KafkaStreams streams;
    private final Path stateDir;
    private volatile Throwable failure;

    private StreamsRouter(KafkaStreams streams, Path stateDir) {
        this.streams = streams;
        this.stateDir = stateDir;
    }

    /** The Streams application id of the router of {@code logTopic}: one per migration and backfill generation. */
    public static String applicationId(String logTopic) {
        return "tandem-router-" + logTopic;
    }

    /**
     * Starts routing {@code logTopic} into {@code keyedTopic}; returns at once.
     *
     * @param startOffset where to start reading the ordered log when this router never committed an offset (after a
     *                    backfill's catch-up, or when per-key ordering takes over from transactional)
     * @param replication the replication of Streams' internal topics (its state's changelog), as for tandem's own
     */
    public static StreamsRouter start(String migration, String bootstrapServers, ReplicationSettings replication,
                                      String logTopic, String keyedTopic, int partitions, KeyRouting routing,
                                      long startOffset) {
        String applicationId = applicationId(logTopic);
        TopicReplication internalTopics;
        try (Admin admin = Admin.create(Map.of(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrapServers))) {
            internalTopics = TopicReplication.of(admin, replication);
            startAt(admin, applicationId, new TopicPartition(logTopic, 0), startOffset);
        } catch (ExecutionException | TimeoutException e) {
            throw new IllegalStateException("the router of migration " + migration + " cannot prepare its Streams "
                    + "application " + applicationId + " on Kafka at " + bootstrapServers + ": " + e.getMessage()
                    + "; check that the brokers are reachable", e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted while starting the router of migration " + migration, e);
        }
        Path stateDir;
        try {
            stateDir = Files.createTempDirectory("tandem-router-");
        } catch (IOException e) {
            throw new UncheckedIOException("the router of migration " + migration + " cannot create its Streams state "
                    + "directory under " + System.getProperty("java.io.tmpdir") + "; free or allow that directory", e);
        }
        Properties props = properties(migration, bootstrapServers, applicationId, internalTopics, stateDir);
        KafkaStreams streams = new KafkaStreams(RouterTopology.build(logTopic, keyedTopic, partitions, routing), props);
        StreamsRouter router = new StreamsRouter(streams, stateDir);
        streams.setUncaughtExceptionHandler(router::onFailure);
        streams.start();
        log.info("router of migration {}: Streams application {} routes {} from offset {} (when none is committed) "
                + "into {} partitions of {}", migration, applicationId, logTopic, startOffset, partitions, keyedTopic);
        return router;
    }

    static Properties properties(String migration, String bootstrapServers, String applicationId,
                                 TopicReplication replication, Path stateDir) {
        Properties props = new Properties();
        props.put(StreamsConfig.APPLICATION_ID_CONFIG, applicationId);
        props.put(StreamsConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrapServers);
        props.put(StreamsConfig.CLIENT_ID_CONFIG, "tandem-router-" + migration);
        props.put(StreamsConfig.PROCESSING_GUARANTEE_CONFIG, StreamsConfig.EXACTLY_ONCE_V2);
        props.put(StreamsConfig.COMMIT_INTERVAL_MS_CONFIG, COMMIT_INTERVAL_MS);
        // the state is small, so a warm copy on a second instance costs little and makes a takeover start at once
        props.put(StreamsConfig.NUM_STANDBY_REPLICAS_CONFIG, 1);
        props.put(StreamsConfig.REPLICATION_FACTOR_CONFIG, (int) replication.factor());
        props.put(StreamsConfig.topicPrefix(TopicConfig.MIN_IN_SYNC_REPLICAS_CONFIG), Integer.toString(replication.minInsync()));
        props.put(StreamsConfig.STATE_DIR_CONFIG, stateDir.toString());
        props.put(StreamsConfig.consumerPrefix(ConsumerConfig.AUTO_OFFSET_RESET_CONFIG), "earliest");
        props.put(StreamsConfig.consumerPrefix(ConsumerConfig.MAX_POLL_RECORDS_CONFIG), 5_000);
        // an instance that died without leaving hands its task on after this long, not the default 45 s
        props.put(StreamsConfig.consumerPrefix(ConsumerConfig.SESSION_TIMEOUT_MS_CONFIG), SESSION_TIMEOUT_MS);
        props.put(StreamsConfig.consumerPrefix(ConsumerConfig.HEARTBEAT_INTERVAL_MS_CONFIG), SESSION_TIMEOUT_MS / 3);
        props.put(StreamsConfig.PROCESSING_EXCEPTION_HANDLER_GLOBAL_ENABLED_CONFIG, true); // no global stores: quiets a warning
        props.put(StreamsConfig.producerPrefix(ProducerConfig.LINGER_MS_CONFIG), 5);
        // a send right after a commit may meet the coordinator still finishing it (CONCURRENT_TRANSACTIONS): retry soon
        props.put(StreamsConfig.producerPrefix(ProducerConfig.RETRY_BACKOFF_MS_CONFIG), 20);
        props.put(StreamsConfig.producerPrefix(ProducerConfig.BATCH_SIZE_CONFIG), 256 * 1024);
        // records stay under EnvelopeFragments.RECORD_BYTES, so the brokers' default 1 MiB limits hold
        props.put(StreamsConfig.producerPrefix(ProducerConfig.MAX_REQUEST_SIZE_CONFIG), 1024 * 1024);
        return props;
    }

    /**
     * Makes a router that never committed an offset start at {@code startOffset}: the application's consumer group
     * gets it as its committed offset. Another instance's router already running in the group has one already.
     */
    private static void startAt(Admin admin, String applicationId, TopicPartition log0, long startOffset)
            throws ExecutionException, InterruptedException, TimeoutException {
        if (startOffset <= 0) {
            return;
        }
        Map<TopicPartition, OffsetAndMetadata> committed;
        try {
            committed = admin.listConsumerGroupOffsets(applicationId).partitionsToOffsetAndMetadata()
                    .get(30, TimeUnit.SECONDS);
        } catch (ExecutionException e) {
            if (!(e.getCause() instanceof GroupIdNotFoundException)) {
                throw e;
            }
            committed = Map.of();
        }
        if (committed.get(log0) != null) {
            return;
        }
        try {
            admin.alterConsumerGroupOffsets(applicationId, Map.of(log0, new OffsetAndMetadata(startOffset)))
                    .all().get(30, TimeUnit.SECONDS);
        } catch (ExecutionException e) {
            if (!(e.getCause() instanceof GroupNotEmptyException || e.getCause() instanceof UnknownMemberIdException)) {
                throw e;
            }
            // another instance's router joined the group first and routes from where it starts
        }
    }

    /**
     * A damaged change log (a transaction missing changes, fragments that do not join: what the router's own code
     * refuses) stops the router, since routing on would lose changes. Anything else (a broker away, a fenced producer)
     * replaces the stream thread, which resumes from the last committed Streams transaction.
     */
    private StreamThreadExceptionResponse onFailure(Throwable error) {
        for (Throwable cause = error; cause != null; cause = cause.getCause()) {
            StackTraceElement[] trace = cause.getStackTrace();
            if (trace.length > 0 && trace[0].getClassName().startsWith("dev.tandem.")) {
                failure = cause; // thrown by the router's own code about what it read: a retry reads the same
                log.error("router stopped: {}", cause.getMessage(), error);
                return StreamThreadExceptionResponse.SHUTDOWN_CLIENT;
            }
        }
        log.warn("router's stream thread failed and is replaced; it resumes from its last commit: {}", error.getMessage(),
                error);
        return StreamThreadExceptionResponse.REPLACE_THREAD;
    }

    /** Why the router stopped, or null while it runs. */
    public Throwable failure() {
        return failure;
    }

    /** True once this instance's Streams client runs (whether or not it holds the routing task). */
    public boolean running() {
        return streams.state() == KafkaStreams.State.RUNNING;
    }

    /** Stops routing after the Streams transaction in flight and leaves the group, so another instance takes over. */
    @Override
    public void close() {
        // leave the group (Streams stays in it by default, for rolling restarts): the task moves to another instance
        // now instead of after the session timeout
        streams.close(CloseOptions.groupMembershipOperation(CloseOptions.GroupMembershipOperation.LEAVE_GROUP)
                .withTimeout(Duration.ofSeconds(30)));
        try (Stream<Path> files = Files.walk(stateDir)) {
            files.sorted(Comparator.reverseOrder()).forEach(path -> path.toFile().delete());
        } catch (IOException e) {
            log.warn("router's Streams state directory {} was not removed: {}", stateDir, e.getMessage());
        }
    }
}
