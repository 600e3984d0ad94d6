package dev.tandem.reconcile.order;

import dev.tandem.capture.envelope.ChangeEnvelope;
import dev.tandem.capture.envelope.EnvelopeKind;
import dev.tandem.capture.envelope.FragmentJoiner;
import dev.tandem.capture.envelope.Operation;
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
 * those rows changed after the last verification looked at them. Opened (and connected) ahead of
 * time, so reading inside a write block costs only the records themselves.
 */
public final class ChangeLogKeys implements AutoCloseable {

    private final KafkaConsumer<byte[], byte[]> consumer;
    private final TopicPartition partition;
    private final String topic;
    private long next;
    private FragmentJoiner fragments = new FragmentJoiner();

    /** Positions a reader at {@code fromOffset} of the change topic and fetches its metadata now. */
    public ChangeLogKeys(String bootstrapServers, String topic, long fromOffset) {
        Properties props = new Properties();
        props.put(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrapServers);
        props.put(ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, false);
        props.put(ConsumerConfig.MAX_POLL_RECORDS_CONFIG, 5_000);
        props.put(ConsumerConfig.FETCH_MAX_WAIT_MS_CONFIG, 10);
        props.put(ConsumerConfig.CLIENT_ID_CONFIG, "tandem-changed-keys");
        this.topic = topic;
        this.partition = new TopicPartition(topic, 0);
        this.consumer = new KafkaConsumer<>(props, new ByteArrayDeserializer(), new ByteArrayDeserializer());
        consumer.assign(List.of(partition));
        warmUp(fromOffset);
        consumer.seek(partition, fromOffset);
        consumer.position(partition, Duration.ofSeconds(30));
        this.next = fromOffset;
    }

    /**
     * Reads and decodes the record before {@code fromOffset} once, so a fresh process (`tandem cutover`) has loaded and
     * compiled the fetch and decode path before a write block needs it: its first read took 0.7–2 s on the loaded
     * 2-core machine, the next ones milliseconds.
     */
    private void warmUp(long fromOffset) {
        if (fromOffset <= 0) {
            return;
        }
        consumer.seek(partition, fromOffset - 1);
        long deadline = System.nanoTime() + WARM_UP_NANOS;
        while (System.nanoTime() < deadline) {
            for (ConsumerRecord<byte[], byte[]> record : consumer.poll(Duration.ofMillis(50))) {
                FragmentJoiner.Joined joined = new FragmentJoiner().add(record.offset(), record.value());
                if (joined != null) {
                    joined.envelope().kind();
                }
                return;
            }
        }
    }

    private static final long WARM_UP_NANOS = 2_000_000_000L;

    /** The offset the next read starts at. */
    public long position() {
        return next;
    }

    /** Moves the reader to {@code offset} (cheap: the connection and metadata are already in place). */
    public void seek(long offset) {
        consumer.seek(partition, offset);
        next = offset;
        fragments = new FragmentJoiner(); // stretches start at a change's first record, never inside one
    }

    /**
     * Source table → key values (in the table's key column order as captured) of every change from the
     * current position up to offset {@code to} (exclusive).
     *
     * @throws IllegalStateException when a table was truncated in the stretch, or the stretch was not read in time
     */
    public Map<String, Set<List<String>>> readUntil(long to, Duration timeout) {
        Map<String, Set<List<String>>> keys = new LinkedHashMap<>();
        long deadline = System.nanoTime() + timeout.toNanos();
        long from = next;
        while (next < to) {
            if (System.nanoTime() > deadline) {
                throw new IllegalStateException("reading the changed keys of " + topic + " from offset " + from + " to " + to
                        + " got only to " + next + " within " + timeout.toMillis() + " ms" + (next == from
                        ? " (no record arrived: check that the broker answers)" : ""));
            }
            for (ConsumerRecord<byte[], byte[]> record : consumer.poll(Duration.ofMillis(20))) {
                if (record.offset() >= to) {
                    next = record.offset(); // past the stretch (offsets may skip, e.g. after a compaction)
                    break;
                }
                next = record.offset() + 1;
                FragmentJoiner.Joined joined = fragments.add(record.offset(), record.value());
                if (joined == null) {
                    continue; // a fragment of a large change: its key comes with the last one
                }
                ChangeEnvelope envelope = joined.envelope();
                if (envelope.kind() == EnvelopeKind.CHANGE && envelope.operation() == Operation.TRUNCATE) {
                    // a truncate changes every row, and has no key: no key-by-key re-check can cover it
                    throw new IllegalStateException(envelope.table() + " was truncated at offset " + record.offset()
                            + " of " + topic + ": its rows cannot be re-checked key by key; run `tandem verify`, then try "
                            + "again");
                }
                if (envelope.kind() == EnvelopeKind.CHANGE) {
                    keys.computeIfAbsent(envelope.table(), t -> new LinkedHashSet<>())
                            .add(new ArrayList<>(envelope.key().values()));
                }
            }
            // the position passes offsets no record is returned for (transaction markers, compacted records)
            next = Math.max(next, Math.min(to, consumer.position(partition)));
        }
        if (consumer.position(partition) != next) {
            consumer.seek(partition, next); // records past the stretch were fetched: the next stretch starts with them
        }
        return keys;
    }

    @Override
    public void close() {
        consumer.close(Duration.ofSeconds(1));
    }
}
