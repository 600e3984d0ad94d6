package dev.tandem.reconcile;

import static dev.tandem.reconcile.ReconcileFixture.exec;
import static dev.tandem.reconcile.ReconcileFixture.queryLong;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.tandem.capture.PgDatabase;
import dev.tandem.sync.fence.SyncFence;
import dev.tandem.sync.mapping.CompiledTable;
import java.sql.Connection;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;

/**
 * A pass whose database sessions are killed mid-table resumes where it stopped: the same pass, chunks verified
 * before the kill are not verified again, and the pass then finishes consistent with every row counted once.
 */
class ResumeIT {

    @Test
    void killedPassResumesFromItsLastChunk() throws Exception {
        PgDatabase legacy = ReconcileFixture.fresh("rc_resume_legacy");
        PgDatabase target = ReconcileFixture.fresh("rc_resume_new");
        exec(legacy, "CREATE TABLE public.src (id bigint PRIMARY KEY, v text)",
                "INSERT INTO public.src SELECT g, md5(g::text) FROM generate_series(1, 20000) g");
        exec(target, "CREATE TABLE public.dst (id bigint PRIMARY KEY, v text)",
                "INSERT INTO public.dst SELECT g, md5(g::text) FROM generate_series(1, 20000) g");
        List<CompiledTable> tables = ReconcileFixture.compile("""
                tables:
                  - target: public.dst
                    from: public.src s
                    copy_same_named: true
                """, legacy, target);
        ReconcileSettings settings = new ReconcileSettings(Duration.ofSeconds(30), 1_000, 1_000, 1, 2, Duration.ofSeconds(5), 100, 10,
                1000, Duration.ZERO);
        AtomicInteger chunks = new AtomicInteger();
        Reconciler killed = new Reconciler("resume", legacy, target, tables, settings, SyncFence.NONE).reportingTo(new ReconcileMetrics() {
            @Override
            public void compared(String table, long rows) {
                if (chunks.incrementAndGet() == 5) {
                    terminateReconcilerSessions(legacy);
                }
            }
        });
        assertThrows(Exception.class, killed::verifyPass, "the pass fails when its sessions are killed");
        long passId = queryLong(target, "SELECT pass_id FROM tandem.reconcile_pass WHERE migration = 'resume'");
        long doneBefore = queryLong(target, "SELECT count(*) FROM tandem.reconcile_chunk WHERE done");
        assertEquals(5, doneBefore, "five chunks were verified before the kill");
        exec(target, "CREATE TABLE public.resume_mark AS SELECT clock_timestamp() AS at");

        PassReport resumed = new Reconciler("resume", legacy, target, tables, settings, SyncFence.NONE).verifyPass();
        assertEquals(passId, resumed.passId(), "the unfinished pass is resumed, not restarted");
        assertTrue(resumed.consistent());
        assertEquals(20000, resumed.rowsCompared(), "every row is counted exactly once across both runs");
        assertEquals(21, resumed.tables().get(0).chunks(), "20 full chunks and the open-ended tail (keys above the last one)");
        assertEquals(5, queryLong(target, "SELECT count(*) FROM tandem.reconcile_chunk c, public.resume_mark m WHERE c.verified_at < m.at"),
                "chunks verified before the kill are not verified again");
        assertEquals(1, queryLong(target, "SELECT count(*) FROM tandem.consistency_record WHERE migration = 'resume' AND consistent"));
    }

    private static void terminateReconcilerSessions(PgDatabase db) {
        try (Connection c = db.connect("test-killer"); Statement st = c.createStatement()) {
            st.execute("SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE application_name LIKE 'tandem-reconcile%'");
        } catch (SQLException e) {
            throw new IllegalStateException("cannot terminate the reconciler's sessions", e);
        }
    }
}
