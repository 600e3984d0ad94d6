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
 */
public record SourceTransaction(long txId, long txOrder, long commitTimeMs, List<ChangeEnvelope> changes,
                                long firstOffset) {
}
