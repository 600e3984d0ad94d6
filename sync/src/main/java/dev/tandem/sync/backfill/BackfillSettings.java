package dev.tandem.sync.backfill;

/**
 * The backfill's knobs, validated once at start; each default is defined here and only here.
 *
 * @param chunkRows          rows per key-range chunk the planner aims at (a chunk commits with its ledger record)
 * @param rowsPerSecond      budget shared by all copy workers; 0 means unlimited
 * @param maxRetainedWalBytes pause between chunks while the slot retains more WAL than this; 0 disables the check
 * @param maxActiveBackends  pause between chunks while more than this many other backends are active on the
 *                           source; 0 disables the check
 */
public record BackfillSettings(long chunkRows, long rowsPerSecond, long maxRetainedWalBytes, int maxActiveBackends) {

    public static final long DEFAULT_CHUNK_ROWS = 100_000;
    public static final long DEFAULT_ROWS_PER_SECOND = 0;
    public static final long DEFAULT_MAX_RETAINED_WAL_BYTES = 1L << 30;
    public static final int DEFAULT_MAX_ACTIVE_BACKENDS = 0;

    public static final BackfillSettings DEFAULTS = new BackfillSettings(DEFAULT_CHUNK_ROWS, DEFAULT_ROWS_PER_SECOND,
            DEFAULT_MAX_RETAINED_WAL_BYTES, DEFAULT_MAX_ACTIVE_BACKENDS);

    public BackfillSettings {
        if (chunkRows < 1) {
            throw new IllegalArgumentException("backfill chunk rows is " + chunkRows + "; use at least 1 (default "
                    + DEFAULT_CHUNK_ROWS + ")");
        }
        if (rowsPerSecond < 0) {
            throw new IllegalArgumentException("backfill rows per second is " + rowsPerSecond
                    + "; use a positive budget, or 0 for unlimited (the default)");
        }
        if (maxRetainedWalBytes < 0) {
            throw new IllegalArgumentException("backfill max retained WAL is " + maxRetainedWalBytes
                    + " bytes; use a positive size, or 0 to disable the check (default " + DEFAULT_MAX_RETAINED_WAL_BYTES + ")");
        }
        if (maxActiveBackends < 0) {
            throw new IllegalArgumentException("backfill max active backends is " + maxActiveBackends
                    + "; use a positive count, or 0 to disable the check (the default)");
        }
    }

    public BackfillSettings withChunkRows(long rows) {
        return new BackfillSettings(rows, rowsPerSecond, maxRetainedWalBytes, maxActiveBackends);
    }

    public BackfillSettings withRowsPerSecond(long rate) {
        return new BackfillSettings(chunkRows, rate, maxRetainedWalBytes, maxActiveBackends);
    }

    public BackfillSettings withMaxRetainedWalBytes(long bytes) {
        return new BackfillSettings(chunkRows, rowsPerSecond, bytes, maxActiveBackends);
    }

    public BackfillSettings withMaxActiveBackends(int backends) {
        return new BackfillSettings(chunkRows, rowsPerSecond, maxRetainedWalBytes, backends);
    }
}
