package dev.tandem.sync.apply;

import dev.tandem.capture.envelope.ChangeEnvelope;
import dev.tandem.capture.envelope.EnvelopeCodec;
import dev.tandem.sync.control.AppliedPosition;
import dev.tandem.sync.control.AppliedPositions;
import dev.tandem.sync.control.FencesSeen;
import dev.tandem.sync.control.TableStates;
import dev.tandem.sync.mapping.CompiledTable;
import java.sql.Connection;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Properties;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.errors.WakeupException;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Reads the change log and applies whole source transactions to the new schema, in source commit
 * order; the only writer of the migration's target tables and of its applied position.
 *
 * <p>The change-log offset to resume from is stored with the data in the target, so Kafka's own
 * consumer offsets are never trusted; transactions the target already reflects (a capture replay)
 * are skipped by their source position. A lost connection makes the applier reconnect and resume
 * from the stored position; any other failure stops it with the cause in {@link #failure()}.
 */
public final class ChangeApplier implements Runnable, AutoCloseable {

    private static final Logger log = LoggerFactory.getLogger(ChangeApplier.class);
    private static final long REQUEST_CHECK_INTERVAL_NANOS = 1_000_000_000L;

    private final ApplierConfig config;
    private final List<CompiledTable> tables;
    private final AppliedPositions positions;
    private final ApplyStats stats = new ApplyStats();
    private final KafkaConsumer<byte[], byte[]> consumer;
    private final DeadLetterWriter deadLetters;
    private final TopicPartition partition;
    private volatile boolean stopping;
    private volatile Throwable failure;
    private volatile boolean running;
    private volatile boolean started;

    public ChangeApplier(ApplierConfig config, List<CompiledTable> tables) {
        this.config = config;
        this.tables = List.copyOf(tables);
        this.positions = new AppliedPositions(config.migration(), config.changeTopic());
        this.partition = new TopicPartition(config.changeTopic(), 0);
        Properties props = new Properties();
        props.put(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, config.bootstrapServers());
        props.put(ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, false);
        props.put(ConsumerConfig.MAX_POLL_RECORDS_CONFIG, 5_000);
        props.put(ConsumerConfig.FETCH_MAX_WAIT_MS_CONFIG, 20);
        props.put(ConsumerConfig.CLIENT_ID_CONFIG, "tandem-applier-" + config.migration());
        this.consumer = new KafkaConsumer<>(props, new ByteArrayDeserializer(), new ByteArrayDeserializer());
        this.deadLetters = new DeadLetterWriter(config.bootstrapServers(), config.deadLetterTopic(),
                "tandem-dead-letters-" + config.migration());
    }

    public ApplyStats stats() {
        return stats;
    }

    public Throwable failure() {
        return failure;
    }

    public boolean isRunning() {
        return running;
    }

    @Override
    public void run() {
        started = true;
        running = true;
        consumer.assign(List.of(partition));
        try {
            int attempt = 0;
            while (!stopping) {
                try (Connection target = config.target().connectAsSyncWriter("tandem-applier-" + config.migration())) {
                    target.setAutoCommit(false);
                    attempt = 0;
                    applyUntilStopped(target);
                } catch (SQLException e) {
                    // The target may be down for a while (restart, failover): retry without end, since
                    // the stored position makes resuming exact; anything but a lost connection stops.
                    if (stopping || !SqlErrors.isTransient(e)) {
                        throw e;
                    }
                    attempt++;
                    log.warn("applier {}: target connection lost ({}); resuming from the stored position, attempt {}",
                            config.migration(), e.getMessage(), attempt);
                    sleepQuietly(Math.min(5_000, 100L * attempt));
                }
            }
        } catch (WakeupException e) {
            if (!stopping) {
                failure = e;
            }
        } catch (SQLException | RuntimeException e) {
            failure = e;
            log.error("applier {} stopped: {}", config.migration(), e.getMessage(), e);
        } finally {
            running = false;
            consumer.close();
            deadLetters.close();
        }
    }

    private void applyUntilStopped(Connection target) throws SQLException {
        AppliedPosition position = positions.load(target);
        target.commit();
        consumer.seek(partition, position.nextOffset());
        TransactionAssembler assembler = new TransactionAssembler();
        BatchApplier batchApplier = new BatchApplier(tables, positions, new TableStates(config.migration()),
                new FencesSeen(config.migration()));
        long lastRequestCheck = System.nanoTime();
        List<SourceTransaction> ready = new ArrayList<>();
        int readyChanges = 0;
        long readySince = 0;
        long nextOffset = position.nextOffset();
        while (!stopping) {
            for (ConsumerRecord<byte[], byte[]> record : consumer.poll(Duration.ofMillis(20))) {
                ChangeEnvelope envelope = EnvelopeCodec.decode(record.value());
                nextOffset = record.offset() + 1;
                SourceTransaction tx = assembler.add(envelope, record.offset());
                if (tx == null) {
                    continue;
                }
                if (tx.changes().isEmpty()) {
                    continue; // a transaction without captured changes, or a repeated COMMIT marker
                }
                if (position.covers(tx.txOrder(), tx.txId()) || isCoveredBy(ready, tx)) {
                    stats.recordReplaySkipped();
                    continue;
                }
                if (!tx.complete()) {
                    throw new IncompleteTransactionException("source transaction " + tx.txId() + " committed "
                            + tx.committed() + " changes but the change log holds " + tx.changes().size()
                            + " of them before its COMMIT (offsets from " + tx.firstOffset() + "); applying it would lose "
                            + "changes, so the applier stops: re-run the backfill for migration " + config.migration());
                }
                if (ready.isEmpty()) {
                    readySince = System.nanoTime();
                }
                ready.add(tx);
                readyChanges += tx.changes().size();
            }
            boolean full = readyChanges >= config.maxBatchChanges();
            boolean due = !ready.isEmpty() && System.nanoTime() - readySince >= config.maxBatchDelay().toNanos();
            if (full || due) {
                long resumeAt = assembler.earliestOpenOffset().orElse(nextOffset);
                position = applyBatch(target, batchApplier, ready, position, resumeAt);
                ready.clear();
                readyChanges = 0;
                lastRequestCheck = System.nanoTime();
            } else if (ready.isEmpty() && System.nanoTime() - lastRequestCheck > REQUEST_CHECK_INTERVAL_NANOS) {
                handleRequestsWhileIdle(target, batchApplier);
                lastRequestCheck = System.nanoTime();
            }
        }
    }

    private AppliedPosition applyBatch(Connection target, BatchApplier batchApplier, List<SourceTransaction> ready,
                                       AppliedPosition current, long resumeAt) throws SQLException {
        SourceTransaction last = ready.get(ready.size() - 1);
        AppliedPosition next = new AppliedPosition(resumeAt, last.txOrder(), last.txId());
        try (Statement st = target.createStatement()) {
            st.execute("SET CONSTRAINTS ALL DEFERRED");
        }
        long changes;
        try {
            changes = batchApplier.apply(target, ready, current, next);
            target.commit();
        } catch (SQLException | RuntimeException e) {
            batchApplier.drainParked();
            rollbackQuietly(target, e);
            throw e;
        }
        deadLetters.publish(batchApplier.drainParked());
        long now = System.currentTimeMillis();
        stats.recordBatch(ready.size(), changes);
        stats.recordTables(batchApplier.appliedByTarget());
        for (SourceTransaction tx : ready) {
            stats.recordLag(Math.max(0, now - tx.commitTimeMs()));
        }
        return next;
    }

    /** Without traffic, resume and skip requests are still carried out within about a second. */
    private void handleRequestsWhileIdle(Connection target, BatchApplier batchApplier) throws SQLException {
        try {
            batchApplier.handlePendingRequests(target);
            target.commit();
        } catch (SQLException | RuntimeException e) {
            batchApplier.drainParked();
            rollbackQuietly(target, e);
            throw e;
        }
        deadLetters.publish(batchApplier.drainParked());
    }

    private static boolean isCoveredBy(List<SourceTransaction> ready, SourceTransaction tx) {
        if (ready.isEmpty()) {
            return false;
        }
        SourceTransaction last = ready.get(ready.size() - 1);
        return new AppliedPosition(0, last.txOrder(), last.txId()).covers(tx.txOrder(), tx.txId());
    }

    private static void rollbackQuietly(Connection c, Exception cause) {
        try {
            c.rollback();
        } catch (SQLException rollbackFailure) {
            cause.addSuppressed(rollbackFailure);
        }
    }

    private static void sleepQuietly(long millis) {
        try {
            Thread.sleep(millis);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    /** Asks the loop to stop after the batch in flight; {@link #run()} returns soon after. */
    @Override
    public void close() {
        stopping = true;
        if (started) {
            consumer.wakeup();
        } else {
            consumer.close();
            deadLetters.close();
        }
    }
}
