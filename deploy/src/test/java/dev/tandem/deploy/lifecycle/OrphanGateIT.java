package dev.tandem.deploy.lifecycle;

import static dev.tandem.deploy.lifecycle.CutoverIT.awaitTrue;
import static dev.tandem.deploy.lifecycle.CutoverIT.exec;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.tandem.deploy.lifecycle.switchover.GateResult;
import dev.tandem.deploy.lifecycle.switchover.SwitchOutcome;
import dev.tandem.deploy.lifecycle.switchover.SwitchReport;
import org.junit.jupiter.api.Test;

/**
 * tandem's writers do not check foreign keys, so the switch does: a row on the side about to open whose referenced
 * row is missing refuses the cutover, naming the key and the row; once it is fixed the cutover goes through.
 */
class OrphanGateIT {

    @Test
    void anOrphanedRowOnTheOpeningSideRefusesTheCutover() throws Exception {
        try (CutoverFixture f = new CutoverFixture("orphangate", "(n.balance_cents / 100.0)::numeric(12,2)")) {
            exec(f.newDb, "CREATE TABLE app.known (id bigint PRIMARY KEY)",
                    "INSERT INTO app.known SELECT generate_series(1, 500)",
                    "ALTER TABLE app.account ADD CONSTRAINT account_known FOREIGN KEY (id) REFERENCES app.known");
            f.startSync();
            exec(f.legacy, "INSERT INTO legacy.account VALUES (600, 'unknown to app.known', 1.00)");
            awaitTrue(() -> f.ids(f.newDb, "app.account").contains(600L), "the sync to write the row (as a replica)");

            SwitchReport refused = f.switchover(CutoverIT.LOOSE).cutover(false);
            assertEquals(SwitchOutcome.REFUSED, refused.outcome(), refused.message());
            GateResult gate = refused.gates().stream().filter(g -> g.gate().equals("foreign keys")).findFirst().orElseThrow();
            assertTrue(!gate.passed() && gate.detail().contains("account_known") && gate.detail().contains("600"),
                    gate.detail());
            assertEquals(MigrationPhase.SYNCING, f.store.phase(), "nothing switched");

            exec(f.newDb, "INSERT INTO app.known VALUES (600)");
            SwitchReport switched = f.switchover(CutoverIT.LOOSE).cutover(false);
            assertEquals(SwitchOutcome.SWITCHED, switched.outcome(), switched.message() + " " + switched.gates());
        }
    }
}
