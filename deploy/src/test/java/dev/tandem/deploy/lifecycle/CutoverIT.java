package dev.tandem.deploy.lifecycle;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.tandem.capture.PgDatabase;
import dev.tandem.deploy.lifecycle.end.MigrationEnd;
import dev.tandem.deploy.lifecycle.switchover.GateResult;
import dev.tandem.deploy.lifecycle.switchover.RouteHook;
import dev.tandem.deploy.lifecycle.switchover.SwitchOutcome;
import dev.tandem.deploy.lifecycle.switchover.SwitchReport;
import dev.tandem.deploy.lifecycle.switchover.SwitchSettings;
import dev.tandem.deploy.lifecycle.switchover.Switchover;
import dev.tandem.sync.route.Ordering;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.util.List;
import java.util.Set;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * Cutover and rollback on the real stack while an application keeps writing through the route: every
 * acknowledged write ends up on both sides, refused writes fail with a retriable error, and a write block
 * past its budget aborts with legacy writes restored.
 */
class CutoverIT {

    static final SwitchSettings LOOSE = SwitchSettings.DEFAULTS.withBudget(Duration.ofSeconds(30));



    /**
     * Under both forward orderings: per-key drains through a fence in every partition and re-verifies from the lowest
     * partition's place in the ordered change log.
     */
    @ParameterizedTest
    @ValueSource(strings = {"transactional", "per-key"})
    void cutoverAndRollbackUnderLoadLoseNoWrite(String ordering) throws Exception {
        Ordering forward = Ordering.parse(ordering, 4, 2);
        try (CutoverFixture f = new CutoverFixture(forward.perKey() ? "co_pk" : "co", "(n.balance_cents / 100.0)::numeric(12,2)",
                forward)) {
            f.startSync();
            RouteFollowingClient client = new RouteFollowingClient(f.store, f.legacy, f.newDb, 1_000);
            f.lastClient = client;
            try (client) {
                Thread.sleep(1_500);
                // A budget this loose keeps a loaded machine from aborting: write-block times are the bench's business.
                java.nio.file.Path flips = java.nio.file.Files.createTempFile("route-flips", ".txt");
                RouteHook hook = RouteHook.shell("echo \"$TANDEM_OPERATION $TANDEM_ROUTE\" >> " + flips);
                SwitchReport cutover = f.switchover(LOOSE).withHook(hook).cutover(false);
                assertTrue(cutover.switched(), cutover.message() + " " + cutover.gates());
                assertEquals("new", f.store.phase().route());
                assertEquals(List.of("fence", "drain", "verify", "switch"), List.copyOf(cutover.phaseMillis().keySet()));
                assertEquals(cutover.blockMillis(), f.store.lastBlocks().get("cutover").get("total"),
                        "the write block is recorded for the service's metrics");

                awaitWritesToNew(client, 200);
                SwitchReport rollback = f.switchover(LOOSE).withHook(hook).rollback(false);
                assertEquals(List.of("cutover new", "rollback legacy"), java.nio.file.Files.readAllLines(flips),
                        "the hook runs after each flip with the new route");
                assertTrue(rollback.switched(), rollback.message());
                assertEquals("legacy", f.store.phase().route());
                long afterRollback = client.acknowledged.size();
                awaitTrue(() -> client.acknowledged.size() > afterRollback + 200, "the client writes to legacy again");
                assertTrue(client.unexpected.isEmpty(), "only retriable refusals: " + client.unexpected);
            }
            // Everything acknowledged on either side, before, between and after the switches, is on both sides.
            awaitTrue(() -> f.legacyDigest().equals(f.newDigest()), "both sides to converge");
            Set<Long> inLegacy = f.ids(f.legacy, "legacy.account");
            Set<Long> inNew = f.ids(f.newDb, "app.account");
            assertEquals(inLegacy, inNew);
            assertTrue(inLegacy.containsAll(f.lastClient.acknowledged), "acknowledged writes missing from legacy");
            List<String> actions = f.auditActions();
            assertTrue(actions.containsAll(List.of("cutover started", "cutover done", "rollback started", "rollback done")),
                    actions.toString());
        }
    }

