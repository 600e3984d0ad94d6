package dev.tandem.deploy.lifecycle;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/**
 * DESIGN invariant 8: the process running a cutover dies in its write block while the sync's supervisor keeps running;
 * the supervisor, not the next command, returns the migration to legacy and reopens its writes. Prints the time from
 * the death to the first application write legacy accepts again (docs/reliability.md quotes it).
 */
class OrphanedSwitchIT {

    private static final List<String> FAILPOINTS = List.of("drain", "verify", "drain", "before-fence", "verify");

    @Test
    void theRunningSupervisorUndoesASwitchWhoseProcessDiedInTheWriteBlock() throws Exception {
        try (CutoverFixture f = new CutoverFixture("orphaned", "(n.balance_cents / 100.0)::numeric(12,2)")) {
            f.startSync(true);
            List<Long> millis = new ArrayList<>();
            for (String failpoint : FAILPOINTS) {
                Process child = f.startChild("cutover", failpoint);
                assertTrue(child.waitFor(120, TimeUnit.SECONDS), "the cutover process did not end");
                long died = System.nanoTime();
                assertEquals(137, child.exitValue(), "the cutover process should die at failpoint " + failpoint);
                long deadline = died + TimeUnit.SECONDS.toNanos(30);
                // died before its block was set (before-fence), legacy never refused: wait for the phase to come back too
                while (f.refusesWrites(true) || f.store.phase() != MigrationPhase.SYNCING) {
                    assertTrue(System.nanoTime() < deadline, "legacy still refuses writes 30 s after the switch died");
                    Thread.sleep(10);
                }
                millis.add(TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - died));
                assertEquals(MigrationPhase.SYNCING, f.store.phase(), "back on legacy after " + failpoint);
                assertTrue(f.refusesWrites(false), "the new side stays closed after " + failpoint);
            }
            List<PhaseStore.AuditEntry> aborts = f.store.recent(100).stream()
                    .filter(e -> e.action().equals("cutover aborted")).toList();
            assertEquals(FAILPOINTS.size(), aborts.size(), "each recovery is in the audit log");
            assertTrue(aborts.stream().allMatch(e -> e.actor().equals("tandem run") && e.detail().contains("recovered")),
                    aborts.toString());
            List<Long> sorted = millis.stream().sorted().toList();
            System.out.println("orphaned switch: writes accepted again after " + millis + " ms (median "
                    + sorted.get(sorted.size() / 2) + " ms)");
            CutoverIT.awaitTrue(() -> f.legacyDigest().equals(f.newDigest()), "both sides to agree after the recoveries");
        }
    }
}
