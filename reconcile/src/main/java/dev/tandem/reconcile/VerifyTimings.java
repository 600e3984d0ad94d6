package dev.tandem.reconcile;

import java.util.EnumMap;
import java.util.Map;
import java.util.concurrent.atomic.LongAdder;
import java.util.stream.Collectors;

/**
 * Where one table's verification spent its time, summed over the workers: what tells a slow pass's digests apart from
 * its planning, waits and bookkeeping. Thread-safe.
 */
final class VerifyTimings {

    /** A stretch of a verification, timed on the thread that does it. */
    enum Phase {
        /** Catalog reads, fence, stored plan and connections, before the first chunk. */
        SETUP("setup"),
        /** A worker waiting for its next chunk (boundary lookups not done ahead, persisting the plan). */
        NEXT_CHUNK("next chunk"),
        /** A worker asking whether the source is busy, and pausing when it is. */
        BUSY_CHECK("busy check"),
        /** Reading the sync's change-log position for the chunk record. */
        CHANGE_OFFSET("change offset"),
        /** The source side's chunk digest query. */
        SOURCE_DIGEST("source digest"),
        /** The target side's chunk digest query. */
        TARGET_DIGEST("target digest"),
        /** Both digests of a chunk, from the first query sent to the last answer. */
        DIGEST_PAIR("digest pair"),
        /** Fence, narrowing down and settling a differing chunk. */
        NARROW("narrow"),
        /** Persisting a finished chunk and its drift. */
        FINISH("finish");

        private final String label;

        Phase(String label) {
            this.label = label;
        }
    }

    private final Map<Phase, LongAdder> nanos = new EnumMap<>(Phase.class);

    VerifyTimings() {
        for (Phase p : Phase.values()) {
            nanos.put(p, new LongAdder());
        }
    }

    /** Adds the time since {@code startedNanos} (a {@link System#nanoTime()}) to {@code phase}; returns now. */
    long since(Phase phase, long startedNanos) {
        long now = System.nanoTime();
        nanos.get(phase).add(now - startedNanos);
        return now;
    }

    long millis(Phase phase) {
        return nanos.get(phase).sum() / 1_000_000;
    }

    /** "setup 12 ms, next chunk 3 ms, …" with every phase that took time. */
    String summary() {
        return nanos.entrySet().stream().filter(e -> e.getValue().sum() >= 1_000_000)
                .map(e -> e.getKey().label + " " + e.getValue().sum() / 1_000_000 + " ms").collect(Collectors.joining(", "));
    }
}
