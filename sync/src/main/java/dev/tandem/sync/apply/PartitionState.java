package dev.tandem.sync.apply;

import dev.tandem.capture.envelope.ChangeEnvelope;
import dev.tandem.capture.envelope.FragmentJoiner;
import dev.tandem.sync.control.AppliedPosition;
import dev.tandem.sync.route.KeyedLog;
import java.util.ArrayList;
import java.util.List;
import org.apache.kafka.clients.consumer.ConsumerRecord;

/**
 * What one applier holds for one partition of its input: the applied position, the transactions being assembled
 * and the complete ones waiting to share a target transaction.
 */
final class PartitionState {

    /** Encoded bytes held for an open transaction at which its part is due, however few changes they are. */
    static final long PART_BYTES = 16L << 20;

    final int partition;
    final BatchApplier batches;
    private final boolean share;
    AppliedPosition position;
    private final TransactionAssembler assembler = new TransactionAssembler();
    private final FragmentJoiner fragments = new FragmentJoiner();
    final List<SourceTransaction> ready = new ArrayList<>();
    private int readyChanges;
    private long readySince;
    private long nextOffset;
    /** Bytes of the records read since the last COMMIT or part: what the open transaction holds, about. */
    private long heldBytes;
    /** The source transaction of the last record read, and its order key while it is open. */
    private long lastTxId = -1;
    private long lastTxOrder;
    /** Changes of the open source transaction already written into the open target transaction (0: none). */
    private long streamed;

    /** @param share whether the partition holds a share of each transaction (per-key) rather than all of it */
    PartitionState(int partition, BatchApplier batches, AppliedPosition position, long readFrom, boolean share) {
        this.partition = partition;
        this.batches = batches;
        this.position = position;
        this.nextOffset = readFrom;
        this.share = share;
    }

    /** Takes one record; a transaction it completes joins the ready ones unless already applied. */
    void add(ConsumerRecord<byte[], byte[]> record, ApplyStats stats, String migration) {
        FragmentJoiner.Joined joined = fragments.add(record.offset(), record.value());
        nextOffset = record.offset() + 1;
        heldBytes += record.value().length;
        if (joined == null) {
            return; // a fragment of a large change: the change is taken once its last fragment arrived
        }
        ChangeEnvelope envelope = joined.envelope();
        lastTxId = envelope.position().txId();
        lastTxOrder = envelope.position().txOrder();
        SourceTransaction tx = assembler.add(envelope, joined.firstOffset(), KeyedLog.logOffsetOf(record));
        if (tx != null) {
            heldBytes = 0;
        }
        if (tx == null || (tx.changes().isEmpty() && !tx.streamed())) {
            return; // a transaction without captured changes, or a repeated COMMIT marker
        }
        if (position.covers(tx.txOrder(), tx.txId()) || coveredByReady(tx)) {
            stats.recordReplaySkipped();
            return;
        }
        if (share ? !tx.shareComplete() : !tx.complete()) {
            throw new IncompleteTransactionException("source transaction " + tx.txId() + " committed "
                    + tx.committed() + " changes " + (share ? "to partition " + partition + " " : "")
                    + "but the change log holds " + tx.changes().size() + " of them before its COMMIT (offsets from "
                    + tx.firstOffset() + "); applying it would lose changes, so the applier stops: re-run the backfill "
                    + "for migration " + migration);
        }
        if (ready.isEmpty()) {
            readySince = System.nanoTime();
        }
        ready.add(tx);
        readyChanges += tx.changes().size();
    }

    /**
     * True when the source transaction being read holds a batch's worth of changes (or {@link #PART_BYTES} of large
     * ones) before its COMMIT: it is taken in parts, each written into one target transaction the COMMIT's batch
     * commits, so memory does not grow with a transaction's size. In per-key ordering this is the partition's share;
     * its applier shares one connection among its partitions, so it lets no other partition write (and reads none)
     * until this share's COMMIT has committed the parts.
     */
    boolean partDue(ApplierConfig config) {
        int held = assembler.held(lastTxId);
        return held >= config.maxBatchChanges() || (held > 0 && heldBytes >= PART_BYTES);
    }

    /**
     * The next part of the open transaction, in order; empty when the target already has the transaction (a replay
     * after a restart), whose changes are then dropped as they arrive.
     */
    List<ChangeEnvelope> takePart() {
        List<ChangeEnvelope> part = assembler.takeOpen(lastTxId, !share);
        heldBytes = 0;
        if (position.covers(lastTxOrder, lastTxId)) {
            return List.of();
        }
        return part;
    }

    /** Records that {@code changes} of the open transaction were written into the open target transaction. */
    void partWritten(long changes) {
        streamed += changes;
    }

    /** Changes of the open source transaction written into the open target transaction so far (0: none). */
    long streamed() {
        return streamed;
    }

    /** True when the ready transactions fill a batch or waited long enough. */
    boolean due(ApplierConfig config) {
        return readyChanges >= config.maxBatchChanges()
                || (!ready.isEmpty() && System.nanoTime() - readySince >= config.maxBatchDelay().toNanos());
    }

    /** The position the ready transactions lead to: re-reading starts at the first transaction still incomplete. */
    AppliedPosition next() {
        SourceTransaction last = ready.get(ready.size() - 1);
        return new AppliedPosition(resumeOffset(), last.txOrder(), last.txId());
    }

    /**
     * Where re-reading must start so that nothing not yet applied is missed: the first record of the earliest
     * transaction still open, or of a large change still being joined, else the next record.
     */
    private long resumeOffset() {
        long resume = assembler.earliestOpenOffset().orElse(nextOffset);
        return Math.min(resume, fragments.joiningSince().orElse(resume));
    }

    void applied(AppliedPosition next) {
        position = next;
        streamed = 0;
        ready.clear();
        readyChanges = 0;
    }

    private boolean coveredByReady(SourceTransaction tx) {
        if (ready.isEmpty()) {
            return false;
        }
        SourceTransaction last = ready.get(ready.size() - 1);
        return new AppliedPosition(0, last.txOrder(), last.txId()).covers(tx.txOrder(), tx.txId());
    }
}
