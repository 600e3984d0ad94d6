package dev.tandem.sync.apply;

import java.util.Arrays;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;

/** Live counters of an applier, read by progress displays and metrics; safe to read from any thread. */
public final class ApplyStats {

    private static final int LAG_SAMPLES = 4096;
    /** Lag percentiles cover the transactions applied in this window, so a caught-up sync reads as current. */
    static final long LAG_WINDOW_NANOS = 60_000_000_000L;

    private final AtomicLong changesApplied = new AtomicLong();
    private final AtomicLong transactionsApplied = new AtomicLong();
    private final AtomicLong batches = new AtomicLong();
    private final AtomicLong replaysSkipped = new AtomicLong();
    private final AtomicLong inOpenTransaction = new AtomicLong();
    private final AtomicLong lastLagMs = new AtomicLong();
    private final Map<String, AtomicLong> changesByTable = new ConcurrentHashMap<>();
    private final long[] lagRing = new long[LAG_SAMPLES];
    private final long[] lagAtNanos = new long[LAG_SAMPLES];
    private long lagCount;

    void recordBatch(int transactions, long changes) {
        inOpenTransaction.set(0);
        batches.incrementAndGet();
        transactionsApplied.addAndGet(transactions);
        changesApplied.addAndGet(changes);
    }

    /** Counts a part of a large source transaction written into a target transaction not yet committed. */
    void recordPart(long changes) {
        inOpenTransaction.addAndGet(changes);
    }

    /**
     * Changes of a large source transaction applied so far in a target transaction its COMMIT will commit: progress
     * inside one transaction, 0 when none is open. Its total is known only at its COMMIT.
     */
    public long changesInOpenTransaction() {
        return inOpenTransaction.get();
    }

    /** Adds a committed batch's changes per target table. */
    void recordTables(Map<String, Long> changesPerTable) {
        changesPerTable.forEach((table, n) -> changesByTable.computeIfAbsent(table, t -> new AtomicLong()).addAndGet(n));
    }

    /** Source row changes from the change log applied to {@code targetTable} since start (parked ones not counted). */
    public long changesApplied(String targetTable) {
        AtomicLong n = changesByTable.get(targetTable);
        return n == null ? 0 : n.get();
    }

    /** Records the source-commit → applied delay of one transaction. */
    synchronized void recordLag(long lagMs) {
        recordLag(lagMs, System.nanoTime());
    }

    synchronized void recordLag(long lagMs, long atNanos) {
        int slot = (int) (lagCount++ % LAG_SAMPLES);
        lagRing[slot] = lagMs;
        lagAtNanos[slot] = atNanos;
        lastLagMs.set(lagMs);
    }

    void recordReplaySkipped() {
        replaysSkipped.incrementAndGet();
    }

    public long changesApplied() {
        return changesApplied.get();
    }

    public long transactionsApplied() {
        return transactionsApplied.get();
    }

    public long batches() {
        return batches.get();
    }

    /** Transactions read again after a restart and skipped because the target already had them. */
    public long replaysSkipped() {
        return replaysSkipped.get();
    }

    public long lastLagMs() {
        return lastLagMs.get();
    }

    /**
     * The given percentile (0..100) of commit → applied delay over the transactions applied in the last minute (at
     * most the last 4096); 0 when none was: an idle sync that has applied everything is current. A stalled applier
     * shows in {@code tandem_pipeline_failed}, the paused tables and the cutover's fence-based lag gate instead.
     */
    public synchronized long lagPercentileMs(double percentile) {
        return lagPercentileMs(percentile, System.nanoTime());
    }

    synchronized long lagPercentileMs(double percentile, long nowNanos) {
        int kept = (int) Math.min(lagCount, LAG_SAMPLES);
        long[] recent = new long[kept];
        int n = 0;
        for (int i = 0; i < kept; i++) {
            if (nowNanos - lagAtNanos[i] <= LAG_WINDOW_NANOS) {
                recent[n++] = lagRing[i];
            }
        }
        if (n == 0) {
            return 0;
        }
        long[] sorted = Arrays.copyOf(recent, n);
        Arrays.sort(sorted);
        int index = (int) Math.ceil(percentile / 100.0 * n) - 1;
        return sorted[Math.max(0, Math.min(n - 1, index))];
    }
}
