package dev.tandem.deploy;

import dev.tandem.sync.apply.ApplyStats;
import dev.tandem.sync.pipeline.Pipeline;
import java.io.PrintStream;
import java.time.Duration;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.function.Supplier;

/** Prints one status line at a fixed interval: backfill, changes applied and their rate, lag, and any extra. */
public final class ProgressLine {

    private final PrintStream out;
    private final Pipeline pipeline;
    private final Supplier<String> extra;
    private final long backfillTotal;
    private final ScheduledExecutorService timer = Executors.newSingleThreadScheduledExecutor(r -> {
        Thread t = new Thread(r, "tandem-demo-progress");
        t.setDaemon(true);
        return t;
    });
    private long lastApplied;
    private long lastAt = System.nanoTime();

    /** @param backfillTotal rows expected in the backfill, or 0 when unknown; {@code extra} is appended. */
    public ProgressLine(PrintStream out, Pipeline pipeline, long backfillTotal, Supplier<String> extra) {
        this.out = out;
        this.pipeline = pipeline;
        this.extra = extra;
        this.backfillTotal = backfillTotal;
    }

    public void startPrinting(Duration interval) {
        timer.scheduleAtFixedRate(this::print, interval.toMillis(), interval.toMillis(), TimeUnit.MILLISECONDS);
    }

    public void stop() {
        timer.shutdownNow();
    }

    private void print() {
        ApplyStats stats = pipeline.applyStats();
        long applied = stats == null ? 0 : stats.changesApplied();
        long now = System.nanoTime();
        double rate = (applied - lastApplied) / Math.max(1e-3, (now - lastAt) / 1e9);
        lastApplied = applied;
        lastAt = now;
        String backfill = backfillTotal > 0 ? pipeline.rowsBackfilled() + "/" + backfillTotal : Long.toString(pipeline.rowsBackfilled());
        out.printf("backfill %s rows | applied %d changes (%.0f/s) | lag p99 %s%s%n", backfill, applied, rate,
                stats == null ? "-" : stats.lagPercentileMs(99) + " ms", extra.get());
    }
}
