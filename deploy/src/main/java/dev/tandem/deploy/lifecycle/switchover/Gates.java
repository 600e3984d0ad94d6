package dev.tandem.deploy.lifecycle.switchover;

import dev.tandem.capture.CaptureConfig;
import dev.tandem.capture.PgDatabase;
import dev.tandem.capture.replication.ReplicationSetup;
import dev.tandem.deploy.lifecycle.Sides;
import dev.tandem.deploy.lifecycle.readiness.CheckResult;
import dev.tandem.deploy.lifecycle.readiness.Readiness;
import dev.tandem.reconcile.ForeignKeyOrphans;
import dev.tandem.sync.fence.FenceDelay;
import dev.tandem.sync.fence.SourceFence;
import dev.tandem.sync.mapping.CompiledTable;
import java.sql.Connection;
import java.sql.SQLException;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.stream.Collectors;

/**
 * The checks a switch must pass before it may block writes, each with its numbers: no long transaction writing the
 * closing side (checked first, {@link #openWriters}), sync lag, a recent clean verification, the reverse round trip
 * on a sample of every table, readiness (listed, refused on request), and the other direction's slot.
 */
public final class Gates {

    /** When the newest verification pass that found both sides equal finished, if any. */
    @FunctionalInterface
    public interface LastCleanPass {
        Optional<Instant> get() throws SQLException;
    }

    private final Sides sides;
    private final SwitchSettings settings;
    private final LastCleanPass lastCleanPass;

    public Gates(Sides sides, SwitchSettings settings, LastCleanPass lastCleanPass) {
        this.sides = sides;
        this.settings = settings;
        this.lastCleanPass = lastCleanPass;
    }

    List<GateResult> evaluate(SwitchOperation operation, String syncMigration, PgDatabase from, PgDatabase to,
                              CaptureConfig otherSlot) throws SQLException, InterruptedException {
        List<GateResult> results = new ArrayList<>();
        results.add(lag(syncMigration, from, to));
        // after the drain to a fence: the side about to open holds everything the sync wrote to it so far
        results.add(integrity(to, operation == SwitchOperation.CUTOVER ? sides.newTables() : sides.legacyTables()));
        if (operation == SwitchOperation.CUTOVER) {
            results.add(verification());
            results.add(roundTrip());
            results.add(readiness());
        }
        results.add(slot(otherSlot));
        return results;
    }

