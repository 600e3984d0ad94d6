package dev.tandem.capture;

import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.Set;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.admin.OffsetSpec;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.config.TopicConfig;
import org.apache.kafka.common.errors.RetriableException;
import org.apache.kafka.common.errors.TopicExistsException;

/** Creates the Kafka topics a capture writes: the change log and the engine's offsets. */
public final class ChangeTopics {

    private ChangeTopics() {
    }

    /** Deletes the change log and the engine offsets (a migration that starts its backfill over). */
    public static void delete(CaptureConfig config) {
        try (Admin admin = Admin.create(adminProps(config))) {
            Set<String> existing = admin.listTopics().names().get(30, TimeUnit.SECONDS);
            List<String> ours = List.of(config.changeTopic(), config.keyedChangeTopic(), config.offsetTopic(),
                    config.deadLetterTopic()).stream().filter(existing::contains).toList();
            if (!ours.isEmpty()) {
                admin.deleteTopics(ours).all().get(30, TimeUnit.SECONDS);
                awaitGone(admin, ours);
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted while deleting topics of " + config.migration(), e);
        } catch (ExecutionException | TimeoutException e) {
            throw new IllegalStateException("cannot delete Kafka topics " + config.changeTopic() + " and "
                    + config.offsetTopic() + " at " + config.bootstrapServers() + ": check the broker is reachable", e);
        }
    }

    /**
     * Creates the topics when missing, replicated as configured or as the cluster allows ({@link TopicReplication});
     * a configured replication the cluster cannot give is refused before any topic is created. The change log
     * has one partition (source commit order) and keeps everything: the applier may need to re-read from its last
     * stored offset at any time.
     */
    public static void ensure(CaptureConfig config) {
        try (Admin admin = Admin.create(adminProps(config))) {
            Set<String> existing = admin.listTopics().names().get(30, TimeUnit.SECONDS);
            TopicReplication replication = TopicReplication.of(admin, config.replication());
            List<NewTopic> wanted = List.of(
                    new NewTopic(config.changeTopic(), 1, replication.factor())
                            .configs(Map.of(TopicConfig.RETENTION_MS_CONFIG, "-1",
                                    TopicConfig.CLEANUP_POLICY_CONFIG, TopicConfig.CLEANUP_POLICY_DELETE,
                                    TopicConfig.MIN_IN_SYNC_REPLICAS_CONFIG, Integer.toString(replication.minInsync()))),
                    new NewTopic(config.offsetTopic(), 1, replication.factor())
                            .configs(Map.of(TopicConfig.CLEANUP_POLICY_CONFIG, TopicConfig.CLEANUP_POLICY_COMPACT,
                                    TopicConfig.MIN_IN_SYNC_REPLICAS_CONFIG, Integer.toString(replication.minInsync()))),
                    new NewTopic(config.deadLetterTopic(), 1, replication.factor())
                            .configs(Map.of(TopicConfig.RETENTION_MS_CONFIG, "-1",
                                    TopicConfig.MIN_IN_SYNC_REPLICAS_CONFIG, Integer.toString(replication.minInsync()))));
            List<NewTopic> missing = wanted.stream().filter(t -> !existing.contains(t.name())).toList();
            if (!missing.isEmpty()) {
                admin.createTopics(missing).all().get(30, TimeUnit.SECONDS);
                // Write only once the broker leads the new change log: an idempotent producer whose first batch was
                // refused as NOT_LEADER_OR_FOLLOWER while later ones were appended retries that batch for ever
                // (OUT_OF_ORDER_SEQUENCE_NUMBER, seen in RouterHandoverIT).
                awaitLeader(admin, new TopicPartition(config.changeTopic(), 0));
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted while creating topics for " + config.migration(), e);
        } catch (ExecutionException | TimeoutException e) {
            throw new IllegalStateException("cannot create Kafka topics " + config.changeTopic() + " and "
                    + config.offsetTopic() + " at " + config.bootstrapServers()
                    + ": check the broker is reachable and this client may create topics", e);
        }
    }

    /**
     * Returns once the broker leads {@code partition} of a topic just created: listing its offsets is answered by the
     * leader alone, and fails as retriable (unknown partition, not the leader) until metadata and leadership are in.
     */
    public static void awaitLeader(Admin admin, TopicPartition partition)
            throws InterruptedException, ExecutionException, TimeoutException {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
        while (true) {
            try {
                admin.listOffsets(Map.of(partition, OffsetSpec.latest())).all().get(30, TimeUnit.SECONDS);
                return;
            } catch (ExecutionException e) {
                if (!(e.getCause() instanceof RetriableException) || System.nanoTime() > deadline) {
                    throw e;
                }
                Thread.sleep(20);
            }
        }
    }

    /**
     * Creates per-key ordering's keyed change log with {@code partitions} partitions when missing (it keeps
     * everything, like the ordered log). An existing one must have that many: a key's partition depends on the count,
     * so changing it mid-stream could apply a key's changes out of order.
     */
    public static void ensureKeyed(CaptureConfig config, int partitions) {
        String topic = config.keyedChangeTopic();
        try (Admin admin = Admin.create(adminProps(config))) {
            if (!admin.listTopics().names().get(30, TimeUnit.SECONDS).contains(topic)) {
                try {
                    TopicReplication replication = TopicReplication.of(admin, config.replication());
                    admin.createTopics(List.of(new NewTopic(topic, partitions, replication.factor())
                            .configs(Map.of(TopicConfig.RETENTION_MS_CONFIG, "-1",
                                    TopicConfig.CLEANUP_POLICY_CONFIG, TopicConfig.CLEANUP_POLICY_DELETE,
                                    TopicConfig.MIN_IN_SYNC_REPLICAS_CONFIG, Integer.toString(replication.minInsync())))))
                            .all().get(30, TimeUnit.SECONDS);
                    return;
                } catch (ExecutionException e) {
                    if (!(e.getCause() instanceof TopicExistsException)) {
                        throw e;
                    }
                    // another instance created it at the same moment: check its count like any existing one
                }
            }
            int existing = admin.describeTopics(List.of(topic)).allTopicNames().get(30, TimeUnit.SECONDS)
                    .get(topic).partitions().size();
            if (existing != partitions) {
                throw new IllegalArgumentException("the keyed change log " + topic + " has " + existing
                        + " partitions but sync.partitions is " + partitions + "; a running migration keeps its count: "
                        + "set sync.partitions back to " + existing + ", or re-run with --rebackfill to start over");
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted while creating " + topic, e);
        } catch (ExecutionException | TimeoutException e) {
            throw new IllegalStateException("cannot create Kafka topic " + topic + " at " + config.bootstrapServers()
                    + ": check the broker is reachable and this client may create topics", e);
        }
    }

    /**
     * Deletion completes in the background; a topic recreated before it is gone would keep the old
     * one's data, or be auto-created with the wrong settings by a client that reads it meanwhile.
     */
    private static void awaitGone(Admin admin, List<String> topics)
            throws InterruptedException, ExecutionException, TimeoutException {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
        while (admin.listTopics().names().get(30, TimeUnit.SECONDS).stream().anyMatch(topics::contains)) {
            if (System.nanoTime() > deadline) {
                throw new TimeoutException("topics " + topics + " still exist 30 s after their deletion");
            }
            Thread.sleep(100);
        }
    }

    private static Properties adminProps(CaptureConfig config) {
        Properties props = new Properties();
        props.put(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, config.bootstrapServers());
        props.put(AdminClientConfig.DEFAULT_API_TIMEOUT_MS_CONFIG, 30_000);
        return props;
    }
}
