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
 */
public record SourceTransaction(long txId, long txOrder, long commitTimeMs, List<ChangeEnvelope> changes,
                                long firstOffset, long committed, long logEnd) {

    /** True when every change the COMMIT counted is present. */
    public boolean complete() {
        return changes.size() == committed
                && (changes.isEmpty() || changes.get(changes.size() - 1).position().orderInTx() == committed);
    }

    /** True when a partition's share of the transaction is all there: the router counted what it sent. */
    public boolean shareComplete() {
        return changes.size() == committed;
    }
}
