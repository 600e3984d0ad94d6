package dev.tandem.reconcile;

import static dev.tandem.reconcile.ReconcileFixture.described;
import static dev.tandem.reconcile.ReconcileFixture.exec;
import static dev.tandem.reconcile.ReconcileFixture.queryLong;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.tandem.capture.PgDatabase;
import dev.tandem.sync.fence.SyncFence;
import dev.tandem.sync.mapping.CompiledTable;
import dev.tandem.embedded.SharedTestStack;
import dev.tandem.reconcile.order.RecentChanges;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.NavigableSet;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Two reconcilers of one migration share a pass through the control schema: each chunk is verified by exactly one of
 * them, both report what a single reconciler reports, and a reconciler that dies holding a chunk (its session killed
 * while its thread hangs, or its process killed with SIGKILL) loses it to the other.
 */
class SharedPassIT {

    private static final int ROWS = 30_000;
    static final String MAPPING = """
            tables:
              - target: public.dst
                from: public.src s
                copy_same_named: true
            """;

    private PgDatabase legacy;
    private PgDatabase target;
    private List<CompiledTable> tables;
    private final ExecutorService instances = Executors.newFixedThreadPool(2);

    @BeforeEach
    void drifted() throws SQLException {
        legacy = ReconcileFixture.fresh("rc_shared_legacy");
        target = ReconcileFixture.fresh("rc_shared_new");
        exec(legacy, "CREATE TABLE public.src (id bigint PRIMARY KEY, v text)",
                "INSERT INTO public.src SELECT g, md5(g::text) FROM generate_series(1, " + ROWS + ") g");
        exec(target, "CREATE TABLE public.dst (id bigint PRIMARY KEY, v text)",
                "INSERT INTO public.dst SELECT g, md5(g::text) FROM generate_series(1, " + ROWS + ") g",
                "DELETE FROM public.dst WHERE id = 5", "UPDATE public.dst SET v = 'changed' WHERE id = 17001",
                "INSERT INTO public.dst VALUES (" + (ROWS + 500) + ", 'extra')");
        tables = ReconcileFixture.compile(MAPPING, legacy, target);
    }

    @AfterEach
    void stop() {
        instances.shutdownNow();
    }

    /** Fixed chunks of 1000 rows: about 30 of them, so the two instances interleave many claims. */
    static ReconcileSettings settings(int parallelism) {
        return new ReconcileSettings(Duration.ofSeconds(30), 1_000, 1_000, parallelism, 2, Duration.ofSeconds(5), 100, 10, 1000,
                Duration.ZERO);
    }

    @Test
    void twoInstancesVerifyEachChunkOnceAndReportWhatOneInstanceReports() throws Exception {
        PassReport solo = new Reconciler("solo", legacy, target, tables, settings(2), SyncFence.NONE).verifyPass();

        CountDownLatch bClaimed = new CountDownLatch(1);
        Counting a = new Counting(bClaimed, null);
        Counting b = new Counting(null, bClaimed);
        Future<PassReport> ra = instances.submit(() -> reconciler("A", 2, a).verifyPass());
        Future<PassReport> rb = instances.submit(() -> reconciler("B", 2, b).verifyPass());
        PassReport byA = ra.get(60, TimeUnit.SECONDS);
        PassReport byB = rb.get(60, TimeUnit.SECONDS);

        assertEquals(byA.passId(), byB.passId(), "both instances ran one pass");
        long chunks = queryLong(target, "SELECT count(*) FROM tandem.reconcile_chunk WHERE pass_id = " + byA.passId());
        assertTrue(a.chunks.get() > 0 && b.chunks.get() > 0, "both instances verified chunks: A " + a.chunks + ", B " + b.chunks);
        assertEquals(chunks, a.chunks.get() + b.chunks.get(), "each of the pass's chunks was verified by exactly one instance");
        assertEquals(ROWS, a.rows.get() + b.rows.get(), "each source row was compared exactly once");
        assertEquals(a.chunks.get(), queryLong(target, "SELECT count(*) FROM tandem.reconcile_chunk WHERE done AND verified_by = 'A' "
                + "AND pass_id = " + byA.passId()));
        assertEquals(b.chunks.get(), queryLong(target, "SELECT count(*) FROM tandem.reconcile_chunk WHERE done AND verified_by = 'B' "
                + "AND pass_id = " + byA.passId()));
        assertEquals(1, queryLong(target, "SELECT count(*) FROM tandem.consistency_record WHERE pass_id = " + byA.passId()),
                "one consistency record for the table, not one per instance");
        assertEquals(3, queryLong(target, "SELECT count(*) FROM tandem.drifted_row WHERE pass_id = " + byA.passId()),
                "each drifted row stored once");
        for (PassReport shared : List.of(byA, byB)) {
            assertSameFindings(solo, shared);
        }
    }

