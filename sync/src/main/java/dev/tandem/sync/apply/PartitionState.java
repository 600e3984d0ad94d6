package dev.tandem.sync.apply;

import dev.tandem.capture.envelope.ChangeEnvelope;
import dev.tandem.capture.envelope.EnvelopeCodec;
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

    final int partition;
    final BatchApplier batches;
    private final boolean share;
    AppliedPosition position;
    private final TransactionAssembler assembler = new TransactionAssembler();
    final List<SourceTransaction> ready = new ArrayList<>();
    private int readyChanges;
    private long readySince;
    private long nextOffset;

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
        ChangeEnvelope envelope = EnvelopeCodec.decode(record.value());
        nextOffset = record.offset() + 1;
        SourceTransaction tx = assembler.add(envelope, record.offset(), KeyedLog.logOffsetOf(record));
        if (tx == null || tx.changes().isEmpty()) {
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

    /** True when the ready transactions fill a batch or waited long enough. */
    boolean due(ApplierConfig config) {
        return readyChanges >= config.maxBatchChanges()
                || (!ready.isEmpty() && System.nanoTime() - readySince >= config.maxBatchDelay().toNanos());
    }

    /** The position the ready transactions lead to: re-reading starts at the first transaction still incomplete. */
    AppliedPosition next() {
        SourceTransaction last = ready.get(ready.size() - 1);
        return new AppliedPosition(assembler.earliestOpenOffset().orElse(nextOffset), last.txOrder(), last.txId());
    }

    void applied(AppliedPosition next) {
        position = next;
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
