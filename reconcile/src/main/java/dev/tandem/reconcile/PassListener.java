package dev.tandem.reconcile;

import java.util.List;

/**
 * Follows a verification pass while it runs, for progress displays; calls come from the reconciler's worker threads,
 * so implementations must be thread-safe and fast.
 */
public interface PassListener {

    /**
     * Pass {@code passId} starts (or resumes) over {@code tables}, whose sources hold about {@code estimatedRows} rows
     * in all ({@code pg_class.reltuples}; 0 when the tables were never analyzed).
     */
    default void passStarted(long passId, List<String> tables, long estimatedRows) {
    }

    /** The resumed pass verified this table before it was interrupted: it is not compared again. */
    default void tableResumed(TableReport report) {
    }

    /** A table's comparison starts; {@code estimatedRows} is its source's row estimate. */
    default void tableStarted(String table, long estimatedRows) {
    }

    /**
     * This instance claimed chunk {@code chunkNo} of {@code table} and starts verifying it (instances sharing the pass
     * each claim their own chunks; the claim is held until the chunk's result is stored).
     */
    default void chunkClaimed(String table, int chunkNo) {
    }

    /** One more chunk of {@code table}, holding {@code rows} source rows, was compared (by this instance). */
    default void chunkCompared(String table, long rows) {
    }

    /** The comparison paused because the source was busy. */
    default void backedOff(String table) {
    }

    /** A table's comparison finished. */
    default void tableFinished(TableReport report) {
    }

    PassListener NONE = new PassListener() {
    };
}
