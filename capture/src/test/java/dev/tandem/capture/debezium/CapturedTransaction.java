package dev.tandem.capture.debezium;

import dev.tandem.capture.envelope.ChangeEnvelope;
import dev.tandem.capture.envelope.EnvelopeKind;
import java.util.ArrayList;
import java.util.List;

/**
 * One source transaction as it appears in the change log: its BEGIN, its changes and its COMMIT, and where
 * it starts in the stream.
 */
record CapturedTransaction(int streamIndex, ChangeEnvelope begin, List<ChangeEnvelope> changes, ChangeEnvelope commit) {

    long txId() {
        return begin.position().txId();
    }

    long txOrder() {
        return begin.position().txOrder();
    }

    /**
     * Splits the stream into transactions and checks what every transaction must satisfy: BEGIN, changes and
     * COMMIT of one txId are contiguous; the COMMIT counts the changes; orderInTx runs 1..n; BEGIN, changes
     * and COMMIT share txOrder; and txOrder strictly increases from one transaction to the next.
     */
    static List<CapturedTransaction> split(List<ChangeEnvelope> stream) {
        List<CapturedTransaction> transactions = new ArrayList<>();
        int i = 0;
        while (i < stream.size()) {
            ChangeEnvelope begin = stream.get(i);
            check(begin.kind() == EnvelopeKind.BEGIN, "envelope " + i + " opens no transaction: " + begin);
            long txId = begin.position().txId();
            List<ChangeEnvelope> changes = new ArrayList<>();
            int j = i + 1;
            while (j < stream.size() && (stream.get(j).kind() == EnvelopeKind.CHANGE || stream.get(j).kind() == EnvelopeKind.FENCE)) {
                ChangeEnvelope change = stream.get(j);
                check(change.position().txId() == txId, "change " + j + " of tx " + change.position().txId()
                        + " sits inside tx " + txId + ": " + change);
                check(change.position().txOrder() == begin.position().txOrder(), "change " + j + " has txOrder "
                        + change.position().txOrder() + " but its BEGIN has " + begin.position().txOrder());
                check(change.position().orderInTx() == changes.size() + 1, "change " + j + " of tx " + txId
                        + " has orderInTx " + change.position().orderInTx() + ", expected " + (changes.size() + 1));
                changes.add(change);
                j++;
            }
            check(j < stream.size(), "tx " + txId + " has no COMMIT yet (stream ends at " + j + ")");
            ChangeEnvelope commit = stream.get(j);
            check(commit.kind() == EnvelopeKind.COMMIT && commit.position().txId() == txId,
                    "tx " + txId + " is closed by " + commit);
            check(commit.position().sameTransaction(begin.position()), "COMMIT of tx " + txId + " is at " + commit.position()
                    + ", not in the transaction its BEGIN opened at " + begin.position());
            check(commit.eventCount() == changes.size(), "COMMIT of tx " + txId + " counts " + commit.eventCount()
                    + " events but the tx carried " + changes.size());
            CapturedTransaction tx = new CapturedTransaction(i, begin, List.copyOf(changes), commit);
            if (!transactions.isEmpty()) {
                CapturedTransaction previous = transactions.get(transactions.size() - 1);
                check(tx.txOrder() > previous.txOrder(), "txOrder does not increase: tx " + previous.txId() + " has "
                        + previous.txOrder() + ", the next tx " + txId + " has " + tx.txOrder());
            }
            transactions.add(tx);
            i = j + 1;
        }
        return transactions;
    }

    static CapturedTransaction find(List<CapturedTransaction> transactions, long txId) {
        return transactions.stream().filter(t -> t.txId() == txId).findFirst()
                .orElseThrow(() -> new AssertionError("tx " + txId + " is not in the change log"));
    }

    private static void check(boolean condition, String message) {
        if (!condition) {
            throw new AssertionError(message);
        }
    }
}
