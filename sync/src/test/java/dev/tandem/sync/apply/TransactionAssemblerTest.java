package dev.tandem.sync.apply;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.tandem.capture.envelope.ChangeEnvelope;
import dev.tandem.capture.envelope.Operation;
import dev.tandem.capture.envelope.SourcePosition;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.OptionalLong;
import java.util.Set;
import org.junit.jupiter.api.Test;

class TransactionAssemblerTest {

    private final TransactionAssembler assembler = new TransactionAssembler();

    @Test
    void releasesATransactionAtItsCommitWithChangesInOrder() {
        assertNull(assembler.add(begin(7), 10));
        assertNull(assembler.add(change(7, 1, "a"), 11));
        assertNull(assembler.add(change(7, 2, "b"), 12));
        assertEquals(OptionalLong.of(10), assembler.earliestOpenOffset());
        SourceTransaction tx = assembler.add(commit(7, 2), 13);
        assertEquals(7, tx.txId());
        assertEquals(100, tx.txOrder());
        assertEquals(10, tx.firstOffset());
        assertEquals("a", tx.changes().get(0).key().get("id"));
        assertTrue(tx.complete());
        assertEquals(0, assembler.openTransactions());
        assertEquals(OptionalLong.empty(), assembler.earliestOpenOffset());
    }

    @Test
    void aRepeatedChangeIsKeptOnce() {
        assembler.add(begin(7), 0);
        assembler.add(change(7, 1, "a"), 1);
        assembler.add(begin(7), 2); // capture restarted and sent the transaction again
        assembler.add(change(7, 1, "a"), 3);
        assembler.add(change(7, 2, "b"), 4);
        SourceTransaction tx = assembler.add(commit(7, 2), 5);
        assertEquals(2, tx.changes().size());
        assertTrue(tx.complete());
    }

    @Test
    void aCommitWithMissingChangesIsReportedIncomplete() {
        assembler.add(change(8, 2, "b"), 0); // only the tail of a transaction
        SourceTransaction tx = assembler.add(commit(8, 2), 1);
        assertFalse(tx.complete());
        assertEquals(1, tx.changes().size());
    }

    @Test
    void transactionsOpenAtOnceKeepTheEarliestOffset() {
        assembler.add(begin(1), 5);
        assembler.add(begin(2), 9);
        assembler.add(change(2, 1, "x"), 10);
        assembler.add(commit(2, 1), 11);
        assertEquals(OptionalLong.of(5), assembler.earliestOpenOffset());
    }

    @Test
    void aTransactionTakenInPartsKeepsOnlyWhatFollowsAndCountsTheRestAtItsCommit() {
        assembler.add(begin(7), 20);
        assembler.add(change(7, 1, "a"), 21);
        assembler.add(change(7, 2, "b"), 22);
        assertEquals(2, assembler.held(7));
        assertEquals(List.of("a", "b"), ids(assembler.takeOpen(7)));
        assertEquals(0, assembler.held(7));
        assertEquals(OptionalLong.of(20), assembler.earliestOpenOffset(), "re-reading still starts at its BEGIN");
        assembler.add(begin(7), 23); // capture restarted inside it and sends it again from the start
        assembler.add(change(7, 1, "a"), 24);
        assembler.add(change(7, 2, "b"), 25);
        assembler.add(change(7, 3, "c"), 26);
        assertEquals(1, assembler.held(7), "what was taken is not held again");
        SourceTransaction tx = assembler.add(commit(7, 3), 27);
        assertEquals(List.of("c"), ids(tx.changes()));
        assertEquals(2, tx.streamedUpTo());
        assertEquals(100, tx.txOrder());
        assertTrue(tx.complete());
    }

    @Test
    void aTransactionTakenWholeInPartsStillCompletesAtItsCommit() {
        assembler.add(change(7, 1, "a"), 1);
        assembler.takeOpen(7);
        SourceTransaction tx = assembler.add(commit(7, 1), 2);
        assertTrue(tx.changes().isEmpty() && tx.streamed() && tx.complete());
        assertEquals(100, tx.txOrder(), "its order key comes from the changes taken");
        assertFalse(assembler.add(commit(8, 2), 3).complete(), "a commit counting changes never seen is incomplete");
    }

    @Test
    void aPartWithAGapIsRefusedRatherThanApplied() {
        assembler.add(change(7, 1, "a"), 1);
        assembler.add(change(7, 3, "c"), 2);
        IncompleteTransactionException e = assertThrows(IncompleteTransactionException.class, () -> assembler.takeOpen(7));
        assertTrue(e.getMessage().contains("numbered 1 to 3"), e.getMessage());
    }

    private static List<String> ids(List<ChangeEnvelope> changes) {
        return changes.stream().map(c -> c.key().get("id")).toList();
    }

    private static ChangeEnvelope begin(long tx) {
        return ChangeEnvelope.begin(new SourcePosition(0, 0, tx, 0), 1L);
    }

    private static ChangeEnvelope commit(long tx, long count) {
        return ChangeEnvelope.commit(new SourcePosition(0, 0, tx, 0), 1L, count);
    }

    private static ChangeEnvelope change(long tx, long order, String id) {
        LinkedHashMap<String, String> key = new LinkedHashMap<>();
        key.put("id", id);
        return ChangeEnvelope.change(new SourcePosition(100, 1000 + order, tx, order), 1L, "s.t", Operation.INSERT, key,
                null, new LinkedHashMap<>(key), Set.of());
    }
}
