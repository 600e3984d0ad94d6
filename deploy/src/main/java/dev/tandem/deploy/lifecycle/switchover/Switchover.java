package dev.tandem.deploy.lifecycle.switchover;

import dev.tandem.capture.CaptureConfig;
import dev.tandem.capture.PgDatabase;
import dev.tandem.deploy.lifecycle.Failpoint;
import dev.tandem.deploy.lifecycle.MigrationPhase;
import dev.tandem.deploy.lifecycle.OperationLock;
import dev.tandem.deploy.lifecycle.PhaseStore;
import dev.tandem.deploy.lifecycle.Sides;
import dev.tandem.reconcile.order.ChangeLogKeys;
import dev.tandem.sync.control.AppliedPositions;
import dev.tandem.sync.fence.SourceFence;
import dev.tandem.sync.mapping.CompiledTable;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collection;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Switches which side of a migration is live: cutover (legacy → new) and rollback (new → legacy) run
 * the same guarded protocol — block the old side's writes, wait out writers in flight, drain the sync
 * to a fence, re-verify what changed, open the new side and flip the route — within a write-block
 * budget, past which it reopens the old side and records the abort. One operation at a time per migration.
 *
 * <p>While a direction is idle, {@code IdleSlotKeeper} keeps its slot near the current position; when it starts, it
 * first replays what the sync itself wrote on the now-live side since the slot last moved (all of it for a direction
 * that keeps join state). Those are the rows' own round trips, applied to the side no application writes to, in
 * commit order, so that side converges to the live one before anything newer arrives.
 */
public final class Switchover {

    private static final Logger log = LoggerFactory.getLogger(Switchover.class);

    private final Sides sides;
    private final SwitchSettings settings;
    private final KeyVerifier verifier;
    private final Gates gates;
    private final PhaseStore store;
    private final String actor;
    private RouteHook hook;

    public Switchover(Sides sides, SwitchSettings settings, KeyVerifier verifier, Gates gates, String actor) {
        this.sides = sides;
        this.settings = settings;
        this.verifier = verifier;
        this.gates = gates;
        this.actor = actor;
        this.store = new PhaseStore(sides.migration(), sides.newDb());
    }

    /** Runs {@code hook} after every route flip of this switchover. */
    public Switchover withHook(RouteHook hook) {
        this.hook = hook;
        return this;
    }

    public Sides sides() {
        return sides;
    }

    /** One direction of the protocol: which side is left, which side opens, and whose sync drains. */
    private record Direction(SwitchOperation operation, MigrationPhase idle, MigrationPhase switching, MigrationPhase done, PgDatabase from, PgDatabase to,
                             List<String> fromTables, List<String> toTables, String syncMigration,
                             List<CompiledTable> syncTables, CaptureConfig otherSlot) {
    }

    private Direction forward() {
        return new Direction(SwitchOperation.CUTOVER, MigrationPhase.SYNCING, MigrationPhase.CUTTING_OVER, MigrationPhase.CUT_OVER, sides.legacy(), sides.newDb(),
                sides.legacyTables(), sides.newTables(), sides.migration(), sides.forward(), sides.reverseCapture());
    }

    private Direction backward() {
        return new Direction(SwitchOperation.ROLLBACK, MigrationPhase.CUT_OVER, MigrationPhase.ROLLING_BACK, MigrationPhase.SYNCING, sides.newDb(), sides.legacy(),
                sides.newTables(), sides.legacyTables(), sides.reverseMigration(), sides.reverse(), sides.forwardCapture());
    }

    public SwitchReport cutover(boolean dryRun) throws SQLException, InterruptedException {
        return run(forward(), dryRun);
    }

    public SwitchReport rollback(boolean dryRun) throws SQLException, InterruptedException {
        return run(backward(), dryRun);
    }

