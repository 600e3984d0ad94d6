package dev.tandem.sync;

import static dev.tandem.sync.TestDatabases.awaitTrue;
import static dev.tandem.sync.TestDatabases.digest;
import static dev.tandem.sync.TestDatabases.exec;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.tandem.capture.PgDatabase;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.util.Set;
import java.util.concurrent.ConcurrentSkipListSet;
import java.util.concurrent.atomic.AtomicBoolean;
import org.junit.jupiter.api.Test;

/**
 * One source transaction of {@code tandem.faults.txRows} changes (400,000 by default, 5,000,000 under
 * {@code -Pfaults}), a single {@code UPDATE} over a whole table, syncs through a pipeline whose child JVM has a heap
 * of 256 MiB, far less than the transaction's changes take in memory: the applier writes it in parts into one target
 * transaction. A reader of the new schema meanwhile sees none or all of it, never a part; and a {@code kill -9} while
 * the parts are being written loses nothing and doubles nothing.
 */
class LargeTransactionIT {

    private static final int ROWS = Integer.getInteger("tandem.faults.txRows", 400_000);
    private static final String HEAP = "256m";
    private static final String COLUMNS = "id, v, note";

    @Test
    void oneHugeUpdateAppliesAtomicallyInBoundedMemory() throws Exception {
        PgDatabase legacy = TestDatabases.fresh("bigtx_legacy");
        PgDatabase app = TestDatabases.fresh("bigtx_app");
        setUp(legacy, app);
        Path log = Path.of("target", "large-transaction.log");
        try (ChildPipeline child = ChildPipeline.start("bigtx", legacy, app, "public.item", "transactional", HEAP, log);
             AtomicityChecker checker = new AtomicityChecker(app)) {
            awaitBackfilled(app, child, log);
            checker.start();
            exec(legacy, "UPDATE public.item SET v = 1");
            String expected = digest(legacy, "public.item", COLUMNS, "id");
            awaitTrue(Duration.ofSeconds(1200), "the transaction to arrive (see " + log + ")",
                    () -> countOrZero(app, "SELECT count(*) FROM public.item WHERE v = 1") == ROWS || !child.isAlive());
            assertTrue(child.isAlive(), "the pipeline keeps running with a heap of " + HEAP + " (see " + log + ")");
            assertEquals(expected, digest(app, "public.item", COLUMNS, "id"));
            checker.assertAllOrNothing();
        }
    }

    @Test
    void aKillWhileTheTransactionIsBeingWrittenResumesExactly() throws Exception {
        PgDatabase legacy = TestDatabases.fresh("bigtxkill_legacy");
        PgDatabase app = TestDatabases.fresh("bigtxkill_app");
        setUp(legacy, app);
        Path log = Path.of("target", "large-transaction-kill.log");
        try (AtomicityChecker checker = new AtomicityChecker(app)) {
            try (ChildPipeline child = ChildPipeline.start("bigtxkill", legacy, app, "public.item", "transactional", HEAP,
                    log)) {
                awaitBackfilled(app, child, log);
                checker.start();
                exec(legacy, "UPDATE public.item SET v = 1");
                awaitTrue(Duration.ofSeconds(300), "the applier to write parts of the transaction (see " + log + ")",
                        () -> applierHoldsAWriteTransaction(app) || !child.isAlive());
                assertTrue(child.isAlive(), "see " + log);
                child.kill();
            }
            assertEquals(0, TestDatabases.queryLong(app, "SELECT count(*) FROM public.item WHERE v = 1"),
                    "the killed applier's parts were rolled back with its connection");
            Path again = Path.of("target", "large-transaction-kill-resumed.log");
            try (ChildPipeline child = ChildPipeline.start("bigtxkill", legacy, app, "public.item", "transactional", HEAP,
                    again)) {
                String expected = digest(legacy, "public.item", COLUMNS, "id");
                awaitTrue(Duration.ofSeconds(1200), "the transaction to arrive after the restart (see " + again + ")",
                        () -> countOrZero(app, "SELECT count(*) FROM public.item WHERE v = 1") == ROWS
                                || !child.isAlive());
                assertEquals(expected, digest(app, "public.item", COLUMNS, "id"), "see " + again);
            }
            checker.assertAllOrNothing();
        }
    }

