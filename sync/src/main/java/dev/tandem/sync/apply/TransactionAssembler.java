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
                pending.changes.put(envelope.position().orderInTx(), envelope);
                return null;
            }
            case COMMIT -> {
                open.remove(txId);
                List<ChangeEnvelope> changes = new ArrayList<>(pending.changes.values());
                long txOrder = changes.isEmpty() ? 0 : changes.get(changes.size() - 1).position().txOrder();
                return new SourceTransaction(txId, txOrder, envelope.commitTimeMs(), changes, pending.firstOffset,
                        envelope.eventCount(), logOffset + 1);
            }
            default -> throw new IllegalStateException("unknown envelope kind " + envelope.kind());
        }
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

        Pending(long firstOffset) {
            this.firstOffset = firstOffset;
        }
    }
}
