package dev.tandem.deploy.lifecycle;

import dev.tandem.deploy.lifecycle.end.MigrationEnd;
import dev.tandem.deploy.lifecycle.switchover.Gates;
import dev.tandem.deploy.lifecycle.switchover.ReconcilerKeys;
import dev.tandem.deploy.lifecycle.switchover.RouteHook;
import dev.tandem.deploy.lifecycle.switchover.SwitchReport;
import dev.tandem.deploy.lifecycle.switchover.SwitchSettings;
import dev.tandem.deploy.lifecycle.switchover.Switchover;
import dev.tandem.deploy.lifecycle.verify.ContinuousReconciler;
import dev.tandem.deploy.run.MigrationConfig;
import dev.tandem.deploy.verify.ReconcileConfig;
import dev.tandem.reconcile.ReconcileMetrics;
import dev.tandem.reconcile.Reconciler;
import dev.tandem.sync.fence.SourceFence;
import dev.tandem.sync.mapping.MappingSpec;
import dev.tandem.sync.mapping.ReverseMapping;
import dev.tandem.sync.pipeline.Pipeline;
import dev.tandem.sync.pipeline.PipelineConfig;
import java.sql.Connection;
import java.sql.SQLException;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.function.LongSupplier;
import java.util.function.Supplier;

/**
 * One migration's whole life, read top to bottom: {@link #supervise} backfills and streams (and keeps following
 * the phase), {@link #cutover} and {@link #rollback} switch the live side, {@link #complete} and {@link #cancel} end
 * it. Each phase change goes through {@link PhaseStore}; the commands and the service only call these methods.
 */
public final class Lifecycle {

    /** How often the idle direction's slot is moved to the current WAL position. */
    private static final Duration IDLE_SLOT_EVERY = Duration.ofSeconds(10);

    private final MigrationConfig migration;
    private final MappingSpec mapping;
    private final ReconcileConfig reconcile;
    private Sides forwardSides;

    public Lifecycle(MigrationConfig migration, MappingSpec mapping, ReconcileConfig reconcile) {
        this.migration = migration;
        this.mapping = mapping;
        this.reconcile = reconcile;
    }

    public PhaseStore phases() {
        return new PhaseStore(migration.migration(), migration.target());
    }

    /** The forward pipeline, not yet started: created → backfilling → syncing as it runs. */
    public Pipeline forwardPipeline() {
        return new Pipeline(forwardConfig());
    }

    /**
     * The sync supervisor of {@code tandem run}: it runs the direction the phase asks for while {@code lease} makes
     * this instance the capture leader (always, when null), stands by otherwise (in per-key ordering with this
     * instance's appliers), and undoes a switch whose process died in the write block.
     */
    public SyncSupervisor supervise(CaptureLease lease) {
        Sides sides = sidesForward();
        SyncSupervisor supervisor = new SyncSupervisor(phases(), this::forwardPipeline, () -> new Pipeline(reverseConfig()))
                .recovering(() -> Switchover.recoverIfOrphaned(sides, "tandem run"))
                .keepingIdleSlotCurrent(new IdleSlotKeeper(sides, IDLE_SLOT_EVERY));
        if (lease != null) {
            PipelineConfig forward = forwardConfig();
            supervisor.leasing(lease, forward.ordering().perKey() ? () -> StandbyApply.start(forward) : null);
            lease.onLost(supervisor::fence);
        }
        return supervisor;
    }

    /** {@code --rebackfill}: copies everything again from a new slot, only while legacy is the live side. */
    public Pipeline rebackfill(Pipeline forward) throws InterruptedException {
        PhaseStore phases = phases();
        MigrationPhase phase = phase(phases);
        if (phase.syncDirection() != MigrationPhase.SyncDirection.FORWARD) {
            throw new IllegalStateException("migration " + migration.migration() + " is " + phase.label()
                    + ": --rebackfill copies legacy into the new schema, which only makes sense before a cutover");
        }
        try {
            forward.reportingTo(new PhaseListener(phases, "tandem run --rebackfill")).start(true);
        } catch (SQLException e) {
            throw new IllegalStateException("migration " + migration.migration() + ": the new backfill failed: "
                    + e.getMessage(), e);
        }
        return forward;
    }

