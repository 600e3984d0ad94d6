package dev.tandem.sync.apply;

import dev.tandem.capture.envelope.ChangeEnvelope;
import java.util.List;

/**
 * One complete source transaction read from the change log, its changes in source order.
 *
 * @param txId          PostgreSQL transaction id
 * @param txOrder       commit-order key shared by its changes
 * @param commitTimeMs  source commit time
 * @param changes       the row changes, in order within the transaction
 * @param firstOffset   change-log offset of the first record that belongs to it
 * @param committed     how many changes the source's COMMIT said the transaction carried (in a partition of a
 *                      per-key change log: how many of them the router sent to that partition)
 * @param logEnd        offset of the ordered change log just past the transaction's COMMIT
 * @param streamedUpTo  for a transaction too large to hold whole: the number of the last change taken earlier, in
 *                      parts, and {@code changes} holds the rest (0 when it was held whole)
 * @param streamedCount how many changes were taken in those parts (a partition's share is not numbered 1, 2, 3…)
 */
public record SourceTransaction(long txId, long txOrder, long commitTimeMs, List<ChangeEnvelope> changes,
                                long firstOffset, long committed, long logEnd, long streamedUpTo, long streamedCount) {

    public SourceTransaction(long txId, long txOrder, long commitTimeMs, List<ChangeEnvelope> changes, long firstOffset,
                             long committed, long logEnd) {
        this(txId, txOrder, commitTimeMs, changes, firstOffset, committed, logEnd, 0, 0);
    }

    /** True when every change the COMMIT counted is present (or was taken in an earlier part). */
    public boolean complete() {
        long last = changes.isEmpty() ? streamedUpTo : changes.get(changes.size() - 1).position().orderInTx();
        return streamedCount == streamedUpTo && streamedUpTo + changes.size() == committed && last == committed;
    }

    /** True when the transaction was taken in parts (see {@link TransactionAssembler#takeOpen}). */
    public boolean streamed() {
        return streamedCount > 0;
    }

    /** True when a partition's share of the transaction is all there: the router counted what it sent. */
    public boolean shareComplete() {
        return streamedCount + changes.size() == committed;
    }
}
