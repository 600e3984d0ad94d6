package dev.tandem.deploy.verify;

import dev.tandem.deploy.ProgressLine;
import java.util.function.LongSupplier;
import java.util.function.Supplier;

/**
 * Progress reports of a repair: drifted rows and tables done of those recorded, the current table, rate and ETA; each
 * table is repaired in one transaction, so the count moves a table at a time.
 */
final class RepairProgress implements Supplier<ProgressLine.Frame> {

    private final String name;
    private final int tables;
    private final long rows;
    private final LongSupplier nanoClock;
    private final long startedAt;
    private volatile int tablesDone;
    private volatile long rowsDone;
    private volatile String current;

    /** A repair of {@code rows} recorded drifted rows in {@code tables} tables, starting now. */
    RepairProgress(boolean dryRun, int tables, long rows, LongSupplier nanoClock) {
        this.name = dryRun ? "repair --dry-run" : "repair";
        this.tables = tables;
        this.rows = rows;
        this.nanoClock = nanoClock;
        this.startedAt = nanoClock.getAsLong();
    }

    synchronized void tableStarted(String table) {
        current = table;
    }

    synchronized void tableDone(long tableRows) {
        rowsDone += tableRows;
        tablesDone++;
        current = null;
    }

    @Override
    public synchronized ProgressLine.Frame get() {
        double seconds = seconds();
        double rate = rowsDone / seconds;
        String eta = rate <= 0 || rowsDone >= rows ? "?" : ProgressLine.duration((rows - rowsDone) / rate);
        String text = String.format("%s: %d/%d rows (%d%%), tables %d/%d%s, %.0f rows/s, ETA %s", name, rowsDone, rows,
                rows == 0 ? 100 : Math.round(100.0 * rowsDone / rows), tablesDone, tables, current == null ? "" : " (now " + current + ")",
                rate, eta);
        return new ProgressLine.Frame(rows == 0 ? 1 : (double) rowsDone / rows, text);
    }

    /** The final report. */
    synchronized ProgressLine.Frame summary() {
        double seconds = seconds();
        return new ProgressLine.Frame(1, String.format("%s: done, %d rows in %d tables in %.1f s (%.0f rows/s)", name, rowsDone, tablesDone,
                seconds, rowsDone / seconds));
    }

    private double seconds() {
        return Math.max(1e-3, (nanoClock.getAsLong() - startedAt) / 1e9);
    }
}