    @Test
    void aChunkHeldByADeadInstanceIsTakenOverAndThePassCompletes() throws Exception {
        PassReport solo = new Reconciler("solo", legacy, target, tables, settings(2), SyncFence.NONE).verifyPass();

        CountDownLatch bHolds = new CountDownLatch(1);
        CountDownLatch never = new CountDownLatch(1);
        AtomicInteger heldChunk = new AtomicInteger(-1);
        Counting a = new Counting(bHolds, null);
        Counting b = new Counting(null, null) {
            @Override
            public void chunkClaimed(String table, int chunkNo) {
                if (claims.incrementAndGet() == 2) { // hangs holding its second chunk, as a frozen or dying process would
                    heldChunk.set(chunkNo);
                    bHolds.countDown();
                    awaitQuietly(never);
                }
            }
        };
        Future<PassReport> rb = instances.submit(() -> reconciler("B", 1, b).verifyPass());
        Future<PassReport> ra = instances.submit(() -> reconciler("A", 2, a).verifyPass());
        assertTrue(bHolds.await(30, TimeUnit.SECONDS), "B claimed a second chunk");
        assertEquals(1, terminate(target, "tandem-reconcile-claim B"), "B's claim session is killed");

        PassReport byA = ra.get(60, TimeUnit.SECONDS);
        assertSameFindings(solo, byA);
        assertEquals("A", ReconcileFixture.queryString(target, "SELECT verified_by FROM tandem.reconcile_chunk WHERE pass_id = "
                + byA.passId() + " AND chunk_no = " + heldChunk.get()), "A took over the chunk B held when it died");
        assertEquals(0, queryLong(target, "SELECT count(*) FROM tandem.reconcile_chunk WHERE NOT done AND pass_id = " + byA.passId()));
        assertEquals(1, b.chunks.get(), "B stored only the chunk it finished before it hung");
        assertEquals(ROWS, a.rows.get() + b.rows.get(), "no chunk is lost or counted twice");
        assertEquals(1, queryLong(target, "SELECT count(*) FROM tandem.reconcile_pass WHERE finished_at IS NOT NULL AND pass_id = "
                + byA.passId()));

        never.countDown(); // B wakes up to a lost session: its result is not stored and its pass fails
        ExecutionException failed = assertThrows(ExecutionException.class, () -> rb.get(60, TimeUnit.SECONDS));
        assertInstanceOf(SQLException.class, failed.getCause());
        assertEquals(1, b.chunks.get(), "B's late result was not counted");
        assertEquals(3, queryLong(target, "SELECT count(*) FROM tandem.drifted_row WHERE pass_id = " + byA.passId()));
    }