    private SwitchReport run(Direction d, boolean dryRun) throws SQLException, InterruptedException {
        try (OperationLock lock = OperationLock.acquire(sides.newDb(), sides.migration(), d.operation().label());
             Connection control = sides.newDb().connect("tandem-" + d.operation())) {
            PhaseStore.ensure(control);
            recover(control);
            MigrationPhase phase = store.phase(control);
            if (phase != d.idle()) {
                throw new IllegalStateException("migration " + sides.migration() + " is " + phase.label() + ": a "
                        + d.operation() + " starts only from " + d.idle().label());
            }
            if (d.operation() == SwitchOperation.CUTOVER) {
                GateResult ready = new ReturnSlot(sides).readiness();
                if (!ready.passed()) {
                    store.record(control, actor, d.operation() + " refused", ready.toString());
                    return new SwitchReport(d.operation(), SwitchOutcome.REFUSED, List.of(ready), Map.of(), 0, 0,
                            d.operation() + " refused: " + ready.gate() + " (" + ready.detail() + ")");
                }
            }
            GateResult writers = gates.openWriters(d.operation(), d.from());
            if (!writers.passed()) {
                store.record(control, actor, d.operation() + " refused", writers.toString());
                return new SwitchReport(d.operation(), SwitchOutcome.REFUSED, List.of(writers), Map.of(), 0, 0,
                        d.operation() + " refused: " + writers.gate() + " (" + writers.detail() + "); nothing was installed");
            }
            Installed before = installed(d);
            List<GateResult> verdicts = new ArrayList<>(List.of(writers));
            try {
                prepare(d);
                verdicts.addAll(gates.evaluate(d.operation(), d.syncMigration(), d.from(), d.to(), d.otherSlot()));
            } catch (SQLException | RuntimeException e) {
                String undone = undoPrepare(d, before, e);
                GateResult failed = new GateResult("preparation", false, e.getMessage() + "; " + undone);
                store.record(control, actor, d.operation() + " refused", failed.toString());
                return new SwitchReport(d.operation(), SwitchOutcome.REFUSED, List.of(failed), Map.of(), 0, 0,
                        d.operation() + " refused: preparing it failed: " + failed.detail());
            }
            if (verdicts.stream().anyMatch(g -> !g.passed())) {
                String undone = undoPrepare(d, before, new IllegalStateException("refused by a gate"));
                store.record(control, actor, d.operation() + " refused", String.join("; ",
                        verdicts.stream().map(GateResult::toString).toList()) + "; " + undone);
                return new SwitchReport(d.operation(), SwitchOutcome.REFUSED, verdicts, Map.of(), 0, 0,
                        d.operation() + " refused: " + verdicts.stream().filter(g -> !g.passed())
                                .map(g -> g.gate() + " (" + g.detail() + ")").toList() + "; " + undone);
            }
            if (dryRun) {
                return new SwitchReport(d.operation(), SwitchOutcome.PLANNED, verdicts, Map.of(), 0, 0, plan(d));
            }
            return switchSides(control, d, verdicts);
        }
    }

    /** What a switch's preparation finds already in place: the write-block triggers, the return slot. */
    private record Installed(boolean writeBlock, boolean returnSlot) {
    }

    private Installed installed(Direction d) throws SQLException {
        boolean writeBlock;
        try (Connection from = d.from().connect("tandem-prepare")) {
            writeBlock = new WriteBlock(sides.migration()).isInstalled(from);
        }
        return new Installed(writeBlock, d.operation() != SwitchOperation.CUTOVER || new ReturnSlot(sides).exists());
    }

    /**
     * Removes what a failed preparation installed and was not there before, so a refused first cutover leaves neither
     * triggers nor a slot or publication behind; says what it removed.
     */
    private String undoPrepare(Direction d, Installed before, Exception cause) {
        List<String> removed = new ArrayList<>();
        try {
            if (!before.returnSlot()) {
                new ReturnSlot(sides).drop();
                removed.add("the return slot and publication");
            }
            if (!before.writeBlock()) {
                WriteBlock writes = new WriteBlock(sides.migration());
                try (Connection from = d.from().connect("tandem-undo"); Connection to = d.to().connect("tandem-undo")) {
                    writes.uninstall(from, d.fromTables());
                    writes.uninstall(to, d.toTables());
                }
                removed.add("the write-block triggers");
            }
        } catch (SQLException | RuntimeException e) {
            cause.addSuppressed(e);
            log.warn("migration {}: undoing a failed {} preparation failed: {}", sides.migration(), d.operation(), e.getMessage(), e);
            return "undoing it failed (" + e.getMessage() + "): run `tandem cancel` or retry";
        }
        return removed.isEmpty() ? "nothing was installed by this attempt" : "removed " + String.join(" and ", removed)
                + " it had installed";
    }

    /** Everything that may take time happens before the block: fences installed, the return slot created. */
    private void prepare(Direction d) throws SQLException {
        WriteBlock writes = new WriteBlock(sides.migration());
        try (Connection from = d.from().connect("tandem-prepare"); Connection to = d.to().connect("tandem-prepare")) {
            writes.install(from, d.fromTables());
            writes.install(to, d.toTables());
            writes.block(to); // the side that is not live takes no application writes
        }
        if (d.operation() == SwitchOperation.CUTOVER) {
            new ReturnSlot(sides).prepare(); // the reverse slot exists before the cutover
        }
    }

