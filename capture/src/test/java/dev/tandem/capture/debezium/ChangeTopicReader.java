package dev.tandem.capture.debezium;

import dev.tandem.capture.CaptureConfig;
import dev.tandem.capture.envelope.ChangeEnvelope;
import dev.tandem.capture.envelope.EnvelopeCodec;
import dev.tandem.capture.envelope.EnvelopeKind;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashSet;
import java.util.List;
import java.util.Properties;
import java.util.Set;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;

/** Reads the change topic from the beginning with a plain consumer and keeps every envelope in stream order. */
final class ChangeTopicReader implements AutoCloseable {

    private final KafkaConsumer<byte[], byte[]> consumer;
    private final List<ChangeEnvelope> envelopes = new ArrayList<>();
    private final Set<Long> committed = new HashSet<>();

    ChangeTopicReader(CaptureConfig config) {
        Properties props = new Properties();
        props.put(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, config.bootstrapServers());
        props.put(ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, false);
        props.put(ConsumerConfig.ISOLATION_LEVEL_CONFIG, "read_committed");
        consumer = new KafkaConsumer<>(props, new ByteArrayDeserializer(), new ByteArrayDeserializer());
        TopicPartition partition = new TopicPartition(config.changeTopic(), 0);
        consumer.assign(List.of(partition));
        consumer.seekToBeginning(List.of(partition));
    }

    /**
     * Polls until a COMMIT arrived for each of {@code txIds}; fails after {@code timeout}, or as soon as the
     * engine has stopped, with what did arrive and the engine's failure.
     */
    List<ChangeEnvelope> awaitCommits(Collection<Long> txIds, Duration timeout, CaptureEngine engine) {
        long deadline = System.nanoTime() + timeout.toNanos();
        while (!committed.containsAll(txIds)) {
            boolean stopped = !engine.isRunning();
            if (stopped || System.nanoTime() > deadline) {
                Set<Long> missing = new HashSet<>(txIds);
                missing.removeAll(committed);
                throw new AssertionError("no COMMIT for transactions " + missing
                        + (stopped ? " before the engine stopped" : " within " + timeout.toSeconds() + " s")
                        + "; read " + envelopes.size() + " envelopes, committed " + committed, engine.failure());
            }
            for (ConsumerRecord<byte[], byte[]> record : consumer.poll(Duration.ofMillis(200))) {
                ChangeEnvelope envelope = EnvelopeCodec.decode(record.value());
                envelopes.add(envelope);
                if (envelope.kind() == EnvelopeKind.COMMIT) {
                    committed.add(envelope.position().txId());
                }
            }
        }
        return List.copyOf(envelopes);
    }

    @Override
    public void close() {
        consumer.close();
    }
}
