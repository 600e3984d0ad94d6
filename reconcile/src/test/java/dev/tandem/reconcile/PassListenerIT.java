package dev.tandem.reconcile;

import static dev.tandem.reconcile.ReconcileFixture.exec;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.tandem.capture.PgDatabase;
import dev.tandem.sync.fence.SyncFence;
import dev.tandem.sync.mapping.CompiledTable;
import java.time.Duration;
import java.util.List;
import java.util.Queue;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;

/**
 * A pass listener hears the pass start with every table and the source's estimate, each compared chunk with its rows
 * (adding up to the report), and each table start and finish, while the metrics sink still gets its own events.
 */
class PassListenerIT {

    @Test
    void theListenerFollowsEveryChunkOfAPassBesideTheMetrics() throws Exception {
        PgDatabase legacy = ReconcileFixture.fresh("rc_listen_legacy");
        PgDatabase target = ReconcileFixture.fresh("rc_listen_new");
        exec(legacy, "CREATE TABLE public.a (id bigint PRIMARY KEY, v text)", "CREATE TABLE public.b (id bigint PRIMARY KEY, v text)",
                "INSERT INTO public.a SELECT g, md5(g::text) FROM generate_series(1, 5000) g",
                "INSERT INTO public.b SELECT g, md5(g::text) FROM generate_series(1, 1500) g", "ANALYZE public.a", "ANALYZE public.b");
        exec(target, "CREATE TABLE public.a (id bigint PRIMARY KEY, v text)", "CREATE TABLE public.b (id bigint PRIMARY KEY, v text)",
                "INSERT INTO public.a SELECT g, md5(g::text) FROM generate_series(1, 5000) g",
                "INSERT INTO public.b SELECT g, md5(g::text) FROM generate_series(1, 1500) g");
        List<CompiledTable> tables = ReconcileFixture.compile("""
                tables:
                  - target: public.a
                    from: public.a s
                    copy_same_named: true
                  - target: public.b
                    from: public.b s
                    copy_same_named: true
                """, legacy, target);
        ReconcileSettings settings = new ReconcileSettings(Duration.ofSeconds(30), 1_000, 1_000, 2, 2, Duration.ofSeconds(5), 100, 10,
                1000, Duration.ZERO);
        Queue<String> events = new ConcurrentLinkedQueue<>();
        AtomicLong listenedRows = new AtomicLong();
        AtomicLong meteredRows = new AtomicLong();
        PassReport report = new Reconciler("listen", legacy, target, tables, settings, SyncFence.NONE)
                .reportingTo(new ReconcileMetrics() {
                    @Override
                    public void compared(String table, long rows) {
                        meteredRows.addAndGet(rows);
                    }
                })
                .listeningTo(new PassListener() {
                    @Override
                    public void passStarted(long passId, List<String> names, long estimatedRows) {
                        events.add("pass " + names + " ~" + estimatedRows);
                    }

                    @Override
                    public void tableStarted(String table, long estimatedRows) {
                        events.add("start " + table + " ~" + estimatedRows);
                    }

                    @Override
                    public void chunkCompared(String table, long rows) {
                        listenedRows.addAndGet(rows);
                        events.add("chunk " + table);
                    }

                    @Override
                    public void tableFinished(TableReport table) {
                        events.add("finish " + table.table() + " " + table.rowsCompared());
                    }
                })
                .verifyPass();

        assertTrue(report.consistent());
        List<String> heard = List.copyOf(events);
        assertEquals("pass [public.a, public.b] ~6500", heard.get(0), "both tables and the analyzed estimate, up front: " + heard);
        assertEquals("start public.a ~5000", heard.get(1), heard.toString());
        assertEquals(report.tables().get(0).chunks() + report.tables().get(1).chunks(),
                heard.stream().filter(e -> e.startsWith("chunk ")).count(), "one event per compared chunk: " + heard);
        int finishA = heard.indexOf("finish public.a 5000");
        int startB = heard.indexOf("start public.b ~1500");
        assertTrue(finishA > 1 && startB == finishA + 1 && heard.get(heard.size() - 1).equals("finish public.b 1500"), heard.toString());
        assertTrue(heard.subList(2, finishA).stream().allMatch(e -> e.equals("chunk public.a")), heard.toString());
        assertEquals(6500, listenedRows.get(), "the chunks' rows add up to the pass");
        assertEquals(6500, meteredRows.get(), "the metrics sink still counts every row");
    }
}