    private MigrationPhase phase(PhaseStore phases) {
        try {
            return phases.phase();
        } catch (SQLException e) {
            throw new IllegalStateException("cannot read the phase of " + migration.migration() + " from "
                    + migration.target() + ": " + e.getMessage(), e);
        }
    }

    /** The WAL each direction's slot retains: {@code forward} on legacy, {@code reverse} on the new database. */
    public Map<String, LongSupplier> slotRetention() {
        Sides sides = sidesForward();
        Map<String, LongSupplier> slots = new LinkedHashMap<>();
        slots.put("forward", new SlotRetention(sides.forwardCapture()));
        slots.put("reverse", new SlotRetention(sides.reverseCapture()));
        return slots;
    }

    /**
     * Verification in the background of {@code tandem run}: a pass every {@code reconcile.pause} when continuous, in the
     * direction of the sync that runs ({@code direction}).
     */
    public ContinuousReconciler verify(ReconcileMetrics metrics, Supplier<MigrationPhase.SyncDirection> direction) {
        return ContinuousReconciler.forRun(migration, reconcile, sidesForward().forward(),
                () -> SidesSetup.sides(migration, mapping).reverse(), direction, metrics).start();
    }

    /** Compiled once: the supervisor's recovery, the verifier and the slot readings of one run share it. */
    private synchronized Sides sidesForward() {
        if (forwardSides != null) {
            return forwardSides;
        }
        try {
            forwardSides = SidesSetup.sidesForward(migration, mapping);
            return forwardSides;
        } catch (SQLException e) {
            throw new IllegalStateException("cannot compile the mapping of " + migration.migration() + " against "
                    + migration.source() + " and " + migration.target() + ": " + e.getMessage(), e);
        }
    }

    /** syncing → cutting-over → cut-over (or back to syncing when the block aborts). */
    public SwitchReport cutover(SwitchSettings settings, String actor, String hook, boolean dryRun)
            throws SQLException, InterruptedException {
        return switchover(settings, actor, hook).cutover(dryRun);
    }

    /** cut-over → rolling-back → syncing (or back to cut-over when the block aborts). */
    public SwitchReport rollback(SwitchSettings settings, String actor, String hook, boolean dryRun)
            throws SQLException, InterruptedException {
        return switchover(settings, actor, hook).rollback(dryRun);
    }

    /** cut-over → completed: the new schema stays live; slots and publications go. */
    public String complete(String actor) throws SQLException, InterruptedException {
        return new MigrationEnd(SidesSetup.sidesForward(migration, mapping), actor).complete();
    }

    /** created, backfilling or syncing → cancelled: legacy stays live; slots and publications go. */
    public String cancel(String actor) throws SQLException, InterruptedException {
        return new MigrationEnd(SidesSetup.sidesForward(migration, mapping), actor).cancel();
    }

    private Switchover switchover(SwitchSettings settings, String actor, String hook) throws SQLException {
        Sides sides = SidesSetup.sides(migration, mapping);
        Reconciler reconciler = new Reconciler(migration.migration(), migration.source(), migration.target(),
                sides.forward(), reconcile.settings(),
                new SourceFence(migration.migration(), migration.source(), migration.target()));
        Gates gates = new Gates(sides, settings, () -> {
            try (Connection c = migration.target().connect("tandem-gates")) {
                return Reconciler.lastCleanPass(c, migration.migration());
            }
        });
        Switchover switchover = new Switchover(sides, settings, new ReconcilerKeys(reconciler), gates, actor);
        return hook == null ? switchover : switchover.withHook(RouteHook.shell(hook));
    }

    /** The forward sync's configuration (also what an --apply-only instance joins). */
    public PipelineConfig forwardConfig() {
        return new PipelineConfig(migration.migration(), migration.source(), migration.target(), mapping,
                migration.bootstrapServers(), migration.backfillWorkers(), null, migration.backfill(), migration.ordering(),
                migration.kafkaReplication());
    }

    private PipelineConfig reverseConfig() {
        return new PipelineConfig(Sides.reverseName(migration.migration()), migration.target(), migration.source(),
                ReverseMapping.of(mapping), migration.bootstrapServers()).withReplication(migration.kafkaReplication());
    }
}
