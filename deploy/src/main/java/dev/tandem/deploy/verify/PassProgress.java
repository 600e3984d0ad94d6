package dev.tandem.deploy.verify;

import dev.tandem.deploy.ProgressLine;
import dev.tandem.reconcile.PassListener;
import dev.tandem.reconcile.PassReport;
import dev.tandem.reconcile.TableReport;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.LongSupplier;
import java.util.function.Supplier;

/**
 * Turns a verification pass's events into progress reports: rows compared of the source's estimate, chunks, tables
 * done, the current table, rate and ETA.
 */
final class PassProgress implements PassListener, Supplier<ProgressLine.Frame> {

    private final LongSupplier nanoClock;
    private final AtomicLong rows = new AtomicLong();
    private final AtomicLong resumedRows = new AtomicLong();
    private final AtomicLong chunks = new AtomicLong();
    private final AtomicInteger tablesDone = new AtomicInteger();
    private final AtomicInteger backoffs = new AtomicInteger();
    private final Map<String, AtomicLong> rowsByTable = new ConcurrentHashMap<>();
    private volatile int tables = -1;
    private volatile long estimatedRows;
    private volatile long startedAt;
    private volatile String current;

    PassProgress() {
        this(System::nanoTime);
    }

    /** With {@code nanoClock} in place of {@link System#nanoTime()} (tests). */
    PassProgress(LongSupplier nanoClock) {
        this.nanoClock = nanoClock;
    }

    @Override
    public void passStarted(long passId, List<String> tableNames, long estimate) {
        estimatedRows = estimate;
        startedAt = nanoClock.getAsLong();
        tables = tableNames.size();
    }

    @Override
    public void tableResumed(TableReport report) {
        resumedRows.addAndGet(report.rowsCompared());
        chunks.addAndGet(report.chunks());
        tablesDone.incrementAndGet();
    }

    @Override
    public void tableStarted(String table, long estimate) {
        current = table;
    }

    @Override
    public void chunkCompared(String table, long chunkRows) {
        rows.addAndGet(chunkRows);
        chunks.incrementAndGet();
        rowsByTable.computeIfAbsent(table, t -> new AtomicLong()).addAndGet(chunkRows);
    }

    @Override
    public void backedOff(String table) {
        backoffs.incrementAndGet();
    }

    @Override
    public void tableFinished(TableReport report) {
        // chunks an interrupted run compared before are in the report but were not announced again
        long announced = rowsByTable.getOrDefault(report.table(), new AtomicLong()).get();
        resumedRows.addAndGet(Math.max(0, report.rowsCompared() - announced));
        tablesDone.incrementAndGet();
        current = null;
    }

    @Override
    public ProgressLine.Frame get() {
        int tableCount = tables;
        if (tableCount < 0) {
            return ProgressLine.Frame.of("verify: starting the pass");
        }
        long compared = rows.get();
        long done = compared + resumedRows.get();
        long total = Math.max(estimatedRows, done);
        double seconds = Math.max(1e-3, (nanoClock.getAsLong() - startedAt) / 1e9);
        double rate = compared / seconds;
        String eta = estimatedRows <= 0 || rate <= 0 || done >= total ? "?" : ProgressLine.duration((total - done) / rate);
        String table = current;
        StringBuilder text = new StringBuilder("verify: ").append(done).append('/').append(estimatedRows > 0 ? Long.toString(total) : "?")
                .append(" rows");
        if (estimatedRows > 0) {
            text.append(String.format(" (%d%%)", Math.round(100.0 * done / total)));
        }
        text.append(", ").append(chunks.get()).append(" chunks, tables ").append(tablesDone.get()).append('/').append(tableCount)
                .append(table == null ? "" : " (now " + table + ")")
                .append(String.format(", %.0f rows/s, ETA %s", rate, eta));
        if (backoffs.get() > 0) {
            text.append(", paused ").append(backoffs.get()).append("x while the source was busy");
        }
        return new ProgressLine.Frame(estimatedRows > 0 ? (double) done / total : Double.NaN, text.toString());
    }

    /** The final report: what the finished pass compared, how long it took. */
    ProgressLine.Frame summary(PassReport report) {
        double seconds = Math.max(1e-3, (nanoClock.getAsLong() - startedAt) / 1e9);
        int chunkCount = report.tables().stream().mapToInt(TableReport::chunks).sum();
        return new ProgressLine.Frame(1, String.format("verify: done, %d rows in %d chunks of %d tables in %.1f s (%.0f rows/s), %d drifted",
                report.rowsCompared(), chunkCount, report.tables().size(), seconds, rows.get() / seconds, report.driftedRows()));
    }
}
