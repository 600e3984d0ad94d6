package dev.tandem.sync.route;

import dev.tandem.capture.KafkaChangeWriter;
import dev.tandem.capture.envelope.ChangeEnvelope;
import dev.tandem.capture.envelope.EnvelopeCodec;
import dev.tandem.capture.envelope.EnvelopeFragments;
import dev.tandem.capture.envelope.EnvelopeKind;
import dev.tandem.capture.envelope.Operation;
import dev.tandem.capture.envelope.FragmentJoiner;
import dev.tandem.capture.envelope.SourcePosition;
import dev.tandem.sync.apply.ChangeLogConsumer;
import dev.tandem.sync.apply.IncompleteTransactionException;
import dev.tandem.sync.apply.SourceTransaction;
import dev.tandem.sync.apply.TransactionAssembler;
import dev.tandem.sync.control.AppliedPosition;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Future;
import java.util.concurrent.atomic.AtomicLong;
import org.apache.kafka.clients.consumer.ConsumerRebalanceListener;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.clients.producer.RecordMetadata;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.errors.WakeupException;
import org.apache.kafka.common.header.internals.RecordHeaders;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Per-key ordering's router: reads the ordered change log, reassembles each source transaction and copies its
 * changes into the keyed change log, each to its key's partition ({@link KeyRouting}); a fence, and a TRUNCATE
 * (which concerns every key), goes to every partition. After a transaction's changes, every partition that got some of them gets a COMMIT counting what it
 * got, so its applier knows when its share is complete.
 *
 * <p>Only complete transactions are routed, and the ordered log's offset is committed to Kafka only once the broker
 * acknowledged everything routed before it; a restart routes again from the first transaction not yet routed
 * whole. A transaction routed twice is harmless: appliers skip what their stored position covers. A transaction too
 * large to hold is routed in parts of {@link #PART_CHANGES} as it arrives; its COMMITs follow its last part. One router runs
 * per migration: every instance starts one, and the consumer group hands the ordered log's single partition to one.
 */
public final class ChangeRouter implements Runnable, AutoCloseable {

    private static final Logger log = LoggerFactory.getLogger(ChangeRouter.class);
    /** Changes of an open transaction held before they are routed: the router's memory does not grow past it. */
    static final int PART_CHANGES = 5_000;
    /** Or this many bytes of records (a few large changes). */
    static final long PART_BYTES = 16L << 20;

    private final String migration;
    private final String logTopic;
    private final String keyedTopic;
    private final int partitions;
    private final KeyRouting routing;
    private final long startOffset;
    private final KafkaConsumer<byte[], byte[]> consumer;
    private final KafkaProducer<byte[], byte[]> producer;
    private final AtomicLong routed = new AtomicLong();
    private TransactionAssembler assembler;
    private FragmentJoiner fragments;
    /** Per open transaction routed in parts: what each partition got so far. */
    private final Map<Long, long[]> partCounts = new HashMap<>();
    /** Bytes of the records read since the last COMMIT or part. */
    private long heldBytes;
    private AppliedPosition lastRouted = AppliedPosition.START;
    private volatile boolean stopping;
    private volatile boolean started;
    private volatile Throwable failure;

    /**
     * @param startOffset where to start reading the ordered log when this migration's router never committed an
     *                    offset (after a backfill's catch-up, or when per-key ordering takes over from transactional)
     */
    public ChangeRouter(String migration, String bootstrapServers, String logTopic, String keyedTopic, int partitions,
                        KeyRouting routing, long startOffset) {
        this.migration = migration;
        this.logTopic = logTopic;
        this.keyedTopic = keyedTopic;
        this.partitions = partitions;
        this.routing = routing;
        this.startOffset = startOffset;
        this.consumer = ChangeLogConsumer.open(bootstrapServers, "tandem-router-" + migration, "tandem-router-" + logTopic);
        this.producer = new KafkaProducer<>(KafkaChangeWriter.producerProperties(bootstrapServers, "tandem-router-" + migration),
                new ByteArraySerializer(), new ByteArraySerializer());
    }

    /** Records written to the keyed change log since start (changes, fences and COMMITs). */
    public long recordsRouted() {
        return routed.get();
    }

    public Throwable failure() {
        return failure;
    }

    @Override
    public void run() {
        started = true;
        try {
            consumer.subscribe(List.of(logTopic), new Assignment());
            while (!stopping) {
                List<Future<RecordMetadata>> sent = new ArrayList<>();
                long readUpTo = -1;
                for (ConsumerRecord<byte[], byte[]> record : consumer.poll(Duration.ofMillis(50))) {
                    if (assembler == null) {
                        continue;
                    }
                    readUpTo = record.offset() + 1;
                    FragmentJoiner.Joined joined = fragments.add(record.offset(), record.value());
                    if (joined == null) {
                        continue; // a fragment of a large change, routed once it is whole
                    }
                    SourceTransaction tx = assembler.add(joined.envelope(), joined.firstOffset());
                    SourcePosition at = joined.envelope().position();
                    heldBytes = tx != null ? 0 : heldBytes + record.value().length;
                    int held = tx == null ? assembler.held(at.txId()) : 0;
                    if (held >= PART_CHANGES || (held > 0 && heldBytes >= PART_BYTES)) {
                        routePart(at.txId(), at.txOrder(), sent);
                        heldBytes = 0;
                    } else if (tx != null && (!tx.changes().isEmpty() || tx.streamed())
                            && !lastRouted.covers(tx.txOrder(), tx.txId())) {
                        route(tx, record.offset(), sent);
                    }
                }
                if (readUpTo >= 0 && assembler != null) {
                    acknowledge(sent);
                    long routedUpTo = assembler.earliestOpenOffset().orElse(readUpTo);
                    routedUpTo = Math.min(routedUpTo, fragments.joiningSince().orElse(routedUpTo));
                    consumer.commitSync(Map.of(new TopicPartition(logTopic, 0), new OffsetAndMetadata(routedUpTo)));
                }
            }
        } catch (WakeupException e) {
            if (!stopping) {
                failure = e;
            }
        } catch (RuntimeException e) {
            failure = e;
            log.error("router of migration {} stopped: {}", migration, e.getMessage(), e);
        } finally {
            consumer.close();
            producer.close();
        }
    }

    private void route(SourceTransaction tx, long commitOffset, List<Future<RecordMetadata>> sent) {
        if (!tx.complete()) {
            throw new IncompleteTransactionException("source transaction " + tx.txId() + " committed " + tx.committed()
                    + " changes but the change log " + logTopic + " holds " + tx.changes().size() + " of them before its "
                    + "COMMIT (offsets from " + tx.firstOffset() + "); routing it would lose changes, so the router stops: "
                    + "re-run the backfill for migration " + migration);
        }
        long[] counts = partCounts.containsKey(tx.txId()) ? partCounts.remove(tx.txId()) : new long[partitions];
        routeChanges(tx.changes(), counts, sent);
        SourcePosition commit = new SourcePosition(tx.txOrder(), 0, tx.txId(), 0);
        for (int p = 0; p < partitions; p++) {
            if (counts[p] > 0) {
                sent.addAll(send(p, ChangeEnvelope.commit(commit, tx.commitTimeMs(), counts[p]), commitOffset));
            }
        }
        lastRouted = new AppliedPosition(0, tx.txOrder(), tx.txId());
    }

    /**
     * Routes what is held of a transaction too large to hold whole before its COMMIT, counting what each partition got
     * for the COMMITs. Routed again whole after a restart (the offset stays before it until its COMMIT is routed),
     * which appliers take as a repeat of changes they hold.
     */
    private void routePart(long txId, long txOrder, List<Future<RecordMetadata>> sent) {
        List<ChangeEnvelope> part = assembler.takeOpen(txId);
        if (!lastRouted.covers(txOrder, txId)) {
            routeChanges(part, partCounts.computeIfAbsent(txId, id -> new long[partitions]), sent);
        }
    }

    private void routeChanges(List<ChangeEnvelope> changes, long[] counts, List<Future<RecordMetadata>> sent) {
        for (ChangeEnvelope change : changes) {
            if (change.kind() == EnvelopeKind.FENCE || change.operation() == Operation.TRUNCATE) {
                for (int p = 0; p < partitions; p++) {
                    sent.addAll(send(p, change, null));
                    counts[p]++;
                }
            } else {
                int p = routing.partitionOf(change, partitions);
                sent.addAll(send(p, change, null));
                counts[p]++;
            }
        }
    }

    /** Sends the envelope to the partition (a large one as consecutive fragments); returns the records' acks. */
    private List<Future<RecordMetadata>> send(int partition, ChangeEnvelope envelope, Long logOffset) {
        RecordHeaders headers = new RecordHeaders();
        if (logOffset != null) {
            headers.add(KeyedLog.LOG_OFFSET_HEADER, KeyedLog.offsetHeader(logOffset));
        }
        routed.incrementAndGet();
        byte[] key = KafkaChangeWriter.keyOf(envelope);
        EnvelopeFragments records = EnvelopeFragments.of(EnvelopeCodec.encode(envelope), envelope.position());
        List<Future<RecordMetadata>> acks = new ArrayList<>(records.count());
        for (int i = 0; i < records.count(); i++) {
            // one producer writes them to one partition in order, and an idempotent producer keeps that order
            acks.add(producer.send(new ProducerRecord<>(keyedTopic, partition, key, records.record(i), headers)));
        }
        return acks;
    }

    /** Waits until the broker acknowledged every record routed so far; the offset is committed only after. */
    private void acknowledge(List<Future<RecordMetadata>> sent) {
        producer.flush();
        for (Future<RecordMetadata> ack : sent) {
            try {
                ack.get();
            } catch (ExecutionException e) {
                throw new IllegalStateException("broker refused a record for " + keyedTopic + "; the router stops so the "
                        + "transaction is routed again after restart", e.getCause());
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new WakeupException();
            }
        }
    }

    /** Where routing starts when the group hands this router the ordered log. */
    private final class Assignment implements ConsumerRebalanceListener {

        @Override
        public void onPartitionsRevoked(Collection<TopicPartition> revoked) {
            assembler = null;
        }

        @Override
        public void onPartitionsAssigned(Collection<TopicPartition> assigned) {
            if (assigned.isEmpty()) {
                return;
            }
            TopicPartition log0 = new TopicPartition(logTopic, 0);
            OffsetAndMetadata committed = consumer.committed(Set.of(log0)).get(log0);
            long from = committed == null ? startOffset : committed.offset();
            consumer.seek(log0, from);
            assembler = new TransactionAssembler();
            fragments = new FragmentJoiner();
            partCounts.clear();
            lastRouted = AppliedPosition.START;
            log.info("router of migration {}: routes {} from offset {} into {} partitions of {}", migration, logTopic,
                    from, partitions, keyedTopic);
        }
    }

    /** Asks the loop to stop after the records in flight; {@link #run()} returns soon after. */
    @Override
    public void close() {
        stopping = true;
        if (started) {
            consumer.wakeup();
        } else {
            consumer.close();
            producer.close();
        }
    }
}