    @Test
    void aChunkHeldByAKilledProcessIsTakenOverAndThePassCompletes(@TempDir Path dir) throws Exception {
        PassReport solo = new Reconciler("solo", legacy, target, tables, settings(2), SyncFence.NONE).verifyPass();

        Path output = dir.resolve("child.log");
        String java = ProcessHandle.current().info().command().orElse("java");
        Process child = new ProcessBuilder(List.of(java, "-Xmx128m", "-cp", System.getProperty("java.class.path"),
                SharedPassChild.class.getName(), Integer.toString(SharedTestStack.get().postgres().port()), "rc_shared_legacy",
                "rc_shared_new", "C")).redirectErrorStream(true).redirectOutput(output.toFile()).start();
        List<Integer> claimed;
        try {
            claimed = awaitClaims(child, output, 2);
        } finally {
            child.destroyForcibly(); // SIGKILL while it holds its second chunk: no cleanup runs
            child.waitFor(30, TimeUnit.SECONDS);
        }
        int held = claimed.get(1);

        Counting a = new Counting(null, null);
        PassReport byA = reconciler("A", 2, a).verifyPass();
        assertEquals(queryLong(target, "SELECT max(pass_id) FROM tandem.reconcile_pass WHERE migration = 'duo'"), byA.passId(),
                "A joined the pass the killed process had opened");
        assertSameFindings(solo, byA);
        assertEquals("A", ReconcileFixture.queryString(target, "SELECT verified_by FROM tandem.reconcile_chunk WHERE pass_id = "
                + byA.passId() + " AND chunk_no = " + held), "A verified the chunk the process held when it was killed");
        assertEquals(1, queryLong(target, "SELECT count(*) FROM tandem.reconcile_chunk WHERE verified_by = 'C' AND pass_id = "
                + byA.passId()), "the killed process stored the chunk it finished, and only that one");
        assertEquals(ROWS, a.rows.get() + queryLong(target, "SELECT sum(source_rows) FROM tandem.reconcile_chunk "
                + "WHERE verified_by = 'C' AND pass_id = " + byA.passId()), "no chunk is lost or counted twice");
        assertEquals(0, queryLong(target, "SELECT count(*) FROM tandem.reconcile_chunk WHERE NOT done AND pass_id = " + byA.passId()));
    }

    @Test
    void changedChunksStayFirstWhenTwoInstancesShareThePass() throws Exception {
        FixedChanges quiet = new FixedChanges(Map.of());
        PassReport first = new Reconciler("order", legacy, target, tables, settings(2), SyncFence.NONE).changedFirst(quiet).verifyPass();
        long previousChunks = first.tables().get(0).chunks();
        // rows 500 and 25500 changed since the first pass verified their chunks
        FixedChanges changed = new FixedChanges(Map.of("public.src", Map.of(List.of("25500"), 100L, List.of("500"), 100L)));
        List<Integer> claimOrder = java.util.Collections.synchronizedList(new java.util.ArrayList<>());
        PassListener recording = new PassListener() {
            @Override
            public void chunkClaimed(String table, int chunkNo) {
                claimOrder.add(chunkNo);
            }
        };
        Future<PassReport> ra = instances.submit(() -> new Reconciler("order", legacy, target, tables, settings(2), SyncFence.NONE)
                .identifiedAs("A").changedFirst(changed).listeningTo(recording).verifyPass());
        Future<PassReport> rb = instances.submit(() -> new Reconciler("order", legacy, target, tables, settings(2), SyncFence.NONE)
                .identifiedAs("B").changedFirst(changed).listeningTo(recording).verifyPass());
        PassReport byA = ra.get(60, TimeUnit.SECONDS);
        assertEquals(byA.passId(), rb.get(60, TimeUnit.SECONDS).passId());

        String pass = " AND pass_id = " + byA.passId();
        assertEquals(previousChunks, queryLong(target, "SELECT count(*) FROM tandem.reconcile_chunk WHERE done" + pass),
                "one plan (the previous pass's ranges), not one per instance, each chunk verified once");
        assertEquals(2, queryLong(target, "SELECT count(*) FROM tandem.reconcile_chunk WHERE chunk_no < 2" + pass
                + " AND (coalesce(lower_bound[1]::bigint, -1) < 500 AND coalesce(upper_bound[1]::bigint, 1e18) >= 500"
                + " OR coalesce(lower_bound[1]::bigint, -1) < 25500 AND coalesce(upper_bound[1]::bigint, 1e18) >= 25500)"),
                "the two changed chunks are planned first");
        assertTrue(claimOrder.subList(0, 4).containsAll(List.of(0, 1)), "the changed chunks were claimed first: " + claimOrder);
        assertEquals(1, queryLong(target, "SELECT count(*) FROM tandem.consistency_record WHERE migration = 'order'" + pass));
    }

