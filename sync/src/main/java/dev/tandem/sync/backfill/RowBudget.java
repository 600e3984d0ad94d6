package dev.tandem.sync.backfill;

/**
 * A rows-per-second budget shared by every copy worker: each batch of rows books the next slice of
 * time and waits until its slice starts. At most {@link #CATCH_UP_NANOS} of unused time is saved up
 * (to make up for late wake-ups and per-chunk pauses), so a burst never exceeds a tenth of a
 * second's budget.
 */
final class RowBudget {

    static final long CATCH_UP_NANOS = 100_000_000L;

    private final double nanosPerRow;
    private long nextFree = System.nanoTime();

    /** @param rowsPerSecond the budget, or 0 for unlimited */
    RowBudget(long rowsPerSecond) {
        this.nanosPerRow = rowsPerSecond == 0 ? 0 : 1e9 / rowsPerSecond;
    }

    /** Waits until {@code rows} more rows fit in the budget. */
    void take(int rows) throws InterruptedException {
        if (nanosPerRow == 0 || rows <= 0) {
            return;
        }
        long waitNanos;
        synchronized (this) {
            long now = System.nanoTime();
            if (nextFree - (now - CATCH_UP_NANOS) < 0) {
                nextFree = now - CATCH_UP_NANOS;
            }
            waitNanos = nextFree - now;
            nextFree += (long) (rows * nanosPerRow);
        }
        if (waitNanos > 0) {
            Thread.sleep(waitNanos / 1_000_000, (int) (waitNanos % 1_000_000));
        }
    }
}
