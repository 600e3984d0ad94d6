package dev.tandem.sync.route;

import dev.tandem.capture.KafkaChangeWriter;
import dev.tandem.capture.envelope.ChangeEnvelope;
import dev.tandem.capture.envelope.EnvelopeCodec;
import dev.tandem.capture.envelope.EnvelopeKind;
import dev.tandem.capture.envelope.Operation;
import dev.tandem.capture.envelope.SourcePosition;
import dev.tandem.sync.apply.ChangeLogConsumer;
import dev.tandem.sync.apply.IncompleteTransactionException;
import dev.tandem.sync.apply.SourceTransaction;
import dev.tandem.sync.apply.TransactionAssembler;
import dev.tandem.sync.control.AppliedPosition;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collection;
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
 * whole. A transaction routed twice is harmless: appliers skip what their stored position covers. One router runs
 * per migration: every instance starts one, and the consumer group hands the ordered log's single partition to one.
 */
public final class ChangeRouter implements Runnable, AutoCloseable {

    private static final Logger log = LoggerFactory.getLogger(ChangeRouter.class);

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
                    SourceTransaction tx = assembler.add(EnvelopeCodec.decode(record.value()), record.offset());
                    if (tx != null && !tx.changes().isEmpty() && !lastRouted.covers(tx.txOrder(), tx.txId())) {
                        route(tx, record.offset(), sent);
                    }
                }
                if (readUpTo >= 0 && assembler != null) {
                    acknowledge(sent);
                    long routedUpTo = assembler.earliestOpenOffset().orElse(readUpTo);
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
        long[] counts = new long[partitions];
        for (ChangeEnvelope change : tx.changes()) {
            if (change.kind() == EnvelopeKind.FENCE || change.operation() == Operation.TRUNCATE) {
                for (int p = 0; p < partitions; p++) {
                    sent.add(send(p, change, null));
                    counts[p]++;
                }
            } else {
                int p = routing.partitionOf(change, partitions);
                sent.add(send(p, change, null));
                counts[p]++;
            }
        }
        SourcePosition commit = new SourcePosition(tx.txOrder(), 0, tx.txId(), 0);
        for (int p = 0; p < partitions; p++) {
            if (counts[p] > 0) {
                sent.add(send(p, ChangeEnvelope.commit(commit, tx.commitTimeMs(), counts[p]), commitOffset));
            }
        }
        lastRouted = new AppliedPosition(0, tx.txOrder(), tx.txId());
    }

    private Future<RecordMetadata> send(int partition, ChangeEnvelope envelope, Long logOffset) {
        RecordHeaders headers = new RecordHeaders();
        if (logOffset != null) {
            headers.add(KeyedLog.LOG_OFFSET_HEADER, KeyedLog.offsetHeader(logOffset));
        }
        routed.incrementAndGet();
        return producer.send(new ProducerRecord<>(keyedTopic, partition, KafkaChangeWriter.keyOf(envelope),
                EnvelopeCodec.encode(envelope), headers));
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