    /** A change log that reports the same changed keys at every pass; the sync stands at offset 100. */
    private record FixedChanges(Map<String, Map<List<String>, Long>> keys) implements RecentChanges {
        @Override
        public Long applied(Connection target) {
            return 100L;
        }

        @Override
        public Map<String, Map<List<String>, Long>> changedSince(NavigableSet<Long> marks, Connection target) {
            return keys;
        }
    }

    /** The chunks the child announced, once it announced {@code count} of them (it then holds the last). */
    private static List<Integer> awaitClaims(Process child, Path output, int count) throws Exception {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
        while (System.nanoTime() < deadline) {
            List<Integer> claimed = Files.readAllLines(output).stream().filter(l -> l.startsWith("claimed "))
                    .map(l -> Integer.parseInt(l.substring("claimed ".length()).trim())).toList();
            if (claimed.size() >= count) {
                return claimed;
            }
            if (!child.isAlive()) {
                throw new AssertionError("the child reconciler exited early: " + Files.readString(output));
            }
            Thread.sleep(20); // polls the child's output for the condition
        }
        throw new AssertionError("the child reconciler announced fewer than " + count + " claims in 60 s: " + Files.readString(output));
    }

    private Reconciler reconciler(String name, int parallelism, PassListener listener) {
        return new Reconciler("duo", legacy, target, tables, settings(parallelism), SyncFence.NONE).identifiedAs(name)
                .listeningTo(listener);
    }

    private static void assertSameFindings(PassReport solo, PassReport shared) {
        TableReport one = solo.tables().get(0);
        TableReport two = shared.tables().get(0);
        assertFalse(shared.consistent());
        assertEquals(one.rowsCompared(), two.rowsCompared());
        assertEquals(one.targetRows(), two.targetRows());
        assertEquals(3, two.driftedRows());
        assertEquals(one.driftedRows(), two.driftedRows());
        assertEquals(described(one.drift()), described(two.drift()), "the same rows drifted in the same columns");
        assertEquals(one.sourceDigest(), two.sourceDigest());
        assertEquals(one.targetDigest(), two.targetDigest());
    }

    private static int terminate(PgDatabase db, String applicationName) throws SQLException {
        try (Connection c = db.connect("test-killer"); Statement st = c.createStatement();
             var rs = st.executeQuery("SELECT count(*) FILTER (WHERE pg_terminate_backend(pid)) FROM pg_stat_activity "
                     + "WHERE application_name = '" + applicationName + "'")) {
            rs.next();
            return rs.getInt(1);
        }
    }

    private static void awaitQuietly(CountDownLatch latch) {
        try {
            latch.await(120, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    /** Counts what one instance claimed and compared; optionally waits at its first claim for the other to claim one. */
    private static class Counting implements PassListener {
        final AtomicInteger claims = new AtomicInteger();
        final AtomicInteger chunks = new AtomicInteger();
        final AtomicLong rows = new AtomicLong();
        private final CountDownLatch awaitFirst;
        private final CountDownLatch signalFirst;

        Counting(CountDownLatch awaitFirst, CountDownLatch signalFirst) {
            this.awaitFirst = awaitFirst;
            this.signalFirst = signalFirst;
        }

        @Override
        public void chunkClaimed(String table, int chunkNo) {
            claims.incrementAndGet();
            if (signalFirst != null) {
                signalFirst.countDown();
            }
            if (awaitFirst != null) {
                awaitQuietly(awaitFirst);
            }
        }

        @Override
        public void chunkCompared(String table, long n) {
            chunks.incrementAndGet();
            rows.addAndGet(n);
        }
    }
}
