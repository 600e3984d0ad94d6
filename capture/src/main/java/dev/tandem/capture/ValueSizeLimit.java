package dev.tandem.capture;

import dev.tandem.capture.envelope.ChangeEnvelope;

/**
 * The largest change a tandem process passes, derived from its heap: a change of any size is split into
 * change-log records the broker accepts, but capture and the applier each hold a few copies of one change while
 * they encode, join, decode and bind it. A larger one stops the capture with its table, key and the fix, before
 * anything downstream runs out of memory on it somewhere less clear.
 */
public final class ValueSizeLimit {

    /** Copies of one encoded change the process may hold at once (capture and applier in one JVM, with headroom). */
    static final int COPIES = 5;

    private ValueSizeLimit() {
    }

    /** Bytes an encoded change may have in a JVM whose heap is {@code maxHeapBytes}. */
    public static long forHeap(long maxHeapBytes) {
        return maxHeapBytes / COPIES;
    }

    /** Fails when {@code envelope}, {@code encodedBytes} long once encoded, is too large for this process's heap. */
    public static void check(ChangeEnvelope envelope, long encodedBytes) {
        check(envelope, encodedBytes, Runtime.getRuntime().maxMemory());
    }

    static void check(ChangeEnvelope envelope, long encodedBytes, long heap) {
        long limit = forHeap(heap);
        if (encodedBytes > limit) {
            throw new IllegalStateException("legacy table " + envelope.table() + ": the change to key " + envelope.key()
                    + " at " + envelope.position() + " is " + mib(encodedBytes) + " MiB once encoded, more than the "
                    + mib(limit) + " MiB a tandem process with a heap of " + mib(heap) + " MiB passes in one change; "
                    + "start tandem with a heap of at least " + mib(encodedBytes * COPIES) + " MiB (TANDEM_JAVA_OPTS=-Xmx"
                    + mib(encodedBytes * COPIES) + "m); the capture stops here and resumes at this change");
        }
    }

    private static long mib(long bytes) {
        return (bytes + (1 << 20) - 1) >> 20;
    }
}
