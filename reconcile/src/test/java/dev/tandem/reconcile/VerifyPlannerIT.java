package dev.tandem.reconcile;

import static dev.tandem.reconcile.ReconcileFixture.exec;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.tandem.capture.PgDatabase;
import dev.tandem.reconcile.chunk.VerifyPlanner;
import dev.tandem.reconcile.chunk.VerifyRange;
import dev.tandem.reconcile.chunk.KeySample;
import dev.tandem.reconcile.digest.KeyFilter;
import dev.tandem.reconcile.digest.SessionPin;
import dev.tandem.reconcile.digest.Side;
import dev.tandem.reconcile.digest.TableShape;
import dev.tandem.sync.mapping.CompiledTable;
import java.sql.Connection;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * Chunk boundaries taken from a key sample cover the table without gaps or overlaps and stay near the wanted size, also
 * when rows are added past the sample's end while the table is planned, and for a partitioned source.
 */
class VerifyPlannerIT {

    static PgDatabase legacy;
    static PgDatabase target;

    @BeforeAll
    static void databases() throws Exception {
        legacy = ReconcileFixture.fresh("rc_planner_legacy");
        target = ReconcileFixture.fresh("rc_planner_new");
        exec(legacy, "CREATE SCHEMA legacy",
                "CREATE TABLE legacy.t (id bigint PRIMARY KEY, v text)",
                // gaps in the key: chunk bounds must follow rows, not key values
                "INSERT INTO legacy.t SELECT g * 3 + (g % 7), 'v' || g FROM generate_series(1, 30000) g",
                "ANALYZE legacy.t",
                "CREATE TABLE legacy.p (id bigint PRIMARY KEY, v text) PARTITION BY RANGE (id)",
                "CREATE TABLE legacy.p1 PARTITION OF legacy.p FOR VALUES FROM (MINVALUE) TO (40000)",
                "CREATE TABLE legacy.p2 PARTITION OF legacy.p FOR VALUES FROM (40000) TO (MAXVALUE)",
                "INSERT INTO legacy.p SELECT id, v FROM legacy.t");
        exec(target, "CREATE SCHEMA app", "CREATE TABLE app.t (id bigint PRIMARY KEY, v text)", "CREATE TABLE app.p (id bigint PRIMARY KEY, v text)");
    }

    private static CompiledTable table(String source, String targetTable) throws Exception {
        return ReconcileFixture.compile("""
                tables:
                  - target: %s
                    from: %s s
                    key: { id: s.id }
                    columns: { v: s.v }
                """.formatted(targetTable, source), legacy, target).get(0);
    }

    @Test
    void sampledBoundariesCoverRowsAddedWhilePlanning() throws Exception {
        List<VerifyRange> ranges = plan(table("legacy.t", "app.t"), () -> exec(legacy,
                "INSERT INTO legacy.t SELECT 1000000 + g, 'late' FROM generate_series(1, 5000) g"));
        assertCovers(table("legacy.t", "app.t"), ranges, 35_000);
    }

    @Test
    void aPartitionedSourceIsSampledAcrossItsPartitions() throws Exception {
        CompiledTable partitioned = table("legacy.p", "app.p");
        assertCovers(partitioned, plan(partitioned, () -> { }), 30_000);
    }

    @Test
    void aSampleReadsAboutTheBlocksAskedFor() throws Exception {
        for (String source : List.of("legacy.t", "legacy.p")) {
            CompiledTable table = table(source, source.replace("legacy.", "app."));
            try (Connection s = SessionPin.pin(legacy.connect("test")); Connection t = SessionPin.pin(target.connect("test"))) {
                // 20 of the table's roughly 200 blocks (of both partitions together for legacy.p), not all of them
                KeySample sample = Side.source(TableShape.load(table, s, t), Side.Mode.PUSHDOWN, s, null)
                        .keySample(VerifyRange.ALL, 20, 100_000);
                assertTrue(sample.size() > 0 && sample.size() < 30_000 / 3, () -> source + ": " + sample.size() + " of 30000 keys sampled");
                assertTrue(sample.rowsPerKey() > 3, () -> source + ": " + sample.rowsPerKey() + " rows per sampled key");
            }
        }
    }

    interface Step {
        void run() throws Exception;
    }

    /** Every chunk of the whole table at 1000 rows per chunk, running {@code afterFirst} once the first is planned. */
    private static List<VerifyRange> plan(CompiledTable table, Step afterFirst) throws Exception {
        try (Connection s = SessionPin.pin(legacy.connect("test")); Connection t = SessionPin.pin(target.connect("test"))) {
            TableShape shape = TableShape.load(table, s, t);
            VerifyPlanner planner = new VerifyPlanner(Side.source(shape, Side.Mode.PUSHDOWN, s, null), null, table.target(), 1_000,
                    1_000, Duration.ofMillis(500), VerifyRange.ALL, false, List.of());
            List<VerifyRange> ranges = new ArrayList<>();
            for (Optional<VerifyPlanner.Chunk> next = planner.next(); next.isPresent(); next = planner.next()) {
                ranges.add(next.get().range());
                if (ranges.size() == 1) {
                    afterFirst.run();
                }
            }
            return ranges;
        }
    }

    /** The ranges follow each other from the key's start to its end, and hold {@code rows} rows, 2000 at most each. */
    private static void assertCovers(CompiledTable table, List<VerifyRange> ranges, long rows) throws Exception {
        assertNull(ranges.get(0).lower());
        assertNull(ranges.get(ranges.size() - 1).upper());
        for (int i = 1; i < ranges.size(); i++) {
            assertEquals(ranges.get(i - 1).upper(), ranges.get(i).lower(), "chunk " + i + " starts where chunk " + (i - 1) + " ends");
        }
        try (Connection s = SessionPin.pin(legacy.connect("test")); Connection t = SessionPin.pin(target.connect("test"))) {
            Side source = Side.source(TableShape.load(table, s, t), Side.Mode.PUSHDOWN, s, t);
            long total = 0;
            for (VerifyRange range : ranges) {
                long chunkRows = source.digest(KeyFilter.range(range)).rows();
                assertTrue(chunkRows <= 2_000, () -> range + " holds " + chunkRows + " rows; 1000 were wanted");
                total += chunkRows;
            }
            assertEquals(rows, total);
        }
    }
}
