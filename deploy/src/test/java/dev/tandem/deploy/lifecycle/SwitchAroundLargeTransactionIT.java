package dev.tandem.deploy.lifecycle;

import static dev.tandem.deploy.lifecycle.CutoverFixture.query;
import static dev.tandem.deploy.lifecycle.CutoverIT.awaitTrue;
import static dev.tandem.deploy.lifecycle.CutoverIT.exec;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.tandem.capture.PgDatabase;
import dev.tandem.deploy.lifecycle.switchover.GateResult;
import dev.tandem.deploy.lifecycle.switchover.SwitchOutcome;
import dev.tandem.deploy.lifecycle.switchover.SwitchReport;
import dev.tandem.deploy.lifecycle.switchover.SwitchSettings;
import dev.tandem.reconcile.PassReport;
import dev.tandem.reconcile.ReconcileSettings;
import dev.tandem.reconcile.Reconciler;
import dev.tandem.sync.fence.SourceFence;
import java.sql.Connection;
import java.sql.Statement;
import java.time.Duration;
import org.junit.jupiter.api.Test;

/**
 * A switch and a verification requested around large transactions say what they wait for: a transaction that has been
 * writing legacy longer than the write block refuses the cutover before anything is installed (naming its pid); one
 * large source transaction the applier is still writing in parts fails the lag gate naming it; a verification pass
 * started meanwhile waits for it and finds no drift. Installed triggers are not reinstalled under an application's
 * open transaction.
 */
class SwitchAroundLargeTransactionIT {

    private static final int ROWS = 400_000;

    @Test
    void aSwitchNamesTheTransactionItWouldWaitForAndVerificationWaitsForIt() throws Exception {
        try (CutoverFixture f = new CutoverFixture("bigtxswitch", "(n.balance_cents / 100.0)::numeric(12,2)")) {
            f.startSync();
            awaitTrue(() -> f.legacyDigest().equals(f.newDigest()), "the backfill and forward sync to converge");

            try (Connection batch = f.legacy.connect("batch-job"); Statement st = batch.createStatement()) {
                batch.setAutoCommit(false);
                st.execute("UPDATE legacy.account SET owner = owner || ' (batch)' WHERE id <= 10");
                String pid = query(f.legacy, "SELECT pid FROM pg_stat_activity WHERE application_name = 'batch-job'");
                Thread.sleep(SwitchSettings.DEFAULT_BUDGET.toMillis() + 300);
                SwitchReport refused = f.switchover(SwitchSettings.DEFAULTS).cutover(false);
                assertEquals(SwitchOutcome.REFUSED, refused.outcome(), refused.message());
                GateResult writers = gate(refused, "open writers");
                assertFalse(writers.passed());
                assertTrue(writers.detail().contains("pid " + pid), writers.detail());
                assertEquals("0", query(f.legacy, "SELECT count(*) FROM pg_trigger WHERE tgname LIKE 'tandem_write_fence_%'"),
                        "nothing was installed on legacy: installing triggers would have queued the application behind it");
                batch.commit();
            }

            // A plan installs the triggers and the return slot (whose creation waits for every open transaction on
            // the new side, so it goes first); with them in place, a young application transaction writing legacy
            // does not stop the next plan: an installed trigger is not reinstalled (DDL would wait for it).
            SwitchReport first = f.switchover(SwitchSettings.DEFAULTS).cutover(true);
            assertEquals(SwitchOutcome.PLANNED, first.outcome(), first.message() + " " + first.gates());
            try (Connection young = f.legacy.connect("young-writer"); Statement st = young.createStatement()) {
                young.setAutoCommit(false);
                st.execute("UPDATE legacy.account SET owner = owner WHERE id = 20");
                SwitchReport again = f.switchover(SwitchSettings.DEFAULTS).cutover(true);
                assertEquals(SwitchOutcome.PLANNED, again.outcome(), again.message() + " " + again.gates());
                young.rollback();
            }

            exec(f.legacy, "INSERT INTO legacy.account SELECT g, 'bulk ' || g, 1.00 FROM generate_series(100001, "
                    + (100_000 + ROWS) + ") g");
            awaitTrue(() -> applierHoldsATransactionOpen(f.newDb, "bigtxswitch"),
                    "the applier to write the large transaction in parts");
            SwitchReport plan = f.switchover(new SwitchSettings(SwitchSettings.DEFAULT_BUDGET, Duration.ofMillis(300),
                    SwitchSettings.DEFAULT_MAX_VERIFICATION_AGE, SwitchSettings.DEFAULT_ROUND_TRIP_SAMPLE)).cutover(true);
            GateResult lag = gate(plan, "sync lag");
            assertFalse(lag.passed(), lag.detail());
            assertTrue(lag.detail().contains("large source transaction"), lag.detail());

            // A pass fences first, so it compares only once the applier has committed the whole transaction.
            Reconciler reconciler = new Reconciler("bigtxswitch", f.legacy, f.newDb,
                    f.switchover(SwitchSettings.DEFAULTS).sides().forward(), ReconcileSettings.DEFAULTS,
                    new SourceFence("bigtxswitch", f.legacy, f.newDb));
            PassReport pass = reconciler.verifyPass();
            assertEquals(0, pass.driftedRows(), "rows the transaction had not reached were not reported as drift");
            assertEquals(String.valueOf(500 + ROWS), query(f.newDb, "SELECT count(*) FROM app.account"));
            assertEquals(f.legacyDigest(), f.newDigest());
        }
    }

    private static GateResult gate(SwitchReport report, String name) {
        return report.gates().stream().filter(g -> g.gate().equals(name)).findFirst()
                .orElseThrow(() -> new AssertionError("no gate " + name + " in " + report.gates()));
    }

    private static boolean applierHoldsATransactionOpen(PgDatabase newDb, String migration) throws Exception {
        return !"0".equals(query(newDb, "SELECT count(*) FROM pg_stat_activity WHERE application_name = 'tandem-applier-"
                + migration + "' AND backend_xid IS NOT NULL AND xact_start < now() - interval '1 second'"));
    }
}
