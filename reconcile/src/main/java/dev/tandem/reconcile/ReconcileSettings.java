package dev.tandem.reconcile;

import java.time.Duration;

/**
 * How hard and how carefully the reconciler works; validated once at construction.
 *
 * @param chunkTime      time one chunk's digest should take; chunk sizes adapt to it
 * @param initialChunkRows rows in a table's first chunk, before any timing is known
 * @param maxChunkRows   upper bound on a chunk's rows
 * @param parallelism    chunks compared at the same time (each holds one connection per side): the load budget
 * @param maxRechecks    fenced rechecks of a suspect row that count: those in which the row stayed quiet on the source
 *                       (a row that still differs after a counted recheck is drift; one whose source row is absent needs
 *                       two such rechecks agreeing, or this many)
 * @param fenceTimeout   how long one fence may take before the pass fails
 * @param leafRows       a differing range this small is compared row by row instead of split further
 * @param sampleCap      differing rows per table whose columns are named in the report
 * @param busySessions   active sessions on the source above which the reconciler pauses before the next chunk
 * @param backoff        how long it pauses when the source is busy
 * @param maxHotRechecks hard bound on the rechecks of a suspect row that do not count because the row changed on the
 *                       source meanwhile; past it the row is reported as unsettled, not as drift
 * @param driftPerChunk  drifted rows stored per chunk in {@code tandem.drifted_row} (counts stay exact)
 */
public record ReconcileSettings(Duration chunkTime, int initialChunkRows, int maxChunkRows, int parallelism,
                                int maxRechecks, Duration fenceTimeout, int leafRows, int sampleCap, int busySessions,
                                Duration backoff, int maxHotRechecks, int driftPerChunk) {

    /** Default of {@link #maxHotRechecks}. */
    public static final int DEFAULT_MAX_HOT_RECHECKS = 10;
    /** Default of {@link #driftPerChunk}. */
    public static final int DEFAULT_DRIFT_PER_CHUNK = 1_000;

    public static final ReconcileSettings DEFAULTS = new ReconcileSettings(Duration.ofMillis(500), 20_000, 2_000_000, 2, 3,
            Duration.ofSeconds(60), 2_000, 100, 32, Duration.ofMillis(500));

    /** Settings with the default {@link #maxHotRechecks} and {@link #driftPerChunk}. */
    public ReconcileSettings(Duration chunkTime, int initialChunkRows, int maxChunkRows, int parallelism, int maxRechecks,
                             Duration fenceTimeout, int leafRows, int sampleCap, int busySessions, Duration backoff) {
        this(chunkTime, initialChunkRows, maxChunkRows, parallelism, maxRechecks, fenceTimeout, leafRows, sampleCap, busySessions,
                backoff, DEFAULT_MAX_HOT_RECHECKS, DEFAULT_DRIFT_PER_CHUNK);
    }

    public ReconcileSettings {
        require(chunkTime != null && !chunkTime.isNegative() && !chunkTime.isZero(), "chunkTime must be positive, was " + chunkTime);
        require(initialChunkRows >= 1, "initialChunkRows must be at least 1, was " + initialChunkRows);
        require(maxChunkRows >= initialChunkRows, "maxChunkRows (" + maxChunkRows + ") must be at least initialChunkRows ("
                + initialChunkRows + ")");
        require(parallelism >= 1 && parallelism <= 64, "parallelism must be 1..64, was " + parallelism);
        require(maxRechecks >= 1 && maxRechecks <= 20, "maxRechecks must be 1..20, was " + maxRechecks);
        require(fenceTimeout != null && !fenceTimeout.isNegative() && !fenceTimeout.isZero(),
                "fenceTimeout must be positive, was " + fenceTimeout);
        require(leafRows >= 1, "leafRows must be at least 1, was " + leafRows);
        require(sampleCap >= 0, "sampleCap cannot be negative, was " + sampleCap);
        require(busySessions >= 1, "busySessions must be at least 1, was " + busySessions);
        require(backoff != null && !backoff.isNegative(), "backoff cannot be negative, was " + backoff);
        require(maxHotRechecks >= 0 && maxHotRechecks <= 1_000, "maxHotRechecks must be 0..1000, was " + maxHotRechecks);
        require(driftPerChunk >= 0, "driftPerChunk cannot be negative, was " + driftPerChunk);
    }

    public ReconcileSettings withParallelism(int workers) {
        return new ReconcileSettings(chunkTime, initialChunkRows, maxChunkRows, workers, maxRechecks, fenceTimeout, leafRows,
                sampleCap, busySessions, backoff, maxHotRechecks, driftPerChunk);
    }

    public ReconcileSettings withChunkRows(int initial) {
        return new ReconcileSettings(chunkTime, initial, Math.max(initial, maxChunkRows), parallelism, maxRechecks, fenceTimeout,
                leafRows, sampleCap, busySessions, backoff, maxHotRechecks, driftPerChunk);
    }

    public ReconcileSettings withMaxHotRechecks(int rounds) {
        return new ReconcileSettings(chunkTime, initialChunkRows, maxChunkRows, parallelism, maxRechecks, fenceTimeout, leafRows,
                sampleCap, busySessions, backoff, rounds, driftPerChunk);
    }

    public ReconcileSettings withDriftPerChunk(int rows) {
        return new ReconcileSettings(chunkTime, initialChunkRows, maxChunkRows, parallelism, maxRechecks, fenceTimeout, leafRows,
                sampleCap, busySessions, backoff, maxHotRechecks, rows);
    }

    private static void require(boolean ok, String message) {
        if (!ok) {
            throw new IllegalArgumentException("reconcile settings: " + message);
        }
    }
}