    private SwitchReport switchSides(Connection control, Direction d, List<GateResult> verdicts)
            throws SQLException, InterruptedException {
        restorePoints(control, d);
        SourceFence drain = new SourceFence(d.syncMigration(), d.from(), d.to());
        WriteBlock writes = new WriteBlock(sides.migration());
        Map<String, Long> phases = new LinkedHashMap<>();
        long reverified = 0;
        String step = "fence";
        Applied current = applied(d);
        // Connections, the verifier's session and the change-log reader are opened before the block, so it holds
        // only the work itself.
        verifier.open();
        try (KeyVerifier opened = verifier;
             Connection from = d.from().connect("tandem-" + d.operation() + "-block");
             Connection to = d.to().connect("tandem-" + d.operation() + "-block");
             ChangeLogKeys changed = new ChangeLogKeys(sides.bootstrapServers(), current.topic(), current.nextOffset())) {
            List<SequenceColumns.Backed> sequenceColumns = SequenceColumns.find(to, d.toTables());
            // The rows to re-verify in the block are those the sync applies from here on: take this position last.
            String before = awaitFence(drain, from, to, settings.maxLag(), d);
            Applied start = applied(d, to);
            changed.seek(start.nextOffset());
            // Read and verify the rows changed since the fence while writes still flow, so the block only takes the
            // tail since then; a row that differs now (a change in flight) is checked again inside the block.
            Map<String, Set<List<String>>> carried = preverify(d, changed, to);
            store.advance(control, d.idle(), d.switching(), actor, d.operation() + " started",
                    "fence " + before + " applied at offset " + start.nextOffset() + " of " + start.topic());
            long t0 = System.nanoTime();
            try {
                Failpoint.reach("before-fence");
                writes.block(from);
                writes.awaitInFlightWriters(from, d.fromTables(), remaining(t0));
                phases.put("fence", mark(t0, phases));
                checkBudget(t0, step);

                step = "drain";
                Failpoint.reach("drain");
                String drained = awaitFence(drain, from, to, remaining(t0), d);
                phases.put("drain", mark(t0, phases));
                checkBudget(t0, step);

                step = "verify";
                Failpoint.reach("verify");
                Applied end = applied(d, to);
                Map<String, Set<List<String>>> tail = changed.readUntil(end.nextOffset(), remaining(t0));
                carried.forEach((table, keys) -> tail.computeIfAbsent(table, t -> new java.util.LinkedHashSet<>()).addAll(keys));
                reverified = reverify(d, tail, to);
                phases.put("verify", mark(t0, phases));
                checkBudget(t0, step);

                step = "switch";
                // the rows the sync wrote took their keys from the other side's sequences: carry them before opening
                List<SequenceColumns.Moved> sequences = SequenceColumns.advance(to, sequenceColumns, settings.sequenceMargin());
                writes.open(to);
                Failpoint.reach("opened");
                store.advance(control, d.switching(), d.done(), actor, d.operation() + " done",
                        "write block " + elapsedMillis(t0) + " ms " + phases + " before the flip; drained to fence "
                                + drained + " (offset " + end.nextOffset() + "); re-verified " + reverified
                                + " rows; the other direction streams from " + d.otherSlot().slotName());
                long block = elapsedMillis(t0); // the flip's own commit ends the block
                phases.put("switch", block - phases.values().stream().mapToLong(Long::longValue).sum());
                Failpoint.reach("switched");
                afterFlip(control, d, phases, block, sequences);
                return new SwitchReport(d.operation(), SwitchOutcome.SWITCHED, verdicts, phases, block, reverified,
                        d.operation() + " done: write block " + block + " ms; route is " + d.done().route(), sequences);
            } catch (SQLException | RuntimeException e) {
                long block = elapsedMillis(t0);
                String reason = remaining(t0).isNegative()
                        ? "the write-block budget of " + settings.writeBlockBudget().toMillis() + " ms ran out during " + step
                          + " (" + phases + " before it): " + e.getMessage()
                        : step + " failed after " + block + " ms: " + e.getMessage();
                abort(control, d, reason);
                return new SwitchReport(d.operation(), SwitchOutcome.ABORTED, verdicts, phases, block, reverified,
                        d.operation() + " aborted, " + d.idle().route() + " writes reopened: " + reason);
            }
        }
    }

    /**
     * Records the block's timings and runs the hook. The route has flipped: a failure here is reported, never
     * treated as a failed switch (aborting now would reopen the side just left).
     */
    private void afterFlip(Connection control, Direction d, Map<String, Long> phases, long block,
                           List<SequenceColumns.Moved> sequences) {
        try {
            for (SequenceColumns.Moved moved : sequences) {
                store.record(control, actor, "sequence " + (moved.changed() ? "set" : "kept"), d.to() + ": " + moved);
            }
            store.recordBlock(control, d.operation().label(), phases, block);
            runHook(control, d);
        } catch (SQLException | RuntimeException e) {
            log.warn("migration {}: {} done, but recording its timings or running the hook failed: {}", sides.migration(),
                    d.operation(), e.getMessage(), e);
        }
    }

