package dev.tandem.sync.cutover;

import dev.tandem.capture.envelope.ChangeEnvelope;
import dev.tandem.capture.envelope.EnvelopeCodec;
import dev.tandem.capture.envelope.EnvelopeKind;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.Set;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;

/**
 * Reads which source keys changed in a stretch of the change log: what a cutover re-verifies, since
 * those rows changed after the last verification looked at them.
 */
public final class ChangeLogKeys {

    private ChangeLogKeys() {
    }

    /**
     * Source table → key values (in the table's key column order as captured) of every change in
     * offsets {@code [from, to)} of the change topic.
     */
    public static Map<String, Set<List<String>>> between(String bootstrapServers, String topic, long from, long to,
                                                         Duration timeout) {
        Map<String, Set<List<String>>> keys = new LinkedHashMap<>();
        if (to <= from) {
            return keys;
        }
        Properties props = new Properties();
        props.put(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrapServers);
        props.put(ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, false);
        props.put(ConsumerConfig.MAX_POLL_RECORDS_CONFIG, 5_000);
        props.put(ConsumerConfig.CLIENT_ID_CONFIG, "tandem-changed-keys");
        TopicPartition partition = new TopicPartition(topic, 0);
        long deadline = System.nanoTime() + timeout.toNanos();
        try (KafkaConsumer<byte[], byte[]> consumer = new KafkaConsumer<>(props, new ByteArrayDeserializer(),
                new ByteArrayDeserializer())) {
            consumer.assign(List.of(partition));
            consumer.seek(partition, from);
            long next = from;
            while (next < to) {
                if (System.nanoTime() > deadline) {
                    throw new IllegalStateException("reading offsets " + from + ".." + to + " of " + topic + " took longer "
                            + "than " + timeout.toMillis() + " ms (stopped at " + next + "); is the broker reachable?");
                }
                for (ConsumerRecord<byte[], byte[]> record : consumer.poll(Duration.ofMillis(50))) {
                    if (record.offset() >= to) {
                        break;
                    }
                    next = record.offset() + 1;
                    ChangeEnvelope envelope = EnvelopeCodec.decode(record.value());
                    if (envelope.kind() == EnvelopeKind.CHANGE) {
                        keys.computeIfAbsent(envelope.table(), t -> new LinkedHashSet<>())
                                .add(new ArrayList<>(envelope.key().values()));
                    }
                }
            }
        }
        return keys;
    }
}
