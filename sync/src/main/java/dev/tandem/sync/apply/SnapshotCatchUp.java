package dev.tandem.sync.apply;

import dev.tandem.capture.envelope.FragmentJoiner;
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
import java.util.Map;
import java.util.function.LongPredicate;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.TopicPartition;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Applies the change log's prefix a snapshot already sees, and nothing after it, before a resumed
 * backfill copies rows under that snapshot: the change log is in commit order, so the transactions
 * visible in the snapshot come first, and the applier later resumes at the first one that is not.
 */
public final class SnapshotCatchUp {

    private static final Logger log = LoggerFactory.getLogger(SnapshotCatchUp.class);

    private SnapshotCatchUp() {
    }

    /**
     * Reads the change log from the stored position up to {@code endOffset} (everything the snapshot
     * can see must already be in it) and applies every transaction {@code visible} accepts, stopping
     * at the first it rejects. Returns the number of transactions applied.
     */
    public static long apply(ApplierConfig config, List<CompiledTable> tables, LongPredicate visible, long endOffset)
            throws SQLException {
        AppliedPositions positions = new AppliedPositions(config.migration(), config.changeTopic());
        BatchApplier batches = new BatchApplier(tables, positions, new TableStates(config.migration()),
                new FencesSeen(config.migration()), false);
        TopicPartition partition = new TopicPartition(config.changeTopic(), 0);
        long applied = 0;
        try (Connection target = config.target().connectAsSyncWriter("tandem-catch-up-" + config.migration());
             KafkaConsumer<byte[], byte[]> consumer = consumer(config)) {
            ChangeApplier.planForEachBatch(target);
            target.setAutoCommit(false);
            AppliedPosition position = positions.load(target);
            target.commit();
            consumer.assign(List.of(partition));
            consumer.seek(partition, position.nextOffset());
            TransactionAssembler assembler = new TransactionAssembler();
            FragmentJoiner fragments = new FragmentJoiner();
            List<SourceTransaction> ready = new ArrayList<>();
            long nextOffset = position.nextOffset();
            Long firstUnseen = null;
            int readyChanges = 0;
            while (firstUnseen == null && consumer.position(partition) < endOffset) {
                for (ConsumerRecord<byte[], byte[]> record : consumer.poll(Duration.ofMillis(100))) {
                    if (record.offset() >= endOffset || firstUnseen != null) {
                        break;
                    }
                    nextOffset = record.offset() + 1;
                    FragmentJoiner.Joined joined = fragments.add(record.offset(), record.value());
                    if (joined == null) {
                        continue;
                    }
                    SourceTransaction tx = assembler.add(joined.envelope(), joined.firstOffset());
                    if (tx == null || tx.changes().isEmpty()) {
                        continue;
                    }
                    if (position.covers(tx.txOrder(), tx.txId()) || covered(ready, tx)) {
                        continue;
                    }
                    if (!visible.test(tx.txId())) {
                        firstUnseen = tx.firstOffset();
                        break;
                    }
                    if (!tx.complete()) {
                        throw new IncompleteTransactionException("source transaction " + tx.txId() + " committed "
                                + tx.committed() + " changes but the change log holds " + tx.changes().size()
                                + " of them; resuming the backfill cannot go on: re-run it with --rebackfill");
                    }
                    ready.add(tx);
                    readyChanges += tx.changes().size();
                }
                if (readyChanges >= config.maxBatchChanges()) {
                    long resumeAt = resumeOffset(assembler, fragments, nextOffset);
                    position = applyBatch(target, batches, ready, position, resumeAt);
                    applied += ready.size();
                    ready.clear();
                    readyChanges = 0;
                }
            }
            if (!ready.isEmpty()) {
                long resumeAt = resumeOffset(assembler, fragments, nextOffset);
                if (firstUnseen != null) {
                    resumeAt = Math.min(resumeAt, firstUnseen);
                }
                position = applyBatch(target, batches, ready, position, resumeAt);
                applied += ready.size();
            }
            log.info("migration {}: caught up with {} source transactions the resume snapshot sees; the applier goes on "
                    + "from change-log offset {}", config.migration(), applied, position.nextOffset());
            return applied;
        }
    }

    private static AppliedPosition applyBatch(Connection target, BatchApplier batches, List<SourceTransaction> ready,
                                              AppliedPosition current, long resumeAt) throws SQLException {
        SourceTransaction last = ready.get(ready.size() - 1);
        AppliedPosition next = new AppliedPosition(resumeAt, last.txOrder(), last.txId());
        try (Statement st = target.createStatement()) {
            st.execute("SET CONSTRAINTS ALL DEFERRED");
        }
        try {
            batches.apply(target, ready, current, next);
            target.commit();
        } catch (SQLException | RuntimeException e) {
            try {
                target.rollback();
            } catch (SQLException rollback) {
                e.addSuppressed(rollback);
            }
            throw e;
        }
        batches.drainParked();
        return next;
    }

    /** The first record of the earliest open transaction or of a change still being joined, else {@code next}. */
    private static long resumeOffset(TransactionAssembler assembler, FragmentJoiner fragments, long next) {
        long resume = assembler.earliestOpenOffset().orElse(next);
        return Math.min(resume, fragments.joiningSince().orElse(resume));
    }

    private static boolean covered(List<SourceTransaction> ready, SourceTransaction tx) {
        if (ready.isEmpty()) {
            return false;
        }
        SourceTransaction last = ready.get(ready.size() - 1);
        return new AppliedPosition(0, last.txOrder(), last.txId()).covers(tx.txOrder(), tx.txId());
    }

    /** The change log's end offset now: the records a reader finds before it are all written. */
    public static long endOffset(ApplierConfig config) {
        try (KafkaConsumer<byte[], byte[]> consumer = consumer(config)) {
            TopicPartition partition = new TopicPartition(config.changeTopic(), 0);
            Map<TopicPartition, Long> end = consumer.endOffsets(List.of(partition), Duration.ofSeconds(30));
            return end.getOrDefault(partition, 0L);
        }
    }

    private static KafkaConsumer<byte[], byte[]> consumer(ApplierConfig config) {
        return ChangeLogConsumer.open(config.bootstrapServers(), "tandem-catch-up-" + config.migration(), null);
    }
}
