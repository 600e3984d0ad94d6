package dev.tandem.deploy.demo;

import dev.tandem.sync.apply.ApplyStats;
import dev.tandem.sync.pipeline.Pipeline;
import java.io.PrintStream;
import java.time.Duration;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;

/** Prints one status line at a fixed interval: backfill, changes applied and their rate, lag, workload. */
final class ProgressLine {

    private final PrintStream out;
    private final Pipeline pipeline;
    private final ShopWorkload workload;
    private final long backfillTotal;
    private final ScheduledExecutorService timer = Executors.newSingleThreadScheduledExecutor(r -> {
        Thread t = new Thread(r, "tandem-demo-progress");
        t.setDaemon(true);
        return t;
    });
    private long lastApplied;
    private long lastAt = System.nanoTime();

    ProgressLine(PrintStream out, Pipeline pipeline, ShopWorkload workload, long backfillTotal) {
        this.out = out;
        this.pipeline = pipeline;
        this.workload = workload;
        this.backfillTotal = backfillTotal;
    }

    void startPrinting(Duration interval) {
        timer.scheduleAtFixedRate(this::print, interval.toMillis(), interval.toMillis(), TimeUnit.MILLISECONDS);
    }

    void stop() {
        timer.shutdownNow();
    }

    private void print() {
        ApplyStats stats = pipeline.applyStats();
        long applied = stats == null ? 0 : stats.changesApplied();
        long now = System.nanoTime();
        double rate = (applied - lastApplied) / Math.max(1e-3, (now - lastAt) / 1e9);
        lastApplied = applied;
        lastAt = now;
        out.printf("backfill %d/%d rows | applied %d changes (%.0f/s) | lag p99 %s | workload %d tx%n",
                pipeline.rowsBackfilled(), backfillTotal, applied, rate,
                stats == null ? "-" : stats.lagPercentileMs(99) + " ms", workload.committed());
    }
}