    @Test
    void completeAfterCutoverAndCancelBeforeOneDropWhatTandemCreated() throws Exception {
        try (CutoverFixture f = new CutoverFixture("coend", "(n.balance_cents / 100.0)::numeric(12,2)")) {
            f.startSync();
            Switchover switchover = f.switchover(LOOSE);
            assertTrue(switchover.cutover(false).switched());
            String done = new MigrationEnd(switchover.sides(), "test").complete();
            assertTrue(done.contains("completed"), done);
            assertEquals(MigrationPhase.COMPLETED, f.store.phase());
            assertEquals("0", CutoverFixture.query(f.legacy, "SELECT count(*) FROM pg_replication_slots WHERE slot_name LIKE 'tandem_coend%'"));
            assertEquals("0", CutoverFixture.query(f.legacy, "SELECT count(*) FROM pg_publication WHERE pubname LIKE 'tandem_coend%'"));
            assertEquals("0", CutoverFixture.query(f.newDb, "SELECT count(*) FROM pg_publication WHERE pubname LIKE 'tandem_coend%'"));
            exec(f.newDb, "INSERT INTO app.account VALUES (7001, 'after complete', 100)"); // no fence left on the new side
        }
        try (CutoverFixture f = new CutoverFixture("cocancel", "(n.balance_cents / 100.0)::numeric(12,2)")) {
            f.startSync();
            String done = new MigrationEnd(f.switchover(SwitchSettings.DEFAULTS).sides(), "test").cancel();
            assertTrue(done.contains("cancelled"), done);
            assertEquals("0", CutoverFixture.query(f.legacy, "SELECT count(*) FROM pg_replication_slots WHERE slot_name LIKE 'tandem_cocancel%'"));
            exec(f.legacy, "INSERT INTO legacy.account VALUES (7001, 'after cancel', 1.00)");
            IllegalStateException again = org.junit.jupiter.api.Assertions.assertThrows(IllegalStateException.class,
                    () -> f.switchover(SwitchSettings.DEFAULTS).cutover(false));
            assertTrue(again.getMessage().contains("cancelled"), again.getMessage());
        }
    }

    @Test
    void theCommandsVerifyCutOverRollBackAndCancelThroughTheConfig() throws Exception {
        try (CutoverFixture f = new CutoverFixture("cocli", "(n.balance_cents / 100.0)::numeric(12,2)")) {
            f.startSync();
            java.nio.file.Path config = java.nio.file.Files.createTempFile("cocli", ".yaml");
            java.nio.file.Files.writeString(config, """
                    migration: cocli
                    source:
                      url: jdbc:postgresql://127.0.0.1:%d/cocli_legacy?user=postgres
                    target:
                      url: jdbc:postgresql://127.0.0.1:%d/cocli_new?user=postgres
                    kafka:
                      bootstrap: %s
                    mapping: %s
                    """.formatted(f.stack.postgres().port(), f.stack.postgres().port(), f.stack.kafka().bootstrapServers(),
                    f.mappingFile));
            assertEquals(1, tandem("cutover", "--config", config.toString(), "--dry-run"),
                    "no verification pass yet: the verification gate fails");
            assertEquals(0, tandem("verify", "--config", config.toString()));
            assertEquals(0, tandem("cutover", "--config", config.toString(), "--dry-run"));
            assertEquals(MigrationPhase.SYNCING, f.store.phase(), "a dry run blocks nothing and switches nothing");
            assertEquals(2, tandem("cutover", "--config", config.toString(), "--sequence-margin", "-1"),
                    "a negative sequence margin is refused before anything runs");
            assertEquals(MigrationPhase.SYNCING, f.store.phase());
            assertEquals(0, tandem("cutover", "--config", config.toString(), "--budget", "30s", "--sequence-margin", "0"));
            assertEquals(MigrationPhase.CUT_OVER, f.store.phase());
            assertEquals(1, tandem("cancel", "--config", config.toString()), "cancel only before a cutover");
            awaitTrue(() -> f.follower.direction() == MigrationPhase.SyncDirection.REVERSE, "the reverse sync to start");
            assertEquals(0, tandem("rollback", "--config", config.toString(), "--budget", "30s"));
            assertEquals(MigrationPhase.SYNCING, f.store.phase());
            awaitTrue(() -> f.follower.direction() == MigrationPhase.SyncDirection.FORWARD, "the forward sync to resume");
            assertEquals(0, tandem("cancel", "--config", config.toString()));
            assertEquals(MigrationPhase.CANCELLED, f.store.phase());
        }
    }

