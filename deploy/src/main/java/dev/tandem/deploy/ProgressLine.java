package dev.tandem.deploy;

import dev.tandem.sync.apply.ApplyStats;
import dev.tandem.sync.backfill.BackfillProgress;
import dev.tandem.sync.backfill.BackfillProgress.TableProgress;
import dev.tandem.sync.backfill.SourceLoad;
import dev.tandem.sync.pipeline.Pipeline;
import java.io.PrintStream;
import java.time.Duration;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.function.Supplier;

/**
 * Prints one status line at a fixed interval: backfill progress (rows, chunks, rate, ETA overall
 * and per unfinished table, throttle pauses), changes applied and their rate, lag, the slot's
 * retained WAL, and any extra. On a terminal the line is redrawn in place, led by a progress bar
 * while the backfill copies; otherwise (a pipe, a log file) each report is a plain line of its own.
 */
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
    private final boolean terminal;
    private long lastApplied;
    private long lastAt = System.nanoTime();

    private static final int BAR_WIDTH = 24;

    /** @param backfillTotal rows expected in the backfill, or 0 when unknown; {@code extra} is appended. */
    public ProgressLine(PrintStream out, Pipeline pipeline, long backfillTotal, Supplier<String> extra) {
        this.out = out;
        this.pipeline = pipeline;
        this.extra = extra;
        this.backfillTotal = backfillTotal;
        this.terminal = out == System.out && System.console() != null && !"dumb".equals(System.getenv("TERM"));
    }

    /** {@code [######------]  50%}: {@code fraction} of the way, clamped to 0..1. */
    static String bar(double fraction, int width) {
        double clamped = Math.max(0, Math.min(1, fraction));
        int filled = (int) Math.round(clamped * width);
        return "[" + "#".repeat(filled) + "-".repeat(width - filled) + "] " + String.format("%3d%%", Math.round(clamped * 100));
    }

    public void startPrinting(Duration interval) {
        timer.scheduleAtFixedRate(this::print, interval.toMillis(), interval.toMillis(), TimeUnit.MILLISECONDS);
    }

    public void stop() {
        timer.shutdownNow();
        if (terminal) {
            out.println(); // leave the last redrawn line in place
        }
    }

    private void print() {
        ApplyStats stats = pipeline.applyStats();
        long applied = stats == null ? 0 : stats.changesApplied();
        long now = System.nanoTime();
        double rate = (applied - lastApplied) / Math.max(1e-3, (now - lastAt) / 1e9);
        lastApplied = applied;
        lastAt = now;
        String line = String.format("%s | applied %d changes (%.0f/s) | lag p99 %s%s%s", backfill(), applied, rate,
                stats == null ? "-" : stats.lagPercentileMs(99) + " ms", wal(), extra.get());
        if (terminal) {
            TableProgress all = pipeline.backfillProgress().overall();
            String lead = all.chunksTotal() > 0 && !all.done() && all.rowsEstimated() > 0
                    ? bar((double) all.rowsCopied() / all.rowsEstimated(), BAR_WIDTH) + " " : "";
            out.print("\r" + lead + line + "\u001b[K"); // redraw in place, clearing what the last line left
            out.flush();
        } else {
            out.println(line);
        }
    }

    /** Overall rows, rate and ETA; while copying, each unfinished table's share. */
    private String backfill() {
        BackfillProgress progress = pipeline.backfillProgress();
        TableProgress all = progress.overall();
        if (all.chunksTotal() == 0) {
            return "backfill " + (backfillTotal > 0 ? pipeline.rowsBackfilled() + "/" + backfillTotal
                    : Long.toString(pipeline.rowsBackfilled())) + " rows";
        }
        StringBuilder line = new StringBuilder(String.format("backfill %d/%d rows (%d/%d chunks) %.0f rows/s ETA %s",
                all.rowsCopied(), all.rowsEstimated(), all.chunksDone(), all.chunksTotal(), all.rowsPerSecond(),
                eta(all)));
        if (!all.done()) {
            for (TableProgress table : progress.tables()) {
                if (!table.done()) {
                    line.append(String.format(" [%s %d/%d ETA %s]", table.table(), table.rowsCopied(), table.rowsEstimated(),
                            eta(table)));
                }
            }
            SourceLoad load = pipeline.sourceLoad();
            if (load != null && load.lastPauseReason() != null) {
                line.append(" (paused ").append(load.pauses()).append("x, last: ").append(load.lastPauseReason()).append(')');
            }
        }
        return line.toString();
    }

    private static String eta(TableProgress table) {
        return table.etaSeconds() == null ? "?" : Math.round(table.etaSeconds()) + " s";
    }

    private String wal() {
        long bytes = pipeline.slotWalRetainedBytes();
        return bytes < 0 ? "" : String.format(" | slot WAL %.1f MB", bytes / 1048576.0);
    }
}
