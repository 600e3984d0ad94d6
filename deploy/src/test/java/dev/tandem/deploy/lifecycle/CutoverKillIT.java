package dev.tandem.deploy.lifecycle;

import dev.tandem.deploy.lifecycle.switchover.SwitchSettings;
import dev.tandem.deploy.lifecycle.switchover.Switchover;
import static dev.tandem.deploy.lifecycle.CutoverIT.awaitTrue;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Set;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * The process running a cutover dies at each step of the write block (the failpoint halts it the way
 * kill -9 would) while an application keeps writing; recovery then reaches a safe state from durable
 * state alone, and no acknowledged write is lost.
 */
class CutoverKillIT {

    @ParameterizedTest
    @ValueSource(strings = {"before-fence", "drain", "verify", "opened", "switched"})
    void aCutoverKilledMidWayRecoversToASafeSide(String failpoint) throws Exception {
        String migration = "kill_" + failpoint.replace("-", "_");
        try (CutoverFixture f = new CutoverFixture(migration, "(n.balance_cents / 100.0)::numeric(12,2)")) {
            f.startSync();
            RouteFollowingClient client = new RouteFollowingClient(f.store, f.legacy, f.newDb, 1_000);
            f.lastClient = client;
            try (client) {
                Thread.sleep(1_000);
                Process child = f.startChild("cutover", failpoint);
                assertTrue(child.waitFor(120, TimeUnit.SECONDS), "the cutover process did not end");
                assertEquals(137, child.exitValue(), "the cutover process should die at failpoint " + failpoint);

                MigrationPhase died = f.store.phase();
                assertEquals(failpoint.equals("switched") ? MigrationPhase.CUT_OVER : MigrationPhase.CUTTING_OVER, died);
                Switchover.recoverIfOrphaned(f.switchover(SwitchSettings.DEFAULTS).sides(), "test");

                MigrationPhase recovered = f.store.phase();
                assertEquals(failpoint.equals("switched") ? MigrationPhase.CUT_OVER : MigrationPhase.SYNCING, recovered);
                boolean legacyLive = recovered == MigrationPhase.SYNCING;
                assertEquals(!legacyLive, f.refusesWrites(true), "legacy fence after recovery");
                assertEquals(legacyLive, f.refusesWrites(false), "new fence after recovery");
                long before = client.acknowledged.size();
                awaitTrue(() -> client.acknowledged.size() > before + 100 || !client.unexpected.isEmpty(),
                        "the client to write on the live side again");
                assertTrue(client.unexpected.isEmpty(), "only retriable refusals: " + client.unexpected);
            }
            awaitTrue(() -> f.legacyDigest().equals(f.newDigest()), "both sides to converge");
            Set<Long> inLegacy = f.ids(f.legacy, "legacy.account");
            assertEquals(inLegacy, f.ids(f.newDb, "app.account"));
            assertTrue(inLegacy.containsAll(client.acknowledged), "acknowledged writes missing");
            f.assertEachAcknowledgedWriteOnceOnBothSides(client);
            if (!failpoint.equals("switched")) {
                assertTrue(f.auditActions().contains("cutover aborted"), f.auditActions().toString());
            }
        }
    }
}
