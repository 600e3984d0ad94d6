package dev.tandem.sync.apply;

import java.util.Properties;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;

/**
 * A consumer of a change log, for the applier, the router and the catch-up: it never commits offsets on its own
 * (each reader stores its position where it belongs) and returns what arrived within 20 ms, so batches stay small
 * under little traffic.
 */
public final class ChangeLogConsumer {

    private ChangeLogConsumer() {
    }

    /**
     * @param group the consumer group sharing the partitions out, or null for a consumer that assigns them itself;
     *              a new group member without a committed offset starts at the beginning
     */
    public static KafkaConsumer<byte[], byte[]> open(String bootstrapServers, String clientId, String group) {
        Properties props = new Properties();
        props.put(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrapServers);
        props.put(ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, false);
        props.put(ConsumerConfig.MAX_POLL_RECORDS_CONFIG, 5_000);
        props.put(ConsumerConfig.FETCH_MAX_WAIT_MS_CONFIG, 20);
        props.put(ConsumerConfig.CLIENT_ID_CONFIG, clientId);
        if (group != null) {
            props.put(ConsumerConfig.GROUP_ID_CONFIG, group);
            props.put(ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, "earliest");
            // the keyed log is written by the router's exactly-once Streams transactions: read only committed ones,
            // so an aborted attempt's records (written again by its retry) are never seen at all
            props.put(ConsumerConfig.ISOLATION_LEVEL_CONFIG, "read_committed");
            // A killed instance's partitions move after this, not after the client's 45 s default (standby takeover).
            props.put(ConsumerConfig.SESSION_TIMEOUT_MS_CONFIG, 10_000);
            props.put(ConsumerConfig.HEARTBEAT_INTERVAL_MS_CONFIG, 3_000);
        }
        return new KafkaConsumer<>(props, new ByteArrayDeserializer(), new ByteArrayDeserializer());
    }
}
