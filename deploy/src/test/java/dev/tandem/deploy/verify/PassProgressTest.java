package dev.tandem.deploy.verify;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.tandem.deploy.ProgressLine;
import dev.tandem.reconcile.PassReport;
import dev.tandem.reconcile.TableReport;
import java.time.Instant;
import java.util.List;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;

/** The reports of {@code tandem verify} and {@code tandem repair}: counts, share, rate and ETA from the events. */
class PassProgressTest {

    private static final long SECOND = 1_000_000_000L;

    @Test
    void verifyReportsRowsChunksTablesRateAndEta() {
        AtomicLong now = new AtomicLong(5 * SECOND);
        PassProgress progress = new PassProgress(now::get);
        assertEquals("verify: starting the pass", progress.get().text());

        progress.passStarted(7, List.of("app.customer", "app.order"), 1000);
        progress.tableStarted("app.customer", 400);
        now.addAndGet(2 * SECOND);
        progress.chunkCompared("app.customer", 150);
        progress.chunkCompared("app.customer", 100);
        ProgressLine.Frame frame = progress.get();
        assertEquals("verify: 250/1000 rows (25%), 2 chunks, tables 0/2 (now app.customer), 125 rows/s, ETA 6 s", frame.text());
        assertEquals(0.25, frame.fraction(), 1e-9);

        progress.tableFinished(table("app.customer", 400, 3)); // 150 rows an interrupted run compared
        progress.tableStarted("app.order", 600);
        progress.backedOff("app.order");
        assertEquals("verify: 400/1000 rows (40%), 2 chunks, tables 1/2 (now app.order), 125 rows/s, ETA 5 s, "
                + "paused 1x while the source was busy", progress.get().text());

        now.addAndGet(2 * SECOND);
        progress.chunkCompared("app.order", 700); // more rows than the estimate said
        progress.tableFinished(table("app.order", 700, 1));
        ProgressLine.Frame over = progress.get();
        assertTrue(over.text().startsWith("verify: 1100/1100 rows (100%), 3 chunks, tables 2/2, 238 rows/s, ETA ?"), over.text());

        PassReport report = new PassReport(7, Instant.EPOCH, Instant.EPOCH, List.of(table("app.customer", 400, 3), table("app.order", 700, 1)));
        assertEquals("verify: done, 1100 rows in 4 chunks of 2 tables in 4.0 s (238 rows/s), 0 drifted", progress.summary(report).text());
    }

    @Test
    void aPassOverUnanalyzedTablesHasNoTotalAndNoEta() {
        AtomicLong now = new AtomicLong();
        PassProgress progress = new PassProgress(now::get);
        progress.passStarted(1, List.of("app.t"), 0);
        progress.tableResumed(table("app.t", 50, 1));
        now.addAndGet(SECOND);
        ProgressLine.Frame frame = progress.get();
        assertEquals("verify: 50/? rows, 1 chunks, tables 1/1, 0 rows/s, ETA ?", frame.text());
        assertTrue(Double.isNaN(frame.fraction()), "no bar without a total");
    }

    @Test
    void repairCountsTablesAndRowsOfTheRecordedDrift() {
        AtomicLong now = new AtomicLong();
        RepairProgress progress = new RepairProgress(false, 2, 40, now::get);
        progress.tableStarted("app.customer");
        assertEquals("repair: 0/40 rows (0%), tables 0/2 (now app.customer), 0 rows/s, ETA ?", progress.get().text());
        now.addAndGet(2 * SECOND);
        progress.tableDone(10);
        assertEquals("repair: 10/40 rows (25%), tables 1/2, 5 rows/s, ETA 6 s", progress.get().text());
        assertEquals("repair --dry-run: 0/0 rows (100%), tables 0/0, 0 rows/s, ETA ?",
                new RepairProgress(true, 0, 0, now::get).get().text());
        progress.tableDone(30);
        assertEquals("repair: done, 40 rows in 2 tables in 2.0 s (20 rows/s)", progress.summary().text());
    }

    private static TableReport table(String name, long rows, int chunks) {
        return new TableReport(name, "pushdown", chunks, rows, rows, 0, List.of(), "0/0", "0", "0", 1.0);
    }
}
