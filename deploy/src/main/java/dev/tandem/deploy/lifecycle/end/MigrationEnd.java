package dev.tandem.deploy.lifecycle.end;

import dev.tandem.capture.CaptureConfig;
import dev.tandem.capture.replication.ReplicationSetup;
import dev.tandem.deploy.lifecycle.MigrationPhase;
import dev.tandem.deploy.lifecycle.OperationLock;
import dev.tandem.deploy.lifecycle.PhaseStore;
import dev.tandem.deploy.lifecycle.Sides;
import dev.tandem.deploy.lifecycle.switchover.WriteBlock;
import dev.tandem.sync.apply.JoinState;
import dev.tandem.sync.mapping.CompiledTable;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.EnumSet;
import java.util.Set;
import java.util.List;

/**
 * Ends a migration: {@code complete} after a cutover (the new schema stays live), {@code cancel} before one
 * (legacy stays live). Either way the slots and publications tandem created are dropped, once the running
 * service has stopped reading them, so no WAL is retained for a migration that is over.
 */
public final class MigrationEnd {

    private static final Duration SLOT_RELEASE = Duration.ofSeconds(30);
    /** A service that has not reported its sync direction for this long is taken as not running. */
    private static final double SERVICE_SILENT_SECONDS = 10;

    private final Sides sides;
    private final String actor;
    private final PhaseStore store;

    public MigrationEnd(Sides sides, String actor) {
        this.sides = sides;
        this.actor = actor;
        this.store = new PhaseStore(sides.migration(), sides.newDb());
    }

    /** CUT_OVER → COMPLETED: drops both directions' slots and publications and the new side's write fences. */
    public String complete() throws SQLException, InterruptedException {
        return end("complete", EnumSet.of(MigrationPhase.CUT_OVER), MigrationPhase.COMPLETED);
    }

    /** CREATED, BACKFILLING or SYNCING → CANCELLED: drops the slots and publications and every write fence; legacy stays as it was. */
    public String cancel() throws SQLException, InterruptedException {
        return end("cancel", EnumSet.of(MigrationPhase.CREATED, MigrationPhase.BACKFILLING, MigrationPhase.SYNCING),
                MigrationPhase.CANCELLED);
    }

    private String end(String operation, Set<MigrationPhase> from, MigrationPhase next) throws SQLException, InterruptedException {
        try (OperationLock lock = OperationLock.acquire(sides.newDb(), sides.migration(), operation);
             Connection control = sides.newDb().connect("tandem-" + operation)) {
            PhaseStore.ensure(control);
            MigrationPhase phase = store.phase(control);
            if (phase != next) { // a repeated command finishes the cleanup an earlier one started
                if (!from.contains(phase)) {
                    throw new IllegalStateException("migration " + sides.migration() + " is " + phase.label() + ": "
                            + operation + " starts only from " + from.stream().map(MigrationPhase::label).toList()
                            + (phase == MigrationPhase.CUT_OVER ? "; roll back first" : ""));
                }
                store.advance(control, phase, next, actor, operation + " started", "dropping slots and publications");
            }
            awaitSyncStopped(control);
            List<String> dropped = new ArrayList<>();
            for (CaptureConfig capture : List.of(sides.forwardCapture(), sides.reverseCapture())) {
                awaitSlotReleased(capture);
                new ReplicationSetup(capture).drop();
                dropped.add(capture.slotName() + " on " + capture.source());
            }
            WriteBlock writes = new WriteBlock(sides.migration());
            try (Connection newDb = sides.newDb().connect("tandem-" + operation)) {
                writes.uninstall(newDb, sides.newTables());
                new JoinState(sides.migration(), sides.forward()).drop(newDb);
            }
            try (Connection legacy = sides.legacy().connect("tandem-" + operation)) {
                new JoinState(sides.reverseMigration(), sides.reverse()).drop(legacy); // a split's way back
                if (next == MigrationPhase.CANCELLED) {
                    writes.uninstall(legacy, sides.legacyTables());
                }
            }
            boolean merges = sides.forward().stream().anyMatch(CompiledTable::merged)
                    || sides.reverse().stream().anyMatch(CompiledTable::merged);
            String detail = "dropped " + dropped + (merges ? " and the merged tables' join state" : "") + (next == MigrationPhase.COMPLETED
                    ? "; the legacy tables keep their write fence (they are retired)" : "; write fences removed");
            store.record(control, actor, operation + " done", detail);
            return "migration " + sides.migration() + " " + next.label() + ": " + detail;
        }
    }

    /**
     * Waits until the running service said its sync stopped (or no service has spoken for a while: none runs), so
     * a capture still starting cannot recreate a slot after it is dropped.
     */
    private void awaitSyncStopped(Connection control) throws SQLException, InterruptedException {
        long deadline = System.nanoTime() + SLOT_RELEASE.toNanos();
        while (true) {
            PhaseStore.FollowerState follower = store.follower(control);
            if (follower == null || "NONE".equals(follower.direction()) || follower.secondsAgo() > SERVICE_SILENT_SECONDS) {
                return;
            }
            if (System.nanoTime() > deadline) {
                throw new IllegalStateException("`tandem run` of migration " + sides.migration() + " still syncs "
                        + follower.direction() + " " + SLOT_RELEASE.toSeconds() + " s after the migration ended: check its "
                        + "log, or stop it, then run the command again to drop the slots");
            }
            Thread.sleep(200);
        }
    }

    /** The running service stops reading a slot within a second of the phase change; wait for that. */
    private void awaitSlotReleased(CaptureConfig capture) throws SQLException, InterruptedException {
        long deadline = System.nanoTime() + SLOT_RELEASE.toNanos();
        try (Connection c = capture.source().connect("tandem-slot-check");
             PreparedStatement ps = c.prepareStatement("SELECT active FROM pg_replication_slots WHERE slot_name = ?")) {
            ps.setString(1, capture.slotName());
            while (true) {
                try (ResultSet rs = ps.executeQuery()) {
                    if (!rs.next() || !rs.getBoolean(1)) {
                        return;
                    }
                }
                if (System.nanoTime() > deadline) {
                    throw new IllegalStateException("slot " + capture.slotName() + " on " + capture.source() + " is still "
                            + "being read " + SLOT_RELEASE.toSeconds() + " s after the migration ended: stop `tandem run` "
                            + "and run the command again to drop it");
                }
                Thread.sleep(200);
            }
        }
    }
}