    private void runHook(Connection control, Direction d) throws SQLException {
        if (hook == null) {
            return;
        }
        try {
            String outcome = hook.run(sides.migration(), d.operation().label(), d.done().route());
            store.record(control, actor, "route hook", outcome);
            log.info("migration {}: {}", sides.migration(), outcome);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            store.record(control, actor, "route hook", "interrupted before the hook finished");
        }
    }

    /**
     * Reads the change log from the switch's fence up to what the sync has applied now and verifies those rows, before
     * the block; returns the keys of the tables where some row differed (changes still in flight), to check again in it.
     * Rounds repeat while they keep finding changes, at most {@link #PREVERIFY_ROUNDS}, so the tail left is short.
     */
    private Map<String, Set<List<String>>> preverify(Direction d, ChangeLogKeys changed, Connection to)
            throws SQLException, InterruptedException {
        Map<String, Set<List<String>>> carried = new LinkedHashMap<>();
        for (int round = 0; round < PREVERIFY_ROUNDS; round++) {
            // wait briefly for the sync to apply more (this also keeps the change-log reader's fetches warm)
            Applied now = applied(d, to);
            for (int wait = 0; wait < 10 && now.nextOffset() <= changed.position(); wait++) {
                Thread.sleep(10);
                now = applied(d, to);
            }
            Map<String, Set<List<String>>> keys = changed.readUntil(now.nextOffset(), settings.maxLag());
            for (Map.Entry<String, Set<List<String>>> table : keys.entrySet()) {
                if (!drift(d, Map.of(table.getKey(), table.getValue()), to).isEmpty()) {
                    carried.computeIfAbsent(table.getKey(), t -> new java.util.LinkedHashSet<>()).addAll(table.getValue());
                }
            }
        }
        return carried;
    }

    private static final int PREVERIFY_ROUNDS = 3;

    /**
     * Re-verifies every row the sync changed between the two positions, always through the forward mapping
     * (for a rollback, the reverse sync's new-table keys are first turned into legacy keys); any drift aborts.
     */
    private long reverify(Direction d, Map<String, Set<List<String>>> changed, Connection to) throws SQLException {
        long rows = changed.values().stream().mapToLong(Set::size).sum();
        List<String> drift = drift(d, changed, to);
        if (!drift.isEmpty()) {
            throw new IllegalStateException(drift.size() + " rows differ after the drain: " + drift.subList(0,
                    Math.min(5, drift.size())) + "; run `tandem diff` and `tandem repair` before trying again");
        }
        return rows;
    }

    /** The rows among {@code changed} (source table → keys) that differ between the sides, described. */
    private List<String> drift(Direction d, Map<String, Set<List<String>>> changed, Connection to) throws SQLException {
        List<String> drift = new ArrayList<>();
        for (CompiledTable synced : d.syncTables()) {
            Collection<List<String>> keys = changed.getOrDefault(synced.source(), Set.of());
            if (keys.isEmpty()) {
                continue;
            }
            if (d.operation() == SwitchOperation.CUTOVER) {
                drift.addAll(verifier.drifted(synced, keys));
            } else {
                List<List<String>> legacyKeys = KeyTranslation.targetKeys(to, synced, keys);
                for (CompiledTable forward : sides.forward()) {
                    if (forward.source().equals(synced.target())) {
                        List<Integer> order = forward.sourceKey().stream().map(synced.targetKey()::indexOf).toList();
                        drift.addAll(verifier.drifted(forward, legacyKeys.stream()
                                .map(k -> order.stream().map(k::get).toList()).toList()));
                    }
                }
            }
        }
        return drift;
    }

    private void abort(Connection control, Direction d, String reason) throws SQLException {
        WriteBlock writes = new WriteBlock(sides.migration());
        try (Connection from = d.from().connect("tandem-abort"); Connection to = d.to().connect("tandem-abort")) {
            writes.block(to);
            writes.open(from);
        }
        store.advance(control, d.switching(), d.idle(), actor, d.operation() + " aborted", reason);
        log.warn("migration {}: {} aborted, {} writes reopened: {}", sides.migration(), d.operation(), d.idle().route(), reason);
    }