    private GateResult lag(String syncMigration, PgDatabase from, PgDatabase to) throws SQLException, InterruptedException {
        long started = System.nanoTime();
        try {
            new SourceFence(syncMigration, from, to).await(settings.maxLag());
            long millis = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - started);
            return new GateResult("sync lag", true, "a fence was applied in " + millis + " ms (limit "
                    + settings.maxLag().toMillis() + " ms)");
        } catch (TimeoutException e) {
            String delay = FenceDelay.describe(syncMigration, from, to);
            return new GateResult("sync lag", false, "no fence applied within " + settings.maxLag().toMillis()
                    + " ms" + (delay.isEmpty() ? "" : " (" + delay + ")") + ": let " + syncMigration
                    + " catch up (`tandem status`)");
        }
    }

    /**
     * The write block waits out every transaction writing the closing side's tables when it is set: one that has
     * already been open longer than the whole budget (a long batch job, one huge UPDATE, a session idle in its
     * transaction) would make the switch block writes for its budget and abort. Refused before any write is blocked.
     */
    GateResult openWriters(SwitchOperation operation, PgDatabase closing) throws SQLException {
        List<String> tables = operation == SwitchOperation.CUTOVER ? sides.legacyTables() : sides.newTables();
        try (Connection c = closing.connect("tandem-gates")) {
            List<String> open = WriteBlock.longWriters(c, tables, settings.writeBlockBudget());
            return open.isEmpty()
                    ? new GateResult("open writers", true, "no transaction on " + closing + " has been writing the mapped "
                            + "tables for longer than the " + settings.writeBlockBudget().toMillis() + " ms write block")
                    : new GateResult("open writers", false, open.size() + " transaction" + (open.size() == 1 ? "" : "s")
                            + " on " + closing + " " + (open.size() == 1 ? "has" : "have") + " been writing the mapped "
                            + "tables for longer than the " + settings.writeBlockBudget().toMillis() + " ms write block "
                            + "would wait: " + String.join("; ", open) + "; let them commit (the sync then applies them) "
                            + "or end them, then try again");
        }
    }

    /**
     * What `tandem check` warns about before a cutover (legacy tables left out of the mapping, whose writes stay on
     * legacy; legacy indexes without a counterpart on the new table): listed in the plan, refused only when asked.
     */
    private GateResult readiness() throws SQLException {
        try (Connection legacy = sides.legacy().connect("tandem-gates"); Connection newDb = sides.newDb().connect("tandem-gates")) {
            List<CheckResult> warnings = Readiness.warnings(legacy, newDb, sides.forward());
            if (warnings.isEmpty()) {
                return new GateResult("readiness", true, "every table in the captured schemas is mapped and every "
                        + "comparable legacy index has a counterpart on the new table");
            }
            String listed = warnings.stream().map(w -> w.check() + " (" + w.fix() + ")").collect(Collectors.joining("; "));
            return new GateResult("readiness", !settings.requireReady(), warnings.size() + " warning"
                    + (warnings.size() == 1 ? "" : "s") + ": " + listed + (settings.requireReady()
                    ? "; fix them, or cut over without --require-ready to accept them"
                    : "; accepted (--require-ready would refuse)"));
        }
    }

    /**
     * tandem's writers do not check foreign keys (they write as replicas, in any order): before the side they wrote
     * opens, no mapped table there may hold a row whose referenced row is missing.
     */
    private GateResult integrity(PgDatabase opening, List<String> tables) throws SQLException {
        try (Connection c = opening.connect("tandem-gates")) {
            List<ForeignKeyOrphans.Orphans> orphans = ForeignKeyOrphans.find(c, tables, 3);
            return orphans.isEmpty()
                    ? new GateResult("foreign keys", true, "no orphaned rows in the " + tables.size() + " mapped tables of "
                            + opening)
                    : new GateResult("foreign keys", false, "orphaned rows on " + opening + ": "
                            + ForeignKeyOrphans.describe(orphans) + "; find why (`tandem verify`, `tandem diff`), repair, "
                            + "then try again");
        }
    }

    private GateResult verification() throws SQLException {
        Optional<Instant> last = lastCleanPass.get();
        if (last.isEmpty()) {
            return new GateResult("verification", false, "no clean verification pass yet: run `tandem verify`");
        }
        Duration age = Duration.between(last.get(), Instant.now());
        boolean recent = age.compareTo(settings.maxVerificationAge()) <= 0;
        return new GateResult("verification", recent, "last clean pass finished " + age.toSeconds() + " s ago (limit "
                + settings.maxVerificationAge().toSeconds() + " s)" + (recent ? "" : ": run `tandem verify`"));
    }

    private GateResult roundTrip() throws SQLException {
        List<String> losses = new ArrayList<>();
        long rows = 0;
        try (Connection newDb = sides.newDb().connect("tandem-round-trip");
             Connection legacy = sides.legacy().connect("tandem-round-trip")) {
            for (CompiledTable reverse : sides.reverse()) {
                // the new tables this legacy table comes back from: one, or the parts of a split (main table first)
                List<CompiledTable> forwards = reverse.sources().stream().map(newTable -> sides.forward().stream()
                        .filter(f -> f.target().equals(newTable)).findFirst().orElseThrow(() ->
                                new IllegalStateException(newTable + " reverses into " + reverse.target()
                                        + " but no forward table writes it"))).toList();
                RoundTrip.Result result = RoundTrip.check(legacy, newDb, forwards, reverse, settings.roundTripSample());
                rows += result.rowsCompared();
                result.losses().forEach(loss -> losses.add(loss.toString()));
            }
        }
        if (!losses.isEmpty()) {
            return new GateResult("reverse round trip", false, "the mapping loses information, so a rollback could not "
                    + "restore these columns: " + String.join("; ", losses) + "; fix their 'reverse:' expressions");
        }
        return new GateResult("reverse round trip", true, rows + " sampled rows of " + sides.forward().size()
                + " tables come back unchanged through forward and reverse");
    }

    private GateResult slot(CaptureConfig otherSlot) throws SQLException {
        ReplicationSetup setup = new ReplicationSetup(otherSlot);
        if (!setup.slotExists()) {
            return new GateResult("return slot", false, "slot " + otherSlot.slotName() + " is missing on "
                    + otherSlot.source() + ", so changes after the switch could not flow back");
        }
        String invalid = setup.invalidation();
        return invalid == null ? new GateResult("return slot", true, otherSlot.slotName() + " is ready on " + otherSlot.source())
                : new GateResult("return slot", false, invalid);
    }
}
