package dev.tandem.sync.route;

import java.nio.ByteBuffer;

/**
 * What the router keeps of a source transaction whose COMMIT has not arrived: its commit-order key, the number of
 * the last change it routed, and how many records each partition of the keyed log got. Its size depends on the
 * partitions only, never on the transaction's, so a transaction of any size is routed in bounded state.
 */
final class OpenTransaction {

    long txOrder;
    long lastRouted;
    final long[] counts;

    private OpenTransaction(long txOrder, long lastRouted, long[] counts) {
        this.txOrder = txOrder;
        this.lastRouted = lastRouted;
        this.counts = counts;
    }

    static OpenTransaction start(long txOrder, int partitions) {
        return new OpenTransaction(txOrder, 0, new long[partitions]);
    }

    static OpenTransaction decode(byte[] stored) {
        ByteBuffer in = ByteBuffer.wrap(stored);
        long txOrder = in.getLong();
        long lastRouted = in.getLong();
        long[] counts = new long[in.remaining() / Long.BYTES];
        for (int p = 0; p < counts.length; p++) {
            counts[p] = in.getLong();
        }
        return new OpenTransaction(txOrder, lastRouted, counts);
    }

    byte[] encode() {
        ByteBuffer out = ByteBuffer.allocate(Long.BYTES * (2 + counts.length)).putLong(txOrder).putLong(lastRouted);
        for (long count : counts) {
            out.putLong(count);
        }
        return out.array();
    }
}
