package dev.tandem.sync.apply;

import dev.tandem.capture.envelope.ChangeEnvelope;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.OptionalLong;
import java.util.TreeMap;

/**
 * Reassembles source transactions from the change log, tolerating the repeats an at-least-once
 * capture produces: a change seen twice (same transaction, same order) is kept once. A COMMIT
 * releases what arrived for its transaction; after a capture restart that may be only the tail
 * of a transaction applied before, which the applier recognises by its position.
 *
 * <p>A transaction too large to hold whole is taken in parts while it is still open ({@link #takeOpen}); the
 * assembler then keeps only how far it was taken, drops repeats of what was taken (a capture replay starts the
 * transaction over from its first change), and its COMMIT releases the rest.
 */
public final class TransactionAssembler {

    private final Map<Long, Pending> open = new LinkedHashMap<>();

    /** Adds one record of the ordered change log; returns the transaction it completed, if any. */
    public SourceTransaction add(ChangeEnvelope envelope, long offset) {
        return add(envelope, offset, offset);
    }

    /**
     * Adds one change-log record read at {@code offset}; {@code logOffset} is where the record sits in the ordered
     * change log (the same offset unless a router copied it into a partition). Returns the transaction it
     * completed, if any.
     */
    public SourceTransaction add(ChangeEnvelope envelope, long offset, long logOffset) {
        long txId = envelope.position().txId();
        Pending pending = open.computeIfAbsent(txId, id -> new Pending(offset));
        switch (envelope.kind()) {
            case BEGIN -> {
                return null;
            }
            case CHANGE, FENCE -> {
                if (envelope.position().orderInTx() > pending.takenUpTo) {
                    pending.changes.put(envelope.position().orderInTx(), envelope);
                }
                return null;
            }
            case COMMIT -> {
                open.remove(txId);
                List<ChangeEnvelope> changes = new ArrayList<>(pending.changes.values());
                long txOrder = changes.isEmpty() ? 0 : changes.get(changes.size() - 1).position().txOrder();
                if (changes.isEmpty() && pending.takenCount > 0) {
                    txOrder = pending.txOrder;
                }
                return new SourceTransaction(txId, txOrder, envelope.commitTimeMs(), changes, pending.firstOffset,
                        envelope.eventCount(), logOffset + 1, pending.takenUpTo, pending.takenCount);
            }
            default -> throw new IllegalStateException("unknown envelope kind " + envelope.kind());
        }
    }

    /** Changes held for the open transaction {@code txId} (0 when it is not open). */
    public int held(long txId) {
        Pending pending = open.get(txId);
        return pending == null ? 0 : pending.changes.size();
    }

    /**
     * Takes the changes held for the open transaction {@code txId}, in order, so a transaction of any size needs only
     * a part of it in memory. They must follow on from the part taken before without a gap: a gap means the change
     * log lost changes, and taking them would apply the transaction without them.
     */
    public List<ChangeEnvelope> takeOpen(long txId) {
        return takeOpen(txId, true);
    }

    /**
     * Takes the changes held for the open transaction {@code txId} like {@link #takeOpen(long)}; {@code numbered}
     * says whether they are the whole transaction, numbered without a gap (the ordered change log), or a partition's
     * share of it (checked only by its count, at its COMMIT).
     */
    public List<ChangeEnvelope> takeOpen(long txId, boolean numbered) {
        Pending pending = open.get(txId);
        if (pending == null || pending.changes.isEmpty()) {
            return List.of();
        }
        long expected = pending.takenUpTo + 1;
        long first = pending.changes.firstKey();
        long last = pending.changes.lastKey();
        if (numbered && (first != expected || last - first + 1 != pending.changes.size())) {
            throw new IncompleteTransactionException("source transaction " + txId + " is missing changes in the change "
                    + "log: after change " + pending.takenUpTo + " it holds " + pending.changes.size() + " changes numbered "
                    + first + " to " + last + " (offsets from " + pending.firstOffset + "); applying it would lose changes");
        }
        List<ChangeEnvelope> part = new ArrayList<>(pending.changes.values());
        pending.changes.clear();
        pending.takenUpTo = last;
        pending.takenCount += part.size();
        pending.txOrder = part.get(part.size() - 1).position().txOrder();
        return part;
    }

    /** Offset of the earliest record of a transaction still incomplete, if any: re-reading starts there. */
    public OptionalLong earliestOpenOffset() {
        return open.values().stream().mapToLong(p -> p.firstOffset).min();
    }

    public int openTransactions() {
        return open.size();
    }

    private static final class Pending {
        final long firstOffset;
        final TreeMap<Long, ChangeEnvelope> changes = new TreeMap<>();
        /** The highest change number taken in parts before the COMMIT, and the transaction's order key then. */
        long takenUpTo;
        long takenCount;
        long txOrder;

        Pending(long firstOffset) {
            this.firstOffset = firstOffset;
        }
    }
}
