package dev.tandem.capture;

import dev.tandem.capture.envelope.ChangeEnvelope;

/**
 * The largest change a tandem process passes, derived from its heap: a change of any size is split into
 * change-log records the broker accepts, but Debezium, capture and the applier each hold the change a few times over
 * while they decode, join and bind it. A larger one stops the capture with its table, key and the fix, before
 * anything downstream runs out of memory on it somewhere less clear.
 */
public final class ValueSizeLimit {

    /**
     * Copies of one encoded change the process holds at once at most: measured at about 2.8 with a 64 MiB bytea (128
     * MiB encoded) under 512 MiB (Debezium's record and text, capture's text, then the applier's joined bytes, text
     * and bound literal, capture and applier overlapping in one JVM).
     */
    static final int COPIES = 3;
    /** Heap the rest of the pipeline needs besides the change (clients' buffers, Debezium's queue of small changes). */
    static final long RESERVED_BYTES = 64L << 20;

    private ValueSizeLimit() {
    }

    /** Bytes an encoded change may have in a JVM whose heap is {@code maxHeapBytes}. */
    public static long forHeap(long maxHeapBytes) {
        return Math.max(0, maxHeapBytes - RESERVED_BYTES) / COPIES;
    }

    /** Heap a process needs to pass a change of {@code encodedBytes}. */
    static long heapFor(long encodedBytes) {
        return encodedBytes * COPIES + RESERVED_BYTES;
    }

    /** Fails when {@code envelope}, {@code encodedBytes} long once encoded, is too large for this process's heap. */
    public static void check(ChangeEnvelope envelope, long encodedBytes) {
        check(envelope, encodedBytes, Runtime.getRuntime().maxMemory());
    }

    static void check(ChangeEnvelope envelope, long encodedBytes, long heap) {
        long limit = forHeap(heap);
        if (encodedBytes > limit) {
            long needed = mib(heapFor(encodedBytes));
            throw new IllegalStateException("legacy table " + envelope.table() + ": the change to key " + envelope.key()
                    + " at " + envelope.position() + " is " + mib(encodedBytes) + " MiB once encoded, more than the "
                    + mib(limit) + " MiB a tandem process with a heap of " + mib(heap) + " MiB passes in one change; "
                    + "start tandem with a heap of at least " + needed + " MiB (TANDEM_JAVA_OPTS=-Xmx" + needed
                    + "m); the capture stops here and resumes at this change");
        }
    }

    private static long mib(long bytes) {
        return (bytes + (1 << 20) - 1) >> 20;
    }
}
