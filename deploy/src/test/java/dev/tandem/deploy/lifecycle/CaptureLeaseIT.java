package dev.tandem.deploy.lifecycle;

import static dev.tandem.deploy.TestSql.exec;
import static dev.tandem.deploy.TestSql.single;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.tandem.capture.PgDatabase;
import dev.tandem.embedded.EmbeddedPostgres;
import dev.tandem.embedded.SharedTestStack;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.BooleanSupplier;
import org.junit.jupiter.api.Test;

/**
 * The capture lease on the real embedded PostgreSQL: one holder at a time, a holder whose session dies while its
 * process lives notices and gives the role up (its listener fires, so the capture stops), and a standby takes over.
 */
class CaptureLeaseIT {

    private static final String DB = "capture_lease_it";
    private static final String LEADER_ROW = "SELECT instance FROM tandem.capture_leader WHERE migration = 'lease_it'";

    @Test
    void oneInstanceLeadsAndAStandbyTakesOverWhenTheLeadersSessionDies() throws Exception {
        EmbeddedPostgres postgres = SharedTestStack.get().postgres();
        postgres.createDatabase(DB);
        PgDatabase control = PgDatabase.fromUrl(postgres.jdbcUrl(DB), null);
        AtomicInteger aLost = new AtomicInteger();
        try (CaptureLease a = new CaptureLease(control, "lease_it", "a/1", "host-a").onLost(aLost::incrementAndGet).start();
             CaptureLease b = new CaptureLease(control, "lease_it", "b/2", "host-b").start()) {
            assertEquals(CaptureRole.LEADER, a.role(), "the first instance finds the lease free");
            b.poll();
            assertEquals(CaptureRole.STANDBY, b.role(), "a second instance stands by while the first holds it");
            assertEquals("a/1", single(postgres, DB, LEADER_ROW));

            // The leader's control session dies while its process lives: it must give the role up by itself.
            exec(postgres, DB, """
                    SELECT pg_terminate_backend(pid) FROM pg_locks WHERE locktype = 'advisory' AND granted AND objsubid = 1
                    AND objid = (hashtext('tandem.capture.lease_it')::bigint & 4294967295)::oid""");
            await("the old leader to step down and the standby to take over",
                    () -> a.role() == CaptureRole.STANDBY && aLost.get() == 1 && b.role() == CaptureRole.LEADER);
            assertEquals("b/2", single(postgres, DB, LEADER_ROW));
            assertEquals(1, a.term(), "a took the lease once");
            assertEquals(1, b.term(), "b took it once");
            a.poll();
            assertEquals(CaptureRole.STANDBY, a.role(), "the old leader does not take the lease back while the new one lives");
            assertTrue(a.healthy(), "the old leader reconnected and stands by");
        }
        assertNull(single(postgres, DB, "SELECT max(instance) FROM tandem.capture_leader WHERE migration = 'lease_it'"),
                "a leader that stops clears its row");
    }

    @Test
    void aStandbyTakesOverWhenTheLeaderStops() throws Exception {
        EmbeddedPostgres postgres = SharedTestStack.get().postgres();
        postgres.createDatabase(DB + "_stop");
        PgDatabase control = PgDatabase.fromUrl(postgres.jdbcUrl(DB + "_stop"), null);
        try (CaptureLease b = new CaptureLease(control, "lease_it", "b/2", "host-b")) {
            try (CaptureLease a = new CaptureLease(control, "lease_it", "a/1", "host-a").start()) {
                b.start();
                assertEquals(CaptureRole.LEADER, a.role());
                assertEquals(CaptureRole.STANDBY, b.role());
            }
            await("the standby to take the lease the stopped leader let go", () -> b.role() == CaptureRole.LEADER);
            assertEquals("b/2", single(postgres, DB + "_stop", LEADER_ROW));
        }
    }

    private static void await(String what, BooleanSupplier condition) throws InterruptedException {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(15);
        while (!condition.getAsBoolean()) {
            if (System.nanoTime() > deadline) {
                throw new AssertionError("timed out waiting for " + what);
            }
            Thread.sleep(20);
        }
    }
}
