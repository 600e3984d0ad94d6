package dev.tandem.sync.route;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.tandem.capture.ChangeTopics;
import dev.tandem.capture.KafkaChangeWriter;
import dev.tandem.capture.ReplicationSettings;
import dev.tandem.capture.envelope.ChangeEnvelope;
import dev.tandem.capture.envelope.EnvelopeCodec;
import dev.tandem.capture.envelope.EnvelopeKind;
import dev.tandem.capture.envelope.Operation;
import dev.tandem.capture.envelope.SourcePosition;
import dev.tandem.sync.TestDatabases;
import java.time.Duration;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import java.util.stream.IntStream;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.junit.jupiter.api.Test;

/**
 * The Streams router on the real broker: a source transaction whose routing moves from one instance to another
 * half-way still reaches the keyed log (read committed) with every change exactly once and COMMITs counting each
 * partition's share, which needs the counts of the first instance's half to reach the second through the state store.
 */
class RouterHandoverIT {

    private static final int PARTITIONS = 4;
    private static final int HALF = 5_000;

    @Test
    void aTransactionRoutedPartlyByOneInstanceIsFinishedExactlyOnceByAnother() throws Exception {
        String bootstrap = TestDatabases.stack().kafka().bootstrapServers();
        String logTopic = "tandem.handover" + System.nanoTime() + ".changes";
        String keyedTopic = logTopic + ".by-key";
        try (Admin admin = Admin.create(Map.of(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap))) {
            admin.createTopics(List.of(new NewTopic(logTopic, 1, (short) 1), new NewTopic(keyedTopic, PARTITIONS, (short) 1)))
                    .all().get(30, TimeUnit.SECONDS);
            // Produce only once the broker leads the new partition: a first batch refused as NOT_LEADER_OR_FOLLOWER
            // while later in-flight batches were appended left the idempotent producer retrying its sequence 0 for
            // ever (OUT_OF_ORDER_SEQUENCE_NUMBER).
            ChangeTopics.awaitLeader(admin, new TopicPartition(logTopic, 0));
        }
        KeyRouting routing = KeyRouting.of(List.of());
        try (KafkaProducer<byte[], byte[]> producer = new KafkaProducer<>(
                KafkaChangeWriter.producerProperties(bootstrap, "handover-test"), new ByteArraySerializer(),
                new ByteArraySerializer());
             KafkaConsumer<byte[], byte[]> keyed = committedReader(bootstrap, keyedTopic)) {
            send(producer, logTopic, ChangeEnvelope.begin(new SourcePosition(10, 0, 100, 0), 1));
            for (int i = 1; i <= HALF; i++) {
                send(producer, logTopic, change(i));
            }
            producer.flush();

            Read read = new Read();
            StreamsRouter first = StreamsRouter.start("handover", bootstrap, ReplicationSettings.FROM_CLUSTER, logTopic, keyedTopic, PARTITIONS, routing, 0);
            StreamsRouter second;
            try {
                read.until(keyed, () -> read.changes.size() >= HALF, "the first instance routed the first half");
                second = StreamsRouter.start("handover", bootstrap, ReplicationSettings.FROM_CLUSTER, logTopic, keyedTopic, PARTITIONS, routing, 0);
            } finally {
                first.close(); // leaves the group: the task moves to the second instance
            }
            try {
                for (int i = HALF + 1; i <= 2 * HALF; i++) {
                    send(producer, logTopic, change(i));
                }
                send(producer, logTopic, ChangeEnvelope.commit(new SourcePosition(10, 0, 100, 0), 1, 2 * HALF));
                producer.flush();
                read.until(keyed, () -> read.commits.values().stream().mapToLong(Long::longValue).sum() == 2 * HALF,
                        "the second instance sent the COMMITs");
                assertNull(second.failure());
            } finally {
                second.close();
            }
            assertEquals(2 * HALF, read.changes.size(), "every change once");
            assertEquals(2 * HALF, read.total, "no change twice");
            for (int p = 0; p < PARTITIONS; p++) {
                int partition = p;
                long share = read.partitionOf.values().stream().filter(v -> v == partition).count();
                assertEquals(share, read.commits.getOrDefault(p, 0L), "partition " + p + "'s COMMIT counts its share");
            }
        }
    }

    /** What the keyed log held so far, read committed. */
    private static final class Read {
        final Set<Long> changes = new HashSet<>();
        final Map<Long, Integer> partitionOf = new HashMap<>();
        final Map<Integer, Long> commits = new HashMap<>();
        long total;

        void until(KafkaConsumer<byte[], byte[]> consumer, java.util.function.BooleanSupplier done, String what) {
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(120);
            while (!done.getAsBoolean()) {
                assertTrue(System.nanoTime() < deadline, "timed out waiting until " + what);
                for (ConsumerRecord<byte[], byte[]> record : consumer.poll(Duration.ofMillis(200))) {
                    ChangeEnvelope envelope = EnvelopeCodec.decode(record.value());
                    if (envelope.kind() == EnvelopeKind.COMMIT) {
                        commits.merge(record.partition(), envelope.eventCount(), Long::sum);
                    } else {
                        total++;
                        changes.add(envelope.position().orderInTx());
                        partitionOf.put(envelope.position().orderInTx(), record.partition());
                    }
                }
            }
        }
    }

    private static KafkaConsumer<byte[], byte[]> committedReader(String bootstrap, String topic) {
        Properties props = new Properties();
        props.put(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap);
        props.put(ConsumerConfig.ISOLATION_LEVEL_CONFIG, "read_committed");
        props.put(ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, false);
        KafkaConsumer<byte[], byte[]> consumer = new KafkaConsumer<>(props, new ByteArrayDeserializer(),
                new ByteArrayDeserializer());
        List<TopicPartition> all = IntStream.range(0, PARTITIONS).mapToObj(p -> new TopicPartition(topic, p)).toList();
        consumer.assign(all);
        consumer.seekToBeginning(all);
        return consumer;
    }

    private static ChangeEnvelope change(int n) {
        LinkedHashMap<String, String> key = new LinkedHashMap<>(Map.of("id", Integer.toString(n)));
        return ChangeEnvelope.change(new SourcePosition(10, 0, 100, n), 1, "public.items", Operation.INSERT, key, null,
                new LinkedHashMap<>(key), Set.of());
    }

    private static void send(KafkaProducer<byte[], byte[]> producer, String topic, ChangeEnvelope envelope) {
        producer.send(new ProducerRecord<>(topic, KafkaChangeWriter.keyOf(envelope), EnvelopeCodec.encode(envelope)));
    }
}
