package dev.tandem.deploy.lifecycle;

import static dev.tandem.deploy.lifecycle.CutoverFixture.query;
import static dev.tandem.deploy.lifecycle.CutoverIT.awaitTrue;
import static dev.tandem.deploy.lifecycle.CutoverIT.exec;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.tandem.capture.PgDatabase;
import dev.tandem.deploy.lifecycle.switchover.SwitchOutcome;
import dev.tandem.deploy.lifecycle.switchover.SwitchReport;
import dev.tandem.deploy.lifecycle.switchover.SwitchSettings;
import java.time.Duration;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/**
 * While the new side is live, the forward slot on legacy would hold every row the reverse sync writes there, for as
 * long as the migration stays cut over. Kept current, it holds none of them, and a rollback still starts the forward
 * sync (from the slot's position, past Debezium's stored offset) with nothing lost.
 */
class IdleSlotIT {

    @Test
    void theIdleForwardSlotFollowsLegacyAndARollbackStillSyncsEverything() throws Exception {
        try (CutoverFixture f = new CutoverFixture("idleslot", "(n.balance_cents / 100.0)::numeric(12,2)")) {
            f.startSync();
            f.follower.keepingIdleSlotCurrent(new IdleSlotKeeper(f.switchover(SwitchSettings.DEFAULTS).sides(),
                    Duration.ofMillis(500)));
            awaitTrue(() -> f.legacyDigest().equals(f.newDigest()), "the backfill and forward sync to converge");
            String slotBefore = restartLsn(f.legacy, "tandem_idleslot");

            SwitchReport cutover = f.switchover(CutoverIT.LOOSE).cutover(false);
            assertEquals(SwitchOutcome.SWITCHED, cutover.outcome(), cutover.message());
            String cutAt = query(f.legacy, "SELECT pg_current_wal_lsn()::text"); // past the forward capture's stored offset
            awaitTrue(() -> f.follower.direction() == MigrationPhase.SyncDirection.REVERSE, "the reverse sync to start");
            for (int batch = 0; batch < 10; batch++) {
                exec(f.newDb, "INSERT INTO app.account SELECT g, 'new side ' || g, g FROM generate_series("
                        + (10_000 + batch * 300) + ", " + (10_299 + batch * 300) + ") g",
                        "UPDATE app.account SET balance_cents = balance_cents + 1 WHERE id <= 500");
            }
            awaitTrue(() -> f.legacyDigest().equals(f.newDigest()), "the reverse sync to write everything into legacy");
            String written = query(f.legacy, "SELECT pg_current_wal_lsn()::text");

            // The reverse sync's rows on legacy are WAL the forward slot need not keep: it moves past them.
            awaitTrue(() -> lsnAtLeast(f.legacy, confirmedLsn(f.legacy, "tandem_idleslot"), written),
                    "the idle forward slot to confirm past the reverse sync's writes (" + written + ")");
            // Its restart position follows at the next running-transactions record (every 15 s, or at a checkpoint):
            // once past the forward capture's stored offset, Debezium's start-up check would refuse that offset unless
            // told to start from the slot (found on PostgreSQL 15 after a longer cutover than this test's).
            awaitTrue(() -> {
                exec(f.legacy, "CHECKPOINT");
                return lsnAtLeast(f.legacy, restartLsn(f.legacy, "tandem_idleslot"), cutAt);
            }, "the idle forward slot to release the WAL it held at the cutover (restart " + slotBefore + ", cut over at "
                    + cutAt + ")");

            // A keeper that has read the phase holds it: the rollback waits to change it until the slot has moved, so
            // the slot never moves past an application write on the side the rollback opens.
            CountDownLatch held = new CountDownLatch(1);
            CountDownLatch release = new CountDownLatch(1);
            IdleSlotKeeper racing = new IdleSlotKeeper(f.switchover(SwitchSettings.DEFAULTS).sides(), Duration.ZERO)
                    .whilePhaseHeld(() -> {
                        held.countDown();
                        awaitLatch(release);
                    });
            ExecutorService threads = Executors.newFixedThreadPool(2);
            try {
                Future<String> keeping = threads.submit(racing::advance);
                assertTrue(held.await(30, TimeUnit.SECONDS), "the keeper to read the phase");
                Future<SwitchReport> rollback = threads.submit(() -> f.switchover(CutoverIT.LOOSE).rollback(false));
                awaitTrue(() -> "1".equals(query(f.newDb, "SELECT count(*) FROM pg_stat_activity WHERE wait_event_type = "
                        + "'Lock' AND query LIKE 'UPDATE tandem.cutover SET phase%'")),
                        "the rollback to wait for the keeper's hold on the phase before changing it");
                assertFalse(rollback.isDone(), "the rollback waited");
                release.countDown();
                assertNotNull(keeping.get(30, TimeUnit.SECONDS), "the keeper moved the idle slot");
                SwitchReport rolledBack = rollback.get(60, TimeUnit.SECONDS);
                assertEquals(SwitchOutcome.SWITCHED, rolledBack.outcome(), rolledBack.message());
            } finally {
                release.countDown();
                threads.shutdownNow();
            }
            awaitTrue(() -> f.follower.direction() == MigrationPhase.SyncDirection.FORWARD, "the forward sync to start");
            exec(f.legacy, "INSERT INTO legacy.account SELECT g, 'after rollback', 2.50 FROM generate_series(50000, 50099) g",
                    "UPDATE legacy.account SET owner = 'moved on' WHERE id BETWEEN 10000 AND 10099",
                    "DELETE FROM legacy.account WHERE id BETWEEN 10100 AND 10149");
            awaitTrue(() -> f.legacyDigest().equals(f.newDigest()),
                    "legacy's writes after the rollback to reach the new side");
            assertEquals("100", query(f.newDb, "SELECT count(*) FROM app.account WHERE owner_name = 'after rollback'"));
            assertEquals("0", query(f.newDb, "SELECT count(*) FROM app.account WHERE id BETWEEN 10100 AND 10149"));
            assertNull(f.follower.failure(), "the forward sync runs");
        }
    }

    private static void awaitLatch(CountDownLatch latch) {
        try {
            latch.await(60, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    private static String confirmedLsn(PgDatabase db, String slot) throws Exception {
        return query(db, "SELECT confirmed_flush_lsn::text FROM pg_replication_slots WHERE slot_name = '" + slot + "'");
    }

    private static String restartLsn(PgDatabase db, String slot) throws Exception {
        return query(db, "SELECT restart_lsn::text FROM pg_replication_slots WHERE slot_name = '" + slot + "'");
    }

    private static boolean lsnAtLeast(PgDatabase db, String lsn, String than) throws Exception {
        return lsn != null && "t".equals(query(db, "SELECT '" + lsn + "'::pg_lsn >= '" + than + "'::pg_lsn"));
    }
}
