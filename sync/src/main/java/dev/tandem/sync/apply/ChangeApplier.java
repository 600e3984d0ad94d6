package dev.tandem.sync.apply;

import dev.tandem.capture.envelope.ChangeEnvelope;
import dev.tandem.sync.control.AppliedPosition;
import dev.tandem.sync.control.AppliedPositions;
import dev.tandem.sync.control.PositionTakenException;
import dev.tandem.sync.control.FencesSeen;
import dev.tandem.sync.control.TableStates;
import dev.tandem.sync.mapping.CompiledTable;
import java.sql.Connection;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.util.Collection;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.apache.kafka.clients.consumer.ConsumerRebalanceListener;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.ConsumerRecords;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.errors.WakeupException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Reads the change log and applies whole source transactions to the new schema, in source commit
 * order; the only writer of the migration's target tables and of its applied positions.
 *
 * <p>In transactional ordering it reads the one partition of the ordered change log. In per-key ordering it is
 * one member of a Kafka consumer group over the keyed change log, and applies each partition Kafka assigns it
 * in that partition's order, one target transaction per partition and batch.
 *
 * <p>The offset to resume from is stored with the data in the target, per partition, so Kafka's own
 * consumer offsets are never trusted; transactions the target already reflects (a capture replay)
 * are skipped by their source position. A lost connection makes the applier reconnect and resume
 * from the stored positions; any other failure stops it with the cause in {@link #failure()}.
 */
public final class ChangeApplier implements Runnable, AutoCloseable {

    private static final Logger log = LoggerFactory.getLogger(ChangeApplier.class);
    private static final long REQUEST_CHECK_INTERVAL_NANOS = 1_000_000_000L;

    private final ApplierConfig config;
    private final List<CompiledTable> tables;
    private final TableStates states;
    private final ApplyStats stats;
    private final KafkaConsumer<byte[], byte[]> consumer;
    private final DeadLetterWriter deadLetters;
    private final boolean perKey;
    private final Map<TopicPartition, PartitionState> partitions = new LinkedHashMap<>();
    /**
     * The partition whose parts of a large source transaction the connection's open target transaction holds, or null:
     * until its COMMIT's batch commits them, no other partition may write (its commit would commit those parts), and
     * the others are paused so they hold no more than one poll's records meanwhile.
     */
    private PartitionState streaming;
    /** Set by the rebalance when the streaming partition left this applier: its parts are rolled back. */
    private boolean streamingRevoked;
    /** Partitions Kafka assigned that are not yet positioned at their stored offsets. */
    private final Set<TopicPartition> toOpen = new HashSet<>();
    private int partsInTopic = 1;
    private volatile boolean stopping;
    private volatile Throwable failure;
    private volatile boolean running;
    private volatile boolean started;
    private final Object startOrClose = new Object();

    public ChangeApplier(ApplierConfig config, List<CompiledTable> tables) {
        this(config, tables, new ApplyStats());
    }

    /** An applier counting into {@code stats}, which the other appliers of this instance may share. */
    public ChangeApplier(ApplierConfig config, List<CompiledTable> tables, ApplyStats stats) {
        this.config = config;
        this.tables = List.copyOf(tables);
        this.states = new TableStates(config.migration());
        this.stats = stats;
        this.perKey = config.ordering().perKey();
        // in per-key ordering the group only shares the partitions out; positions live in the target, never in Kafka
        this.consumer = ChangeLogConsumer.open(config.bootstrapServers(), "tandem-applier-" + config.migration(),
                perKey ? "tandem-applier-" + config.changeTopic() : null);
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

    /** Partitions of its input this applier holds now (per-key: what the consumer group gave it). */
    public synchronized List<Integer> partitions() {
        return partitions.keySet().stream().map(TopicPartition::partition).sorted().toList();
    }

    @Override
    public void run() {
        synchronized (startOrClose) {
            if (stopping) {
                return; // closed before its thread ran: close() released the consumer
            }
            started = true;
        }
        running = true;
        try {
            if (perKey) {
                partsInTopic = consumer.partitionsFor(config.changeTopic(), Duration.ofSeconds(30)).size();
                consumer.subscribe(List.of(config.changeTopic()), new Rebalance());
            } else {
                consumer.assign(List.of(new TopicPartition(config.changeTopic(), 0)));
            }
            int attempt = 0;
            while (!stopping) {
                try (Connection target = config.target().connectAsSyncWriter("tandem-applier-" + config.migration())) {
                    planForEachBatch(target);
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
        synchronized (this) {
            partitions.clear();
        }
        streaming = null; // a new connection: whatever the last one held open was rolled back with it
        streamingRevoked = false;
        consumer.resume(consumer.paused());
        toOpen.addAll(consumer.assignment());
        BatchApplier requests = batchApplier(0);
        long lastRequestCheck = System.nanoTime();
        while (!stopping) {
            openAssigned(target);
            ConsumerRecords<byte[], byte[]> records = consumer.poll(Duration.ofMillis(20));
            if (streamingRevoked) {
                // another member reads that partition again from its stored position: its parts must not commit here
                target.rollback();
                endStreaming();
            } else if (streaming != null) {
                pauseOthers(); // including partitions this poll's rebalance assigned
            }
            for (TopicPartition tp : records.partitions()) {
                PartitionState partition = partitions.get(tp);
                if (partition == null) {
                    continue; // assigned during this poll: read again from its stored position
                }
                for (ConsumerRecord<byte[], byte[]> record : records.records(tp)) {
                    partition.add(record, stats, config.migration());
                }
            }
            boolean applied = false;
            boolean waiting = false;
            for (PartitionState partition : List.copyOf(partitions.values())) {
                if (streaming != null && streaming != partition) {
                    waiting |= !partition.ready.isEmpty();
                    continue; // the open target transaction holds another partition's parts
                }
                if (partition.due(config)) {
                    applyBatch(target, partition);
                    applied = true;
                }
                if (partition.partDue(config)) {
                    applyPart(target, partition);
                    applied = true;
                }
                // an open target transaction holding a part of a large source transaction is committed only by its batch
                waiting |= !partition.ready.isEmpty() || partition.streamed() > 0;
            }
            if (applied) {
                lastRequestCheck = System.nanoTime();
            } else if (!waiting && System.nanoTime() - lastRequestCheck > REQUEST_CHECK_INTERVAL_NANOS) {
                handleRequestsWhileIdle(target, requests);
                lastRequestCheck = System.nanoTime();
            }
        }
    }

    /** Loads the stored position of each newly assigned partition and reads on from there. */
    private void openAssigned(Connection target) throws SQLException {
        for (TopicPartition tp : List.copyOf(toOpen)) {
            AppliedPositions positions = positions(tp.partition());
            AppliedPositions.Stored stored = positions.loadStored(target);
            target.commit();
            if (!perKey && !stored.topic().equals(config.changeTopic())) {
                throw new IllegalStateException("migration " + config.migration() + ": the applied position was written "
                        + "for " + stored.topic() + " by per-key ordering; transactional ordering cannot take over from "
                        + "it. Set sync.ordering back to per-key, or re-run with --rebackfill");
            }
            consumer.seek(tp, stored.readFrom());
            synchronized (this) {
                partitions.put(tp, new PartitionState(tp.partition(), batchApplier(tp.partition()), stored.position(),
                        stored.readFrom(), perKey));
            }
            toOpen.remove(tp);
        }
    }

    /**
     * Plans each statement for its own batch: a generic plan assumes a handful of rows in the batch's arrays, and
     * joined with a target table whose statistics say "empty" (analyzed while one large transaction fills it, or
     * after one rolled back) it reads the whole table once per row of the next 5 000-change part.
     */
    static void planForEachBatch(Connection target) throws SQLException {
        try (Statement st = target.createStatement()) {
            st.execute("SET plan_cache_mode = force_custom_plan");
        }
    }

    private AppliedPositions positions(int part) {
        return new AppliedPositions(config.migration(), config.changeTopic(), part, config.logTopic());
    }

    private BatchApplier batchApplier(int part) {
        return new BatchApplier(tables, positions(part), states, new FencesSeen(config.migration(), part, partsInTopic),
                perKey);
    }

    private void applyBatch(Connection target, PartitionState partition) throws SQLException {
        AppliedPosition next = partition.next();
        try (Statement st = target.createStatement()) {
            st.execute("SET CONSTRAINTS ALL DEFERRED");
        }
        BatchApplier batches = partition.batches;
        long changes;
        try {
            changes = batches.apply(target, partition.ready, partition.position, next);
            target.commit();
        } catch (PositionTakenException e) {
            batches.drainParked();
            rollbackQuietly(target, e);
            if (!perKey) {
                throw e;
            }
            if (streaming != null) {
                endStreaming(); // the rollback took the parts with it
            }
            // another member of the group applied this partition meanwhile (a rebalance): start it over from the target
            log.warn("applier {}: {}; re-reading partition {} from its stored position", config.migration(), e.getMessage(),
                    partition.partition);
            reopen(partition.partition);
            return;
        } catch (SQLException | RuntimeException e) {
            batches.drainParked();
            rollbackQuietly(target, e);
            throw e;
        }
        deadLetters.publish(batches.drainParked());
        long now = System.currentTimeMillis();
        stats.recordBatch(partition.ready.size(), changes + partition.streamed());
        stats.recordTables(batches.appliedByTarget());
        for (SourceTransaction tx : partition.ready) {
            stats.recordLag(Math.max(0, now - tx.commitTimeMs()));
        }
        partition.applied(next);
        if (streaming == partition) {
            endStreaming();
        }
    }

    /** Stops reading every partition but the streaming one (per-key ordering: the others wait for its COMMIT). */
    private void pauseOthers() {
        TopicPartition own = new TopicPartition(config.changeTopic(), streaming.partition);
        List<TopicPartition> others = consumer.assignment().stream().filter(tp -> !tp.equals(own)).toList();
        if (!others.isEmpty()) {
            consumer.pause(others);
        }
    }

    /** The open target transaction is committed or rolled back: every partition may write and be read again. */
    private void endStreaming() {
        streaming = null;
        streamingRevoked = false;
        consumer.resume(consumer.paused());
    }

    /**
     * Writes the next part of a source transaction too large to hold whole into the open target transaction; the
     * complete transactions read before it are committed first, on their own. The part is committed with the rest
     * of its transaction, and the position with it, by the batch its COMMIT completes: until then nothing of it is
     * visible, and a restart reads it again from its first record.
     */
    private void applyPart(Connection target, PartitionState partition) throws SQLException {
        if (!partition.ready.isEmpty()) {
            applyBatch(target, partition);
        }
        List<ChangeEnvelope> part = partition.takePart();
        if (part.isEmpty()) {
            return;
        }
        BatchApplier batches = partition.batches;
        try {
            if (partition.streamed() == 0) {
                try (Statement st = target.createStatement()) {
                    st.execute("SET CONSTRAINTS ALL DEFERRED");
                }
            }
            long changes = batches.applyPart(target, part);
            partition.partWritten(changes);
            stats.recordPart(changes);
            streaming = partition;
            pauseOthers();
        } catch (SQLException | RuntimeException e) {
            batches.drainParked();
            rollbackQuietly(target, e);
            throw e;
        }
    }

    private synchronized void reopen(int part) {
        TopicPartition tp = new TopicPartition(config.changeTopic(), part);
        partitions.remove(tp);
        toOpen.add(tp);
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

    /** Kafka moves partitions between the group's members; what was not applied is read again by the new owner. */
    private final class Rebalance implements ConsumerRebalanceListener {

        @Override
        public void onPartitionsRevoked(Collection<TopicPartition> revoked) {
            synchronized (ChangeApplier.this) {
                if (streaming != null && revoked.contains(new TopicPartition(config.changeTopic(), streaming.partition))) {
                    streamingRevoked = true;
                }
                revoked.forEach(partitions::remove);
            }
            toOpen.removeAll(revoked);
        }

        @Override
        public void onPartitionsAssigned(Collection<TopicPartition> assigned) {
            toOpen.addAll(assigned);
            if (!assigned.isEmpty()) {
                log.info("applier {}: applies partitions {} of {}", config.migration(),
                        assigned.stream().map(TopicPartition::partition).sorted().toList(), config.changeTopic());
            }
        }
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
        // decided under the same lock as run()'s start, so the consumer is closed by exactly one thread
        synchronized (startOrClose) {
            stopping = true;
            if (started) {
                consumer.wakeup();
            } else {
                consumer.close();
                deadLetters.close();
            }
        }
    }
}
