package dev.tandem.sync.backfill;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentSkipListMap;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Live progress of one backfill, per target table and overall: rows copied (including chunks a
 * previous run committed), rows expected, chunks, and the rate and ETA of this run. Thread-safe;
 * read by the progress line, the API and the metrics while the copy runs.
 */
public final class BackfillProgress {

    /**
     * One table's (or the overall) progress.
     *
     * @param rowsCopied    rows copied, committed or in flight, including previous runs
     * @param rowsEstimated rows expected: rows of copied chunks plus the planner's estimate of the rest
     * @param rowsPerSecond this run's copy rate so far
     * @param etaSeconds    seconds left at that rate, or null while unknown
     */
    public record TableProgress(String table, long rowsCopied, long rowsEstimated, int chunksDone, int chunksTotal,
                                double rowsPerSecond, Double etaSeconds) {

        public boolean done() {
            return chunksTotal > 0 && chunksDone == chunksTotal;
        }
    }

    private static final class Counter {
        final AtomicLong copied = new AtomicLong();
        final AtomicLong copiedThisRun = new AtomicLong();
        final AtomicLong estimated = new AtomicLong();
        final AtomicInteger chunksDone = new AtomicInteger();
        final AtomicInteger chunksTotal = new AtomicInteger();
        volatile long firstRowAt;
        volatile long finishedAt;
    }

    private final Map<String, Counter> tables = new ConcurrentSkipListMap<>();
    private volatile long startedAt;
    private volatile long finishedAt;

    /** Sets a table's starting point from the ledger. */
    public void plan(String table, ChunkLedger.TableState state) {
        Counter c = tables.computeIfAbsent(table, t -> new Counter());
        c.copied.set(state.rowsCopied());
        c.estimated.set(state.rowsEstimated());
        c.chunksDone.set(state.chunksDone());
        c.chunksTotal.set(state.chunksTotal());
        if (state.chunksDone() == state.chunksTotal()) {
            c.finishedAt = System.nanoTime();
        }
    }

    void copying(String table, int rows) {
        long now = System.nanoTime();
        if (startedAt == 0) {
            startedAt = now;
        }
        Counter c = tables.get(table);
        if (c.firstRowAt == 0) {
            c.firstRowAt = now;
        }
        c.copied.addAndGet(rows);
        c.copiedThisRun.addAndGet(rows);
    }

    /** A chunk committed with {@code rows}; its estimate is replaced by the real count. */
    void chunkDone(Chunk chunk, long rows) {
        Counter c = tables.get(chunk.targetTable());
        c.estimated.addAndGet(rows - chunk.estimatedRows());
        if (c.chunksDone.incrementAndGet() == c.chunksTotal.get()) {
            c.finishedAt = System.nanoTime();
        }
    }

    /** A chunk rolled back: the rows it streamed are no longer copied. */
    void chunkFailed(Chunk chunk, long rowsStreamed) {
        Counter c = tables.get(chunk.targetTable());
        c.copied.addAndGet(-rowsStreamed);
        c.copiedThisRun.addAndGet(-rowsStreamed);
    }

    void finished() {
        finishedAt = System.nanoTime();
    }

    /** Rows copied by this run (not counting chunks an earlier run committed). */
    public long rowsCopiedThisRun() {
        return tables.values().stream().mapToLong(c -> c.copiedThisRun.get()).sum();
    }

    /** True once every planned chunk is copied. */
    public boolean isFinished() {
        return finishedAt != 0;
    }

    public List<TableProgress> tables() {
        List<TableProgress> list = new ArrayList<>();
        tables.forEach((name, c) -> list.add(progress(name, c.copied.get(), c.copiedThisRun.get(), c.estimated.get(),
                c.chunksDone.get(), c.chunksTotal.get(), c.firstRowAt, c.finishedAt)));
        return list;
    }

    /** All tables together; its rate is this run's rows over this run's copy time. */
    public TableProgress overall() {
        long copied = 0;
        long thisRun = 0;
        long estimated = 0;
        int done = 0;
        int total = 0;
        for (Counter c : tables.values()) {
            copied += c.copied.get();
            thisRun += c.copiedThisRun.get();
            estimated += c.estimated.get();
            done += c.chunksDone.get();
            total += c.chunksTotal.get();
        }
        return progress("all", copied, thisRun, estimated, done, total, startedAt, finishedAt);
    }

    private static TableProgress progress(String name, long copied, long thisRun, long estimated, int done, int total,
                                          long firstAt, long finishedAt) {
        long end = finishedAt != 0 ? finishedAt : System.nanoTime();
        double seconds = firstAt == 0 ? 0 : (end - firstAt) / 1e9;
        double rate = seconds > 0 ? thisRun / seconds : 0;
        Double eta = total > 0 && done == total ? Double.valueOf(0)
                : rate > 0 ? Double.valueOf(Math.max(0, estimated - copied) / rate) : null;
        return new TableProgress(name, copied, Math.max(estimated, copied), done, total, rate, eta);
    }
}
