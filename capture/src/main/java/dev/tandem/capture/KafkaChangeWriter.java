package dev.tandem.capture;

import dev.tandem.capture.envelope.ChangeEnvelope;
import dev.tandem.capture.envelope.EnvelopeCodec;
import dev.tandem.capture.envelope.EnvelopeFragments;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Properties;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Future;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.clients.producer.RecordMetadata;
import org.apache.kafka.common.serialization.ByteArraySerializer;

/**
 * Writes change envelopes to the change topic through an idempotent {@code acks=all} producer and
 * reports success only once the broker has acknowledged every one of them.
 */
public final class KafkaChangeWriter implements AutoCloseable {

    private final KafkaProducer<byte[], byte[]> producer;
    private final String topic;

    public KafkaChangeWriter(CaptureConfig config) {
        this.producer = new KafkaProducer<>(producerProperties(config.bootstrapServers(), "tandem-capture-" + config.migration()),
                new ByteArraySerializer(), new ByteArraySerializer());
        this.topic = config.changeTopic();
    }

    /**
     * Settings of a producer that writes a change log: idempotent with {@code acks=all}, so a retried send neither
     * reorders nor doubles records, and it retries for as long as the broker is away.
     */
    public static Properties producerProperties(String bootstrapServers, String clientId) {
        Properties props = new Properties();
        props.put(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrapServers);
        props.put(ProducerConfig.ENABLE_IDEMPOTENCE_CONFIG, true);
        props.put(ProducerConfig.ACKS_CONFIG, "all");
        props.put(ProducerConfig.MAX_IN_FLIGHT_REQUESTS_PER_CONNECTION, 5);
        props.put(ProducerConfig.LINGER_MS_CONFIG, 5);
        props.put(ProducerConfig.BATCH_SIZE_CONFIG, 256 * 1024);
        props.put(ProducerConfig.COMPRESSION_TYPE_CONFIG, "none");
        // Records stay under EnvelopeFragments.RECORD_BYTES, so the defaults hold: requests of at most 1 MiB (what a
        // broker accepts by default) and at most 32 MiB waiting to be sent, which bounds the producer's heap whatever
        // the size of a transaction or a value (a send waits for room).
        props.put(ProducerConfig.MAX_REQUEST_SIZE_CONFIG, 1024 * 1024);
        props.put(ProducerConfig.BUFFER_MEMORY_CONFIG, 32L * 1024 * 1024);
        props.put(ProducerConfig.DELIVERY_TIMEOUT_MS_CONFIG, Integer.MAX_VALUE);
        props.put(ProducerConfig.CLIENT_ID_CONFIG, clientId);
        return props;
    }

    /** The record key of a change: its table and key (a transaction marker: its transaction). */
    public static byte[] keyOf(ChangeEnvelope envelope) {
        if (envelope.table() == null) {
            return ("tx:" + envelope.position().txId()).getBytes(StandardCharsets.UTF_8);
        }
        // table:[v1, v2], as the key's values print as a list, built in one go: this runs for every change
        StringBuilder key = new StringBuilder(envelope.table().length() + 24).append(envelope.table()).append(":[");
        boolean first = true;
        for (String value : envelope.key().values()) {
            if (!first) {
                key.append(", ");
            }
            key.append(value);
            first = false;
        }
        return key.append(']').toString().getBytes(StandardCharsets.UTF_8);
    }

    /**
     * Sends the envelopes in order and blocks until the broker acknowledged all of them. An envelope larger than
     * one record goes as consecutive fragments ({@link EnvelopeFragments}); one too large for this process's heap
     * to pass stops the capture with its table, key and the fix ({@link ValueSizeLimit}).
     */
    public void writeAcknowledged(List<ChangeEnvelope> envelopes) throws InterruptedException {
        List<Future<RecordMetadata>> acks = new ArrayList<>(envelopes.size());
        List<ChangeEnvelope> sentFor = new ArrayList<>(envelopes.size());
        for (ChangeEnvelope envelope : envelopes) {
            byte[] key = keyOf(envelope);
            byte[] encoded = EnvelopeCodec.encode(envelope);
            ValueSizeLimit.check(envelope, encoded.length);
            EnvelopeFragments records = EnvelopeFragments.of(encoded, envelope.position());
            for (int i = 0; i < records.count(); i++) {
                acks.add(producer.send(new ProducerRecord<>(topic, key, records.record(i))));
                sentFor.add(envelope);
            }
        }
        producer.flush();
        for (int i = 0; i < acks.size(); i++) {
            try {
                acks.get(i).get();
            } catch (ExecutionException e) {
                throw new IllegalStateException("broker refused change " + sentFor.get(i).position() + " for topic "
                        + topic + "; the capture stops so the change is re-read after restart", e.getCause());
            }
        }
    }

    @Override
    public void close() {
        producer.close();
    }
}