    /**
     * Per-key ordering: the router routes the transaction in parts as it arrives, and each applier writes its
     * partition's share in parts into one target transaction (the other partitions wait), so it runs in the same small
     * heap as transactional ordering.
     */
    @Test
    void perKeyOrderingRoutesAHugeTransactionInParts() throws Exception {
        PgDatabase legacy = TestDatabases.fresh("bigtxkey_legacy");
        PgDatabase app = TestDatabases.fresh("bigtxkey_app");
        int rows = ROWS;
        setUp(legacy, app, rows);
        Path log = Path.of("target", "large-transaction-per-key.log");
        try (ChildPipeline child = ChildPipeline.start("bigtxkey", legacy, app, "public.item", "per-key", HEAP, log)) {
            awaitTrue(Duration.ofSeconds(300), "the backfill to copy " + rows + " rows (see " + log + ")",
                    () -> countOrZero(app, "SELECT count(*) FROM public.item") == rows || !child.isAlive());
            exec(legacy, "UPDATE public.item SET v = 1, note = note || ' updated'");
            String expected = digest(legacy, "public.item", COLUMNS, "id");
            awaitTrue(Duration.ofSeconds(600), "the transaction to arrive (see " + log + ")",
                    () -> expected.equals(digest(app, "public.item", COLUMNS, "id")) || !child.isAlive());
            assertEquals(expected, digest(app, "public.item", COLUMNS, "id"), "see " + log);
        }
    }

    private static void setUp(PgDatabase legacy, PgDatabase app) throws SQLException {
        setUp(legacy, app, ROWS);
    }

    private static void setUp(PgDatabase legacy, PgDatabase app, int rows) throws SQLException {
        exec(legacy, "CREATE TABLE public.item (id bigint PRIMARY KEY, v int NOT NULL, note text)",
                "INSERT INTO public.item SELECT g, 0, 'item ' || g FROM generate_series(1, " + rows + ") g");
        exec(app, "CREATE TABLE public.item (id bigint PRIMARY KEY, v int NOT NULL, note text)");
    }

    private static void awaitBackfilled(PgDatabase app, ChildPipeline child, Path log) throws InterruptedException {
        awaitTrue(Duration.ofSeconds(300), "the backfill to copy " + ROWS + " rows (see " + log + ")",
                () -> countOrZero(app, "SELECT count(*) FROM public.item") == ROWS || !child.isAlive());
        assertTrue(child.isAlive(), "see " + log);
    }

    /** True while the applier's session has a transaction with a transaction id: it wrote rows not yet committed. */
    private static boolean applierHoldsAWriteTransaction(PgDatabase app) {
        return countOrZero(app, "SELECT count(*) FROM pg_stat_activity WHERE application_name LIKE 'tandem-applier-%' "
                + "AND backend_xid IS NOT NULL") > 0;
    }

    private static long countOrZero(PgDatabase db, String sql) {
        try {
            return TestDatabases.queryLong(db, sql);
        } catch (SQLException e) {
            return 0;
        }
    }

    /** Reads the new schema over and over, remembering how many rows of the transaction each read saw. */
    private static final class AtomicityChecker implements AutoCloseable {
        private final PgDatabase app;
        private final Set<Long> seen = new ConcurrentSkipListSet<>();
        private final AtomicBoolean stop = new AtomicBoolean();
        private final Thread thread;
        private volatile SQLException failure;

        AtomicityChecker(PgDatabase app) {
            this.app = app;
            this.thread = new Thread(this::run, "atomicity-checker");
        }

        void start() {
            thread.start();
        }

        private void run() {
            try (Connection c = app.connect("atomicity-checker"); Statement st = c.createStatement()) {
                while (!stop.get()) {
                    try (ResultSet rs = st.executeQuery("SELECT count(*) FROM public.item WHERE v = 1")) {
                        rs.next();
                        seen.add(rs.getLong(1));
                    }
                    Thread.sleep(20); // a sample every 20 ms leaves the machine's two cores to the pipeline
                }
            } catch (SQLException e) {
                failure = e;
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }

        void assertAllOrNothing() throws InterruptedException {
            stop.set(true);
            thread.join();
            assertEquals(null, failure, "the checker could read throughout");
            assertTrue(seen.contains(0L) && seen.stream().allMatch(n -> n == 0 || n == ROWS),
                    "readers saw the transaction's rows only all or none, saw counts " + seen);
        }

        @Override
        public void close() throws InterruptedException {
            stop.set(true);
            if (thread.isAlive()) {
                thread.join();
            }
        }
    }
}
