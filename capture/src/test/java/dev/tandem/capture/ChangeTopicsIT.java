package dev.tandem.capture;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import dev.tandem.embedded.SharedTestStack;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.ConfigEntry;
import org.apache.kafka.clients.admin.TopicDescription;
import org.apache.kafka.common.config.ConfigResource;
import org.apache.kafka.common.config.TopicConfig;
import org.apache.kafka.common.errors.UnknownTopicOrPartitionException;
import org.junit.jupiter.api.Test;

/** The replication {@link ChangeTopics} gives tandem's topics on the embedded single-broker cluster, read back. */
class ChangeTopicsIT {

    private static final PgDatabase UNUSED = new PgDatabase("127.0.0.1", 5432, "none", "none", "");

    @Test
    void configuredReplicationIsWhatTheTopicsGet() throws Exception {
        CaptureConfig config = capture("topics_rf1").withReplication(new ReplicationSettings(1, 1));
        ChangeTopics.ensure(config);
        ChangeTopics.ensureKeyed(config, 2);
        try (Admin admin = admin()) {
            List<String> topics = List.of(config.changeTopic(), config.offsetTopic(), config.deadLetterTopic(),
                    config.keyedChangeTopic());
            described(admin, topics).forEach((name, description) ->
                    description.partitions().forEach(p -> assertEquals(1, p.replicas().size(), name)));
            for (String topic : topics) {
                ConfigEntry minInsync = minInsync(admin, topic);
                assertEquals("1", minInsync.value(), topic);
                assertEquals(ConfigEntry.ConfigSource.DYNAMIC_TOPIC_CONFIG, minInsync.source(),
                        topic + ": set on the topic by tandem, not the broker's default");
            }
        }
    }

    @Test
    void aFactorTheClusterCannotGiveCreatesNoTopic() throws Exception {
        CaptureConfig config = capture("topics_rf2").withReplication(new ReplicationSettings(2, null));
        String expected = "Kafka: replication_factor 2 but the cluster has 1 broker: lower kafka.replication_factor "
                + "or add brokers";
        assertEquals(expected, assertThrows(IllegalStateException.class, () -> ChangeTopics.ensure(config)).getMessage());
        assertEquals(expected, assertThrows(IllegalStateException.class, () -> ChangeTopics.ensureKeyed(config, 2))
                .getMessage());
        try (Admin admin = admin()) {
            Set<String> names = admin.listTopics().names().get(30, TimeUnit.SECONDS);
            assertEquals(List.of(), names.stream().filter(n -> n.startsWith("tandem.topics_rf2.")).toList());
        }
    }

    private static CaptureConfig capture(String migration) {
        return new CaptureConfig(migration, UNUSED, List.of("public.t"), SharedTestStack.get().kafka().bootstrapServers());
    }

    private static Admin admin() {
        return Admin.create(Map.<String, Object>of(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG,
                SharedTestStack.get().kafka().bootstrapServers()));
    }

    /** Created topics reach the broker's metadata a moment after the creation returns. */
    private static Map<String, TopicDescription> described(Admin admin, List<String> topics) throws Exception {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
        while (true) {
            try {
                return admin.describeTopics(topics).allTopicNames().get(30, TimeUnit.SECONDS);
            } catch (ExecutionException e) {
                if (!(e.getCause() instanceof UnknownTopicOrPartitionException) || System.nanoTime() > deadline) {
                    throw e;
                }
                Thread.sleep(50);
            }
        }
    }

    private static ConfigEntry minInsync(Admin admin, String topic) throws Exception {
        ConfigResource resource = new ConfigResource(ConfigResource.Type.TOPIC, topic);
        return admin.describeConfigs(List.of(resource)).all().get(30, TimeUnit.SECONDS).get(resource)
                .get(TopicConfig.MIN_IN_SYNC_REPLICAS_CONFIG);
    }
}
