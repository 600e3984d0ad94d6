package dev.tandem.deploy.lifecycle;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.tandem.deploy.lifecycle.switchover.GateResult;
import dev.tandem.deploy.lifecycle.switchover.SwitchOutcome;
import dev.tandem.deploy.lifecycle.switchover.SwitchReport;
import dev.tandem.sync.route.Ordering;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * The cutover's plan lists what `tandem check` warns about: a legacy table left out of the mapping (its writes stay
 * on legacy) and a legacy index without a counterpart, with the CREATE INDEX; it passes by default and refuses with
 * --require-ready until they are dealt with.
 */
class ReadinessGateIT {

    @Test
    void theCutoverPlanListsUnmappedTablesAndMissingIndexesAndRefusesThemOnRequest() throws Exception {
        try (CutoverFixture f = new CutoverFixture("readygate", "(n.balance_cents / 100.0)::numeric(12,2)",
                Ordering.TRANSACTIONAL, List.of("CREATE TABLE legacy.audit (id bigint PRIMARY KEY, note text)",
                        "CREATE INDEX account_owner ON legacy.account (owner)"), List.of(), "")) {
            f.startSync();
            SwitchReport plan = f.switchover(CutoverIT.LOOSE).cutover(true);
            assertEquals(SwitchOutcome.PLANNED, plan.outcome(), plan.message() + " " + plan.gates());
            GateResult listed = gate(plan);
            assertTrue(listed.passed() && listed.detail().contains("2 warnings")
                    && listed.detail().contains("unmapped table legacy.audit")
                    && listed.detail().contains("CREATE INDEX ON \"app\".\"account\" (\"owner_name\")"), listed.detail());

            SwitchReport refused = f.switchover(CutoverIT.LOOSE.withRequireReady(true)).cutover(false);
            assertEquals(SwitchOutcome.REFUSED, refused.outcome(), refused.message());
            assertTrue(!gate(refused).passed() && gate(refused).detail().contains("--require-ready"), gate(refused).detail());
            assertEquals(MigrationPhase.SYNCING, f.store.phase(), "nothing switched");

            CutoverIT.exec(f.newDb, "CREATE INDEX ON app.account (owner_name)");
            CutoverIT.exec(f.legacy, "DROP TABLE legacy.audit");
            SwitchReport switched = f.switchover(CutoverIT.LOOSE.withRequireReady(true)).cutover(false);
            assertEquals(SwitchOutcome.SWITCHED, switched.outcome(), switched.message() + " " + switched.gates());
            assertTrue(gate(switched).passed() && gate(switched).detail().startsWith("every table"), gate(switched).detail());
        }
    }

    private static GateResult gate(SwitchReport report) {
        return report.gates().stream().filter(g -> g.gate().equals("readiness")).findFirst().orElseThrow();
    }
}
