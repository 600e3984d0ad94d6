package dev.tandem.reconcile;

import static dev.tandem.reconcile.ReconcileFixture.exec;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.tandem.capture.PgDatabase;
import dev.tandem.embedded.SharedTestStack;
import dev.tandem.sync.fence.SourceFence;
import dev.tandem.sync.mapping.MappingParser;
import dev.tandem.sync.pipeline.Pipeline;
import dev.tandem.sync.pipeline.PipelineConfig;
import java.io.StringReader;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;
import java.util.concurrent.locks.ReentrantReadWriteLock;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;

/**
 * Rows the application rewrites many times a second are never reported as drift while a pass runs (they are rechecked
 * alone, and a recheck in which the source row moved does not count); a rogue target write is still drift, on a key
 * that stopped being written and on a quiet key, while the others keep being hammered.
 */
class HotRowsIT {

    static final String MAPPING = """
            tables:
              - target: app.hot
                from: legacy.hot h
                key: { id: h.id }
                columns: { n: h.n, note: h.note }
            """;

    static final List<Long> HOT = List.of(101L, 5001L, 5002L, 9001L);
    static final ReentrantReadWriteLock HOT_LOCK = new ReentrantReadWriteLock();

    @Test
    void hotRowsAreNeverDriftAndRogueWritesStillAre() throws Exception {
        PgDatabase legacy = ReconcileFixture.fresh("rc_hot_legacy");
        PgDatabase target = ReconcileFixture.fresh("rc_hot_new");
        exec(legacy, "CREATE SCHEMA legacy", "CREATE TABLE legacy.hot (id bigint PRIMARY KEY, n bigint NOT NULL, note text)",
                "INSERT INTO legacy.hot SELECT g, 0, 'note ' || g FROM generate_series(1, 10000) g");
        exec(target, "CREATE SCHEMA app", "CREATE TABLE app.hot (id bigint PRIMARY KEY, n bigint, note text)");
        PipelineConfig config = new PipelineConfig("hot", legacy, target, MappingParser.parse("hot.yaml", new StringReader(MAPPING)),
                SharedTestStack.get().kafka().bootstrapServers());
        Set<Long> hot = ConcurrentHashMap.newKeySet();
        hot.addAll(HOT);
        AtomicBoolean stop = new AtomicBoolean();
        AtomicLong writes = new AtomicLong();
        AtomicReference<Throwable> failure = new AtomicReference<>();
        try (Pipeline pipeline = new Pipeline(config)) {
            pipeline.start();
            SourceFence fence = new SourceFence("hot", legacy, target);
            fence.await(Duration.ofSeconds(60));
            List<Thread> writers = new ArrayList<>();
            for (int w = 0; w < 1; w++) {
                int offset = w;
                Thread writer = new Thread(() -> hammer(legacy, hot, offset, stop, writes, failure), "hot-writer-" + w);
                writer.start();
                writers.add(writer);
            }
            try {
                ReconcileSettings settings = new ReconcileSettings(Duration.ofMillis(300), 1_000, 2_000, 2, 3, Duration.ofSeconds(30),
                        200, 50, 1000, Duration.ZERO).withMaxHotRechecks(4);
                Reconciler reconciler = new Reconciler("hot", legacy, target, pipeline.tables(), settings, fence);
                long before = writes.get();
                PassReport busy = reconciler.verifyPass();
                assertEquals(0, busy.driftedRows(), () -> "rows written during the pass are not drift: " + busy);
                assertTrue(busy.consistent());
                assertEquals(10_000, busy.rowsCompared());
                assertTrue(busy.tables().get(0).unsettled().stream().allMatch(d -> HOT.contains(Long.parseLong(d.targetKey().get(0)))),
                        () -> "only hammered rows can be unsettled: " + busy.tables().get(0).unsettled());
                // a precondition, not a timing claim: each hot key was rewritten a dozen times or more while the pass ran
                assertTrue(writes.get() - before > 50, "the hot rows were written while the pass ran: " + (writes.get() - before));

                HOT_LOCK.writeLock().lock();
                try {
                    hot.remove(5001L); // no write of 5001 is in flight from here on
                } finally {
                    HOT_LOCK.writeLock().unlock();
                }
                fence.await(Duration.ofSeconds(30));
                exec(target, "UPDATE app.hot SET note = 'ROGUE' WHERE id = 5001", "UPDATE app.hot SET note = 'ROGUE' WHERE id = 7777");
                PassReport rogue = reconciler.verifyPass();
                assertEquals(Set.of("DIFFERENT [5001] [note]", "DIFFERENT [7777] [note]"),
                        ReconcileFixture.described(rogue.tables().get(0).drift()), () -> "exactly the rogue writes: " + rogue);
                assertEquals(2, rogue.driftedRows());
                assertEquals(Set.of(), rogue.tables().get(0).unsettled().stream().map(d -> d.targetKey().get(0))
                        .filter(k -> k.equals("5001") || k.equals("7777")).collect(Collectors.toSet()));
            } finally {
                stop.set(true);
                for (Thread writer : writers) {
                    writer.join();
                }
            }
            assertNull(failure.get());
            assertNull(pipeline.failure());
        }
    }

    /** Updates the hot keys round-robin, each one many times a second, until stopped. */
    private static void hammer(PgDatabase legacy, Set<Long> hot, int offset, AtomicBoolean stop, AtomicLong writes,
                               AtomicReference<Throwable> failure) {
        try (Connection c = legacy.connect("hot-writer");
             PreparedStatement update = c.prepareStatement("UPDATE legacy.hot SET n = n + 1, note = md5(random()::text) WHERE id = ?")) {
            long i = offset;
            while (!stop.get()) {
                long id = HOT.get((int) (i++ % HOT.size()));
                HOT_LOCK.readLock().lock();
                try {
                    if (!hot.contains(id)) {
                        continue;
                    }
                    update.setLong(1, id);
                    update.executeUpdate();
                } finally {
                    HOT_LOCK.readLock().unlock();
                }
                writes.incrementAndGet();
                Thread.sleep(3); // about 250 writes/s, each key every ~16 ms: as fast as the sync keeps up with, so fences stay short
            }
        } catch (Exception e) {
            failure.set(e);
        }
    }
}
