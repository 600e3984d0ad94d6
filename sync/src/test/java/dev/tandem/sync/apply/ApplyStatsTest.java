package dev.tandem.sync.apply;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.Map;
import org.junit.jupiter.api.Test;

class ApplyStatsTest {

    @Test
    void percentilesComeFromRecordedLags() {
        ApplyStats stats = new ApplyStats();
        assertEquals(0, stats.lagPercentileMs(99));
        for (int lag = 1; lag <= 100; lag++) {
            stats.recordLag(lag);
        }
        assertEquals(50, stats.lagPercentileMs(50));
        assertEquals(99, stats.lagPercentileMs(99));
        assertEquals(100, stats.lagPercentileMs(100));
        assertEquals(100, stats.lastLagMs());
    }

    @Test
    void lagPercentilesCoverTheLastMinuteSoACaughtUpSyncReadsAsCurrent() {
        ApplyStats stats = new ApplyStats();
        long start = 1_000_000_000_000L;
        for (int i = 0; i < 100; i++) {
            stats.recordLag(18_500, start); // a catch-up: every transaction 18.5 s behind
        }
        stats.recordLag(40, start + 30_000_000_000L); // then current
        assertEquals(18_500, stats.lagPercentileMs(99, start + 30_000_000_000L), "the catch-up is still in the window");
        assertEquals(40, stats.lagPercentileMs(99, start + 61_000_000_000L), "only the current transaction is left");
        assertEquals(0, stats.lagPercentileMs(99, start + 120_000_000_000L), "idle and current: no lag");
    }

    @Test
    void batchesAddUp() {
        ApplyStats stats = new ApplyStats();
        stats.recordBatch(3, 10);
        stats.recordBatch(1, 2);
        assertEquals(12, stats.changesApplied());
        assertEquals(4, stats.transactionsApplied());
        assertEquals(2, stats.batches());
    }

    @Test
    void partsOfAnOpenTransactionShowUntilItsBatchCommits() {
        ApplyStats stats = new ApplyStats();
        stats.recordPart(5_000);
        stats.recordPart(5_000);
        assertEquals(10_000, stats.changesInOpenTransaction());
        assertEquals(0, stats.changesApplied(), "not committed yet");
        stats.recordBatch(1, 12_345);
        assertEquals(0, stats.changesInOpenTransaction());
        assertEquals(12_345, stats.changesApplied());
    }

    @Test
    void changesAddUpPerTargetTable() {
        ApplyStats stats = new ApplyStats();
        stats.recordTables(Map.of("app.customer", 3L, "app.orders", 5L));
        stats.recordTables(Map.of("app.customer", 2L));
        assertEquals(5, stats.changesApplied("app.customer"));
        assertEquals(5, stats.changesApplied("app.orders"));
        assertEquals(0, stats.changesApplied("app.unknown"));
    }
}
