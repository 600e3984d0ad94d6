package dev.tandem.deploy.cutover;

import static dev.tandem.deploy.cutover.CutoverIT.awaitTrue;
import static dev.tandem.deploy.cutover.CutoverIT.exec;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.File;
import java.sql.SQLException;
import java.util.List;
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
            RouteFollowingClient client = new RouteFollowingClient(f.store, f.legacy, f.fresh, 1_000);
            f.lastClient = client;
            try (client) {
                Thread.sleep(1_000);
                Process child = startChild(f, failpoint);
                assertTrue(child.waitFor(120, TimeUnit.SECONDS), "the cutover process did not end");
                assertEquals(137, child.exitValue(), "the cutover process should die at failpoint " + failpoint);

                Phase died = f.store.phase();
                assertEquals(failpoint.equals("switched") ? Phase.CUT_OVER : Phase.CUTTING_OVER, died);
                Switchover.recoverInterrupted(f.switchover(SwitchSettings.DEFAULTS).sides(), "test");

                Phase recovered = f.store.phase();
                assertEquals(failpoint.equals("switched") ? Phase.CUT_OVER : Phase.SYNCING, recovered);
                boolean legacyLive = recovered == Phase.SYNCING;
                assertEquals(!legacyLive, refusesWrites(f, true), "legacy fence after recovery");
                assertEquals(legacyLive, refusesWrites(f, false), "new fence after recovery");
                long before = client.acknowledged.size();
                awaitTrue(() -> client.acknowledged.size() > before + 100 || !client.unexpected.isEmpty(),
                        "the client to write on the live side again");
                assertTrue(client.unexpected.isEmpty(), "only retriable refusals: " + client.unexpected);
            }
            awaitTrue(() -> f.legacyDigest().equals(f.newDigest()), "both sides to converge");
            Set<Long> inLegacy = f.ids(f.legacy, "legacy.account");
            assertEquals(inLegacy, f.ids(f.fresh, "app.account"));
            assertTrue(inLegacy.containsAll(client.acknowledged), "acknowledged writes missing");
            if (!failpoint.equals("switched")) {
                assertTrue(f.auditActions().contains("cutover aborted"), f.auditActions().toString());
            }
        }
    }

    /** Tries an application write on one side (rolled back) and reports whether the fence refused it. */
    private static boolean refusesWrites(CutoverFixture f, boolean legacy) throws SQLException {
        try {
            exec(legacy ? f.legacy : f.fresh, "BEGIN", legacy ? "UPDATE legacy.account SET owner = owner WHERE id = 1"
                    : "UPDATE app.account SET owner_name = owner_name WHERE id = 1", "ROLLBACK");
            return false;
        } catch (SQLException e) {
            if ("40001".equals(e.getSQLState())) {
                return true;
            }
            throw e;
        }
    }

    private static Process startChild(CutoverFixture f, String failpoint) throws Exception {
        String java = ProcessHandle.current().info().command().orElse("java");
        File log = File.createTempFile("cutover-child-" + failpoint, ".log");
        return new ProcessBuilder(List.of(java, "-Xmx256m", "-Dtandem.failpoint=" + failpoint, "-cp",
                System.getProperty("java.class.path"), CutoverChild.class.getName(), f.migration,
                Integer.toString(f.stack.postgres().port()), f.stack.kafka().bootstrapServers(), f.mappingFile.toString(), "30000"))
                .redirectErrorStream(true).redirectOutput(log).start();
    }
}
