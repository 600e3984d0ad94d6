package dev.tandem.capture.envelope;

import java.util.Comparator;

/**
 * Where a change sits in the source's commit order: the transaction's place in the stream,
 * then the change's place inside it.
 *
 * <p>{@code txOrder} is the commit LSN of the transaction decoded just before this one (Debezium's
 * {@code lastCommitLsn}); pgoutput delivers whole transactions in commit order, so it grows with
 * every transaction even when their changes' own LSNs interleave. {@code lsn} is the change's own
 * WAL position (informative), {@code txId} the PostgreSQL transaction id and {@code orderInTx} the
 * 1-based index of the change within its transaction (0 for transaction markers).
 */
public record SourcePosition(long txOrder, long lsn, long txId, long orderInTx) implements Comparable<SourcePosition> {

    private static final Comparator<SourcePosition> ORDER = Comparator
            .comparingLong(SourcePosition::txOrder)
            .thenComparingLong(SourcePosition::txId)
            .thenComparingLong(SourcePosition::orderInTx);

    /** True when both positions belong to the same source transaction. */
    public boolean sameTransaction(SourcePosition other) {
        return other != null && txOrder == other.txOrder && txId == other.txId;
    }

    @Override
    public int compareTo(SourcePosition other) {
        return ORDER.compare(this, other);
    }

    /** PostgreSQL's textual form of an LSN, e.g. {@code 0/16B3748}. */
    public static String formatLsn(long lsn) {
        return Long.toHexString(lsn >>> 32).toUpperCase() + "/" + Long.toHexString(lsn & 0xFFFFFFFFL).toUpperCase();
    }


    @Override
    public String toString() {
        return "tx " + txId + " after " + formatLsn(txOrder) + " #" + orderInTx + " (lsn " + formatLsn(lsn) + ")";
    }
}