    @Test
    void aWriteBlockPastItsBudgetAbortsAndReopensLegacy() throws Exception {
        try (CutoverFixture f = new CutoverFixture("coabort", "(n.balance_cents / 100.0)::numeric(12,2)")) {
            f.startSync();
            SwitchReport report = f.switchover(SwitchSettings.DEFAULTS.withBudget(Duration.ofMillis(1))).cutover(false);
            assertEquals(SwitchOutcome.ABORTED, report.outcome(), report.message());
            assertEquals(MigrationPhase.SYNCING, f.store.phase());
            exec(f.legacy, "INSERT INTO legacy.account VALUES (9001, 'after abort', 1.00)"); // legacy takes writes again
            SQLException blocked = null;
            try {
                exec(f.newDb, "INSERT INTO app.account VALUES (9002, 'too early', 100)");
            } catch (SQLException e) {
                blocked = e;
            }
            assertTrue(blocked != null && "40001".equals(blocked.getSQLState()), "the new side stays closed: " + blocked);
            assertTrue(f.auditActions().contains("cutover aborted"), f.auditActions().toString());
        }
    }

    @Test
    void aLossyReverseMappingIsRefusedNamingTheColumn() throws Exception {
        try (CutoverFixture f = new CutoverFixture("colossy", "(n.balance_cents / 100)::numeric(12,2)")) { // integer division drops cents
            f.startSync();
            exec(f.legacy, "UPDATE legacy.account SET balance = balance + 0.37");
            SwitchReport report = f.switchover(SwitchSettings.DEFAULTS).cutover(false);
            assertEquals(SwitchOutcome.REFUSED, report.outcome(), report.message());
            GateResult roundTrip = report.gates().stream().filter(g -> g.gate().equals("reverse round trip")).findFirst()
                    .orElseThrow();
            assertFalse(roundTrip.passed());
            assertTrue(roundTrip.detail().contains("legacy.account.balance"), roundTrip.detail());
            assertEquals(MigrationPhase.SYNCING, f.store.phase());
            // a refused first cutover leaves nothing installed: no return slot or publication, no write-block triggers
            assertFalse(new dev.tandem.capture.replication.ReplicationSetup(f.switchover(SwitchSettings.DEFAULTS).sides()
                    .reverseCapture()).slotExists(), "the return slot of a refused first cutover is dropped");
            assertEquals("0", CutoverFixture.query(f.newDb, "SELECT count(*) FROM pg_publication WHERE pubname = 'tandem_colossy_reverse'"));
            for (PgDatabase db : List.of(f.legacy, f.newDb)) {
                assertEquals("0", CutoverFixture.query(db, "SELECT count(*) FROM pg_trigger WHERE tgname = 'tandem_write_fence_colossy'"));
            }
            assertTrue(report.message().contains("removed the return slot and publication and the write-block triggers"),
                    report.message());
        }
    }

    @Test
    void ofTwoConcurrentCutoversExactlyOneProceeds() throws Exception {
        try (CutoverFixture f = new CutoverFixture("coboth", "(n.balance_cents / 100.0)::numeric(12,2)")) {
            f.startSync();
            var pool = Executors.newFixedThreadPool(2);
            try {
                var first = pool.submit(() -> f.switchover(LOOSE).cutover(false));
                var second = pool.submit(() -> f.switchover(LOOSE).cutover(false));
                int switched = 0;
                int refused = 0;
                for (var outcome : List.of(first, second)) {
                    try {
                        switched += outcome.get().switched() ? 1 : 0;
                    } catch (java.util.concurrent.ExecutionException e) {
                        assertTrue(e.getCause() instanceof IllegalStateException, String.valueOf(e.getCause()));
                        String message = e.getCause().getMessage();
                        assertTrue(message.contains("in progress") || message.contains("starts only from"), message);
                        refused++;
                    }
                }
                assertEquals(1, switched);
                assertEquals(1, refused);
            } finally {
                pool.shutdownNow();
            }
        }
    }

    /** Runs one {@code tandem} command in-process, on a fresh command line. */
    private static int tandem(String... args) {
        return dev.tandem.deploy.TandemCli.commandLine().execute(args);
    }

    private static void awaitWritesToNew(RouteFollowingClient client, long writes) throws Exception {
        awaitTrue(() -> client.writtenToNew.get() >= writes || !client.unexpected.isEmpty(), writes + " writes on the new side ("
                + client.writtenToNew.get() + " so far, " + client.refused.get() + " refused)");
        assertTrue(client.unexpected.isEmpty(), "the client failed: " + client.unexpected);
    }

    interface Check {
        boolean ok() throws Exception;
    }

    static void awaitTrue(Check check, String what) throws Exception {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
        while (!check.ok()) {
            if (System.nanoTime() > deadline) {
                throw new AssertionError("timed out waiting for " + what);
            }
            Thread.sleep(50);
        }
    }

    static void exec(PgDatabase db, String... sql) throws SQLException {
        try (Connection c = db.connect("test"); Statement st = c.createStatement()) {
            for (String s : sql) {
                st.execute(s);
            }
        }
    }
}
