package dev.tandem.reconcile;

import java.time.Instant;

/** Receives the reconciler's progress, for metrics; implementations must be thread-safe and fast. */
public interface ReconcileMetrics {

    /** A table's verification in a pass starts; {@code estimatedRows} is the source's row estimate. */
    default void tableStarted(String table, long estimatedRows) {
    }

    /** This instance claimed chunk {@code chunkNo} of {@code table} in a pass and starts verifying it. */
    default void chunkClaimed(String table, int chunkNo) {
    }

    /** {@code rows} more source rows of {@code table} were compared. */
    default void compared(String table, long rows) {
    }

    /** The reconciler paused because the source was busy. */
    default void backedOff(String table) {
    }

    /** A table's verification in the pass that started at {@code passStarted} finished. */
    default void tableFinished(TableReport report, Instant passStarted) {
    }

    ReconcileMetrics NONE = new ReconcileMetrics() {
    };
}
