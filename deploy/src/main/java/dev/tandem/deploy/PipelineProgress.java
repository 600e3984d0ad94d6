package dev.tandem.deploy;

import dev.tandem.sync.apply.ApplyStats;
import dev.tandem.sync.backfill.BackfillProgress;
import dev.tandem.sync.backfill.BackfillProgress.TableProgress;
import dev.tandem.sync.backfill.SourceLoad;
import dev.tandem.sync.pipeline.Pipeline;
import java.util.function.Supplier;

/**
 * The status report of a running pipeline for {@link ProgressLine}: backfill progress (rows, chunks, rate, ETA overall
 * and per unfinished table, throttle pauses), changes applied and their rate, lag, progress inside a large source
 * transaction, the slot's retained WAL, and any extra; the bar follows the backfill while it copies.
 */
final class PipelineProgress implements Supplier<ProgressLine.Frame> {

    private final Supplier<Pipeline> active;
    private final Supplier<String> direction;
    private final Supplier<String> extra;
    private final long backfillTotal;
    private long lastApplied;
    private long lastAt = System.nanoTime();

    private Pipeline pipeline;

    PipelineProgress(Supplier<Pipeline> active, Supplier<String> direction, long backfillTotal, Supplier<String> extra) {
        this.active = active;
        this.direction = direction;
        this.extra = extra;
        this.backfillTotal = backfillTotal;
    }

    @Override
    public synchronized ProgressLine.Frame get() {
        Pipeline running = active.get();
        if (running == null) {
            return new ProgressLine.Frame(Double.NaN, "sync " + direction.get() + ": starting" + extra.get());
        }
        if (running != pipeline) { // the sync turned around: its counters start from zero
            pipeline = running;
            lastApplied = 0;
        }
        ApplyStats stats = pipeline.applyStats();
        long applied = stats == null ? 0 : stats.changesApplied();
        long now = System.nanoTime();
        double rate = (applied - lastApplied) / Math.max(1e-3, (now - lastAt) / 1e9);
        lastApplied = applied;
        lastAt = now;
        String line = String.format("%s | %s: applied %d changes (%.0f/s) | lag p99 %s%s%s%s", backfill(), direction.get(),
                applied, rate, stats == null ? "-" : stats.lagPercentileMs(99) + " ms", openTransaction(stats), wal(),
                extra.get());
        TableProgress all = pipeline.backfillProgress().overall();
        boolean copying = all.chunksTotal() > 0 && !all.done() && all.rowsEstimated() > 0;
        return new ProgressLine.Frame(copying ? (double) all.rowsCopied() / all.rowsEstimated() : Double.NaN, line);
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

    /** A large source transaction being applied in parts: how far it got (its total is known only at its commit). */
    private static String openTransaction(ApplyStats stats) {
        long inOpen = stats == null ? 0 : stats.changesInOpenTransaction();
        return inOpen == 0 ? "" : " | large transaction: " + inOpen + " changes applied so far, committed at its end";
    }

    private String wal() {
        long bytes = pipeline.slotWalRetainedBytes();
        return bytes < 0 ? "" : String.format(" | slot WAL %.1f MB", bytes / 1048576.0);
    }
}