    /**
     * A switch interrupted by a crash (its phase still says switching, but no process holds the
     * operation lock) returns to the side it was leaving: that side's writes reopen, the other's block.
     */
    private void recover(Connection control) throws SQLException {
        MigrationPhase phase = store.phase(control);
        Direction d = phase == MigrationPhase.CUTTING_OVER ? forward() : phase == MigrationPhase.ROLLING_BACK ? backward() : null;
        if (d != null) {
            abort(control, d, "recovered after the process running the " + d.operation() + " stopped mid-way");
        }
    }

    /**
     * Returns a migration to its safe side when its switch was orphaned: the phase says switching but no live
     * session holds the operation lock (the process that held it died). False, and nothing done, otherwise.
     */
    public static boolean recoverIfOrphaned(Sides sides, String actor) throws SQLException {
        return new Switchover(sides, SwitchSettings.DEFAULTS, null, null, actor).recoverIfOrphaned();
    }

    private boolean recoverIfOrphaned() throws SQLException {
        Optional<OperationLock> lock = OperationLock.tryAcquire(sides.newDb(), sides.migration(), "recovery");
        if (lock.isEmpty()) {
            return false;
        }
        try (OperationLock held = lock.get(); Connection control = sides.newDb().connect("tandem-recovery")) {
            PhaseStore.ensure(control);
            boolean orphaned = store.phase(control).switching();
            recover(control);
            return orphaned;
        }
    }

    private String awaitFence(SourceFence fence, Duration timeout, Direction d) throws SQLException, InterruptedException {
        try (Connection from = d.from().connect("tandem-fence"); Connection to = d.to().connect("tandem-fence")) {
            return awaitFence(fence, from, to, timeout, d);
        }
    }

    private String awaitFence(SourceFence fence, Connection from, Connection to, Duration timeout, Direction d)
            throws SQLException, InterruptedException {
        try {
            return fence.await(from, to, timeout);
        } catch (TimeoutException e) {
            throw new SQLException("the " + d.syncMigration() + " sync did not drain within " + timeout.toMillis()
                    + " ms: " + e.getMessage(), "57014", e);
        }
    }

    private record Applied(String topic, long nextOffset) {
    }

    private static Applied applied(Direction d) throws SQLException {
        try (Connection to = d.to().connect("tandem-position")) {
            return applied(d, to);
        }
    }

    /** How far into the ordered change log the sync has applied everything (over all partitions in per-key ordering). */
    private static Applied applied(Direction d, Connection to) throws SQLException {
        AppliedPositions.LogPosition applied = AppliedPositions.logPosition(to, d.syncMigration());
        if (applied == null) {
            throw new IllegalStateException("sync " + d.syncMigration() + " has applied nothing yet: start "
                    + "`tandem run` and wait for it to stream before a " + d.operation());
        }
        return new Applied(applied.topic(), applied.offset());
    }

    /** Marks a restore point on both databases when allowed (it needs superuser or an explicit grant). */
    private void restorePoints(Connection control, Direction d) {
        String name = "tandem_" + sides.migration() + "_" + d.operation() + "_" + System.currentTimeMillis();
        for (PgDatabase db : List.of(d.from(), d.to())) {
            try (Connection c = db.connect("tandem-restore-point"); Statement st = c.createStatement();
                 ResultSet rs = st.executeQuery("SELECT pg_create_restore_point('" + name + "')::text")) {
                rs.next();
                store.record(control, actor, "restore point", db + ": " + name + " at " + rs.getString(1));
            } catch (SQLException e) {
                log.warn("migration {}: no restore point on {} ({}); grant EXECUTE on pg_create_restore_point to have one",
                        sides.migration(), db, e.getMessage());
            }
        }
    }

    private String plan(Direction d) {
        return d.operation() + " plan: block application writes on " + d.fromTables() + " (budget "
                + settings.writeBlockBudget().toMillis() + " ms), wait for writers in flight, drain " + d.syncMigration()
                + " to a fence, re-verify the rows changed since now, open " + d.toTables() + ", set the route to "
                + d.done().route() + " and stream the other way from " + d.otherSlot().slotName();
    }

    private Duration remaining(long t0) {
        return settings.writeBlockBudget().minusNanos(System.nanoTime() - t0);
    }

    private void checkBudget(long t0, String step) {
        if (remaining(t0).isNegative()) {
            throw new IllegalStateException("the write block passed its budget of " + settings.writeBlockBudget().toMillis()
                    + " ms during " + step);
        }
    }

    private static long mark(long t0, Map<String, Long> phases) {
        return elapsedMillis(t0) - phases.values().stream().mapToLong(Long::longValue).sum();
    }

    private static long elapsedMillis(long t0) {
        return TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - t0);
    }
}
