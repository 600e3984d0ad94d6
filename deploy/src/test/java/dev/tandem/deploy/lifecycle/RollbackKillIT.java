package dev.tandem.deploy.lifecycle;

import dev.tandem.deploy.lifecycle.switchover.SwitchReport;
import dev.tandem.deploy.lifecycle.switchover.SwitchSettings;
import dev.tandem.deploy.lifecycle.switchover.Switchover;
import static dev.tandem.deploy.lifecycle.CutoverIT.awaitTrue;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.tandem.capture.PgDatabase;
import java.util.Collections;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * After a cutover, with the reverse sync running and an application writing to the new side, the process
 * running the rollback dies at a step of its write block (the failpoint halts it the way kill -9 would);
 * recovery then returns the migration to a safe side from durable state alone, the sync follows it, a
 * rollback tried again succeeds, and every acknowledged write is on both sides exactly once.
 */
class RollbackKillIT {

    /** Every step of the write block (the same failpoints as the cutover's); each kill costs a child JVM and a cutover. */
    private static final List<String> ALL = List.of("before-fence", "drain", "verify", "opened", "switched");
    /**
     * The default run: the last step inside the block (legacy already reopened, the phase still rolling back) and the
     * one after the route flipped. {@code ./mvnw verify -Pfaults} (which sets {@code tandem.faults.kills}) runs all.
     */
    private static final List<String> DEFAULT = List.of("opened", "switched");

    static Stream<String> failpoints() {
        return (System.getProperty("tandem.faults.kills") == null ? DEFAULT : ALL).stream();
    }

    /** Waits until the sync copied the client's latest acknowledged write to {@code table}: that direction streams. */
    private static void awaitApplied(CutoverFixture f, PgDatabase side, String table, RouteFollowingClient client)
            throws Exception {
        awaitTrue(() -> !client.acknowledged.isEmpty() || !client.unexpected.isEmpty(), "a first acknowledged write");
        assertTrue(client.unexpected.isEmpty(), "the client failed: " + client.unexpected);
        long latest = Collections.max(client.acknowledged);
        awaitTrue(() -> f.ids(side, table).contains(latest), "write " + latest + " to reach " + table);
    }

    @ParameterizedTest
    @MethodSource("failpoints")
    void aRollbackKilledMidWayRecoversToASafeSide(String failpoint) throws Exception {
        boolean flipped = failpoint.equals("switched");
        String migration = "rbkill_" + failpoint.replace("-", "_");
        try (CutoverFixture f = new CutoverFixture(migration, "(n.balance_cents / 100.0)::numeric(12,2)")) {
            f.startSync();
            RouteFollowingClient client = new RouteFollowingClient(f.store, f.legacy, f.newDb, 1_000);
            f.lastClient = client;
            try (client) {
                awaitApplied(f, f.newDb, "app.account", client);
                SwitchReport cutover = f.switchover(CutoverIT.LOOSE).cutover(false);
                assertTrue(cutover.switched(), cutover.message() + " " + cutover.gates());
                awaitTrue(() -> f.follower.direction() == MigrationPhase.SyncDirection.REVERSE, "the reverse sync to start");
                awaitTrue(() -> client.writtenToNew.get() >= 50 || !client.unexpected.isEmpty(), "writes on the new side");
                awaitApplied(f, f.legacy, "legacy.account", client);

                Process child = f.startChild("rollback", failpoint);
                assertTrue(child.waitFor(120, TimeUnit.SECONDS), "the rollback process did not end");
                assertEquals(137, child.exitValue(), "the rollback process should die at failpoint " + failpoint);

                assertEquals(flipped ? MigrationPhase.SYNCING : MigrationPhase.ROLLING_BACK, f.store.phase(), "the phase it died in");
                Switchover.recoverIfOrphaned(f.switchover(SwitchSettings.DEFAULTS).sides(), "test");

                MigrationPhase recovered = f.store.phase();
                assertEquals(flipped ? MigrationPhase.SYNCING : MigrationPhase.CUT_OVER, recovered, "the phase after recovery");
                assertEquals(!flipped, f.refusesWrites(true), "legacy fence after recovery");
                assertEquals(flipped, f.refusesWrites(false), "new fence after recovery");
                MigrationPhase.SyncDirection sync = flipped ? MigrationPhase.SyncDirection.FORWARD
                        : MigrationPhase.SyncDirection.REVERSE;
                awaitTrue(() -> f.follower.direction() == sync, "the sync to run " + sync);
                long before = client.acknowledged.size();
                long beforeOnNew = client.writtenToNew.get();
                awaitTrue(() -> client.acknowledged.size() > before + 30 || !client.unexpected.isEmpty(),
                        "the client to write on the live side again");
                assertTrue(client.unexpected.isEmpty(), "only retriable refusals: " + client.unexpected);
                assertEquals(!flipped, client.writtenToNew.get() > beforeOnNew, "the client follows the recovered route");
                if (!flipped) {
                    // The interrupted rollback left nothing behind that stops the next one.
                    SwitchReport again = f.switchover(CutoverIT.LOOSE).rollback(false);
                    assertTrue(again.switched(), again.message() + " " + again.gates());
                    awaitTrue(() -> f.follower.direction() == MigrationPhase.SyncDirection.FORWARD, "the forward sync");
                    long afterRetry = client.acknowledged.size();
                    awaitTrue(() -> client.acknowledged.size() > afterRetry + 30 || !client.unexpected.isEmpty(),
                            "the client to write on legacy after the retried rollback");
                    assertTrue(client.unexpected.isEmpty(), "only retriable refusals: " + client.unexpected);
                }
            }
            awaitTrue(() -> f.legacyDigest().equals(f.newDigest()), "both sides to converge");
            assertEquals(f.ids(f.legacy, "legacy.account"), f.ids(f.newDb, "app.account"));
            f.assertEachAcknowledgedWriteOnceOnBothSides(client);
            List<String> actions = f.auditActions();
            assertTrue(actions.contains("rollback started"), actions.toString());
            assertTrue(actions.contains("rollback done"), actions.toString());
            assertEquals(!flipped, actions.contains("rollback aborted"), actions.toString());
        }
    }
}
