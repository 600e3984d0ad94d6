package dev.tandem.sync.control;

/**
 * The last source transaction applied to the new schema and the change-log offset to read next;
 * written in the same target transaction as the rows it accounts for.
 *
 * @param nextOffset change-log offset of the first record not yet fully applied
 * @param txOrder    commit-order key of the last applied source transaction (0: none yet)
 * @param txId       PostgreSQL id of the last applied source transaction
 */
public record AppliedPosition(long nextOffset, long txOrder, long txId) {

    public static final AppliedPosition START = new AppliedPosition(0, 0, 0);

    /** True when the transaction at {@code (txOrder, txId)} is already reflected in the target. */
    public boolean covers(long otherTxOrder, long otherTxId) {
        if (txOrder == 0 && txId == 0) {
            return false;
        }
        return otherTxOrder < txOrder || (otherTxOrder == txOrder && otherTxId == txId);
    }
}
