package dev.tandem.capture;

import dev.tandem.capture.envelope.ChangeEnvelope;
import dev.tandem.capture.envelope.EnvelopeFragments;
import dev.tandem.capture.envelope.SourcePosition;
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
 * reports success only once the broker has acknowledged every one of them. Not for concurrent use.
 */
public final class KafkaChangeWriter implements AutoCloseable {

    private final KafkaProducer<byte[], byte[]> producer;
    private final String topic;
    /** Records sent and not yet known to be acknowledged, and the position of the change each carries. */
    private final List<Future<RecordMetadata>> pending = new ArrayList<>();
    private final List<SourcePosition> pendingFor = new ArrayList<>();

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
        for (ChangeEnvelope envelope : envelopes) {
            send(envelope);
        }
        awaitAcknowledged();
    }

    /**
     * Sends one envelope, as one record or as fragments encoded one at a time, without waiting for the broker:
     * the caller may drop the envelope as soon as this returns, so a batch of large values is never held whole.
     * {@link #awaitAcknowledged} reports whether it arrived.
     */
    public void send(ChangeEnvelope envelope) {
        byte[] key = keyOf(envelope);
        int encodedLength = EnvelopeFragments.encodedLength(envelope);
        ValueSizeLimit.check(envelope, encodedLength);
        EnvelopeFragments.write(envelope, encodedLength, record -> {
            pending.add(producer.send(new ProducerRecord<>(topic, key, record)));
            pendingFor.add(envelope.position());
        });
    }

    /** Blocks until the broker acknowledged every record sent since the last call; fails on the first it refused. */
    public void awaitAcknowledged() throws InterruptedException {
        try {
            producer.flush();
            for (int i = 0; i < pending.size(); i++) {
                try {
                    pending.get(i).get();
                } catch (ExecutionException e) {
                    throw new IllegalStateException("broker refused change " + pendingFor.get(i) + " for topic "
                            + topic + "; the capture stops so the change is re-read after restart", e.getCause());
                }
            }
        } finally {
            pending.clear();
            pendingFor.clear();
        }
    }

    @Override
    public void close() {
        producer.close();
    }
}
