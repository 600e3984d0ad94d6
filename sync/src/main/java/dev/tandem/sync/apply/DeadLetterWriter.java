package dev.tandem.sync.apply;

import dev.tandem.capture.envelope.EnvelopeCodec;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Properties;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Copies changes parked for a paused table to the dead-letter topic, with the table and the
 * reason as headers, after the target transaction that parked them committed. The parked rows in
 * the control schema stay the copy that resume replays; this one is for inspection and alerting.
 */
final class DeadLetterWriter implements AutoCloseable {

    private static final Logger log = LoggerFactory.getLogger(DeadLetterWriter.class);

    private final KafkaProducer<byte[], byte[]> producer;
    private final String topic;

    DeadLetterWriter(String bootstrapServers, String topic, String clientId) {
        Properties props = new Properties();
        props.put(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrapServers);
        props.put(ProducerConfig.ENABLE_IDEMPOTENCE_CONFIG, true);
        props.put(ProducerConfig.ACKS_CONFIG, "all");
        props.put(ProducerConfig.CLIENT_ID_CONFIG, clientId);
        this.producer = new KafkaProducer<>(props, new ByteArraySerializer(), new ByteArraySerializer());
        this.topic = topic;
    }

    /** Sends and waits; a failure is logged, not thrown: the durable copy is already committed. */
    void publish(List<ParkedChanges> parked) {
        if (parked.isEmpty()) {
            return;
        }
        try {
            for (ParkedChanges batch : parked) {
                for (var change : batch.changes()) {
                    ProducerRecord<byte[], byte[]> record = new ProducerRecord<>(topic,
                            (batch.table() + ":" + change.key()).getBytes(StandardCharsets.UTF_8), EnvelopeCodec.encodeJson(change));
                    record.headers().add("tandem.table", batch.table().getBytes(StandardCharsets.UTF_8));
                    record.headers().add("tandem.reason", batch.reason().getBytes(StandardCharsets.UTF_8));
                    producer.send(record);
                }
            }
            producer.flush();
        } catch (RuntimeException e) {
            log.error("could not copy parked changes to {} (they stay parked in tandem.parked_change): {}", topic,
                    e.getMessage(), e);
        }
    }

    @Override
    public void close() {
        producer.close(java.time.Duration.ofSeconds(5));
    }
}
