package dev.tandem.sync.backfill;

import static dev.tandem.sync.TestDatabases.awaitTrue;
import static dev.tandem.sync.TestDatabases.exec;
import static dev.tandem.sync.TestDatabases.queryLong;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.tandem.capture.PgDatabase;
import dev.tandem.sync.TestDatabases;
import dev.tandem.sync.control.ControlSchema;
import dev.tandem.sync.mapping.CompiledTable;
import dev.tandem.sync.mapping.MappingCompiler;
import dev.tandem.sync.mapping.MappingSpec;
import dev.tandem.sync.mapping.TableMapping;
import java.sql.Connection;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/**
 * The backfill's throttle on the real database: a rows-per-second budget shared by several
 * workers holds within 20 %, and the copy pauses while the slot retains too much WAL or other
 * backends keep the source busy, then finishes once the pressure is gone.
 */
class BackfillThrottleIT {

    private static final int ROWS = 60_000;

    @Test
    void aRowBudgetHoldsWithinTwentyPercent() throws Exception {
        Fixture f = fixture("thr_budget");
        long budget = 20_000;
        BackfillSettings settings = BackfillSettings.DEFAULTS.withChunkRows(5_000).withRowsPerSecond(budget);
        BackfillProgress progress = new BackfillProgress();
        long started = System.nanoTime();
        long copied;
        try (SourceLoad load = new SourceLoad(f.legacy, "no_such_slot", settings)) {
            copied = new Backfill("thr", f.legacy, f.app, 3, settings, progress, load).run(f.tables, 1, null, "test", false);
        }
        double endToEnd = copied / ((System.nanoTime() - started) / 1e9);
        assertEquals(ROWS, copied);
        assertEquals(ROWS, queryLong(f.app, "SELECT count(*) FROM s.t"));
        // the copy's rate, from its first row to its last commit (planning excluded)
        double rate = progress.overall().rowsPerSecond();
        System.out.printf("budget %d rows/s: copy rate %.0f rows/s, planning and copy %.0f rows/s%n", budget, rate, endToEnd);
        assertTrue(rate > budget * 0.8 && rate < budget * 1.2, "copied at " + Math.round(rate) + " rows/s with a budget of "
                + budget);
        assertTrue(endToEnd < budget * 1.2, "planning and copy together ran at " + Math.round(endToEnd) + " rows/s");
    }

    @Test
    void pausesWhileTheSlotRetainsTooMuchWal() throws Exception {
        Fixture f = fixture("thr_wal");
        exec(f.legacy, "SELECT pg_create_logical_replication_slot('thr_wal_slot', 'pgoutput')",
                "CREATE TABLE s.noise AS SELECT g, md5(g::text) FROM generate_series(1, 20000) g"); // WAL the slot retains
        BackfillSettings settings = BackfillSettings.DEFAULTS.withChunkRows(10_000).withMaxRetainedWalBytes(64 * 1024);
        try (SourceLoad load = new SourceLoad(f.legacy, "thr_wal_slot", settings)) {
            CompletableFuture<Long> copy = CompletableFuture.supplyAsync(() -> run(f, settings, load));
            awaitTrue(Duration.ofSeconds(30), "the backfill to back off", () -> load.pauses() > 0);
            assertTrue(load.lastPauseReason().contains("slot thr_wal_slot retains"), load.lastPauseReason());
            assertTrue(load.retainedWalBytes() > 64 * 1024, "retained WAL reported: " + load.retainedWalBytes());
            assertEquals(0, queryLong(f.app, "SELECT count(*) FROM s.t"), "copied while over the WAL limit");
            exec(f.legacy, "SELECT pg_drop_replication_slot('thr_wal_slot')"); // the capture caught up
            assertEquals(ROWS, copy.get(60, TimeUnit.SECONDS));
        }
        assertEquals(ROWS, queryLong(f.app, "SELECT count(*) FROM s.t"));
    }

    @Test
    void pausesWhileOtherBackendsAreBusy() throws Exception {
        Fixture f = fixture("thr_busy");
        BackfillSettings settings = BackfillSettings.DEFAULTS.withChunkRows(10_000).withMaxActiveBackends(1);
        CompletableFuture<Void> busy1 = CompletableFuture.runAsync(() -> sleepOn(f.legacy));
        CompletableFuture<Void> busy2 = CompletableFuture.runAsync(() -> sleepOn(f.legacy));
        awaitTrue(Duration.ofSeconds(10), "two busy backends", () -> {
            try {
                return queryLong(f.legacy, "SELECT count(*) FROM pg_stat_activity WHERE query LIKE 'SELECT pg_sleep%' "
                        + "AND state = 'active'") == 2;
            } catch (Exception e) {
                throw new IllegalStateException(e);
            }
        });
        try (SourceLoad load = new SourceLoad(f.legacy, "no_such_slot", settings)) {
            CompletableFuture<Long> copy = CompletableFuture.supplyAsync(() -> run(f, settings, load));
            awaitTrue(Duration.ofSeconds(30), "the backfill to back off", () -> load.pauses() > 0);
            assertTrue(load.lastPauseReason().contains("other backends are active"), load.lastPauseReason());
            assertEquals(ROWS, copy.get(60, TimeUnit.SECONDS));
        }
        busy1.get();
        busy2.get();
        assertEquals(ROWS, queryLong(f.app, "SELECT count(*) FROM s.t"));
    }

    private static long run(Fixture f, BackfillSettings settings, SourceLoad load) {
        try {
            return new Backfill("thr", f.legacy, f.app, 2, settings, new BackfillProgress(), load).run(f.tables, 1, null,
                    "test", false);
        } catch (Exception e) {
            throw new IllegalStateException(e);
        }
    }

    private static void sleepOn(PgDatabase db) {
        try {
            exec(db, "SELECT pg_sleep(3)");
        } catch (Exception e) {
            throw new IllegalStateException(e);
        }
    }

    private record Fixture(PgDatabase legacy, PgDatabase app, List<CompiledTable> tables) {
    }

    private static Fixture fixture(String name) throws Exception {
        PgDatabase legacy = TestDatabases.fresh(name + "_legacy");
        PgDatabase app = TestDatabases.fresh(name + "_app");
        exec(legacy, "CREATE SCHEMA s", "CREATE TABLE s.t (id int PRIMARY KEY, v text)",
                "INSERT INTO s.t SELECT g, md5(g::text) FROM generate_series(1, " + ROWS + ") g");
        exec(app, "CREATE SCHEMA s", "CREATE TABLE s.t (id int PRIMARY KEY, v text)");
        try (Connection src = legacy.connect("test"); Connection dst = app.connect("test")) {
            ControlSchema.ensure(dst);
            return new Fixture(legacy, app, MappingCompiler.compile(
                    MappingSpec.of(List.of(new TableMapping("s.t", "s.t", Map.of()))), src, dst));
        }
    }
}
