package dev.tandem.sync.pipeline;

import dev.tandem.capture.CaptureConfig;
import dev.tandem.capture.ChangeTopics;
import dev.tandem.capture.debezium.CaptureEngine;
import dev.tandem.capture.envelope.ChangeEnvelope;
import dev.tandem.capture.replication.ExportedSnapshot;
import dev.tandem.capture.replication.OpenTransaction;
import dev.tandem.capture.replication.ReplicationSetup;
import dev.tandem.sync.apply.ApplierConfig;
import dev.tandem.sync.apply.ApplyStats;
import dev.tandem.sync.apply.JoinState;
import dev.tandem.sync.apply.SnapshotCatchUp;
import dev.tandem.sync.backfill.Backfill;
import dev.tandem.sync.backfill.BackfillProgress;
import dev.tandem.sync.backfill.BackfillTables;
import dev.tandem.sync.backfill.ChunkLedger;
import dev.tandem.sync.backfill.SnapshotLsn;
import dev.tandem.sync.backfill.SourceLoad;
import dev.tandem.sync.backfill.XidSnapshot;
import dev.tandem.sync.control.AppliedPositions;
import dev.tandem.sync.control.ControlSchema;
import dev.tandem.sync.control.SlotCreationWaits;
import dev.tandem.sync.mapping.CompiledTable;
import dev.tandem.sync.mapping.MappingCompiler;
import java.io.IOException;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Duration;
import java.util.List;
import java.util.Set;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Runs one migration forward: backfill under an exported snapshot when the migration has none
 * yet, then capture (legacy → Kafka) and apply (Kafka → new schema) until closed.
 *
 * <p>The phase is derived from durable state on every start: a migration whose slot is gone starts
 * its backfill over, so the stream never continues past a gap; one whose backfill was interrupted
 * while its slot survived copies only the chunks not yet copied, then streams from the slot's start.
 */
public final class Pipeline implements AutoCloseable {

    private static final Logger log = LoggerFactory.getLogger(Pipeline.class);
    private static final long SLOT_CHECK_SECONDS = 2;

    private final PipelineConfig config;
    private final BackfillProgress backfillProgress = new BackfillProgress();
    private volatile SourceLoad load;
    private List<CompiledTable> tables = List.of();
    private JoinState joinState;
    private CaptureConfig captureConfig;
    private volatile CaptureEngine capture;
    private ApplySide applier;
    private ScheduledExecutorService slotWatch;
    private PartitionWatch partitions;
    private volatile ReplicationSetup replication;
    private volatile Throwable slotFailure;
    private LifecycleListener lifecycle = LifecycleListener.NONE;
    private volatile boolean leased;
    private volatile boolean fenced;

    public Pipeline(PipelineConfig config) {
        this.config = config;
    }

    /** Reports backfill and streaming to {@code listener}; set before {@link #start()}. */
    public Pipeline reportingTo(LifecycleListener listener) {
        this.lifecycle = listener;
        return this;
    }

    /**
     * Tells this pipeline that its instance holds the migration's capture lease (set before {@link #start()}): a
     * walsender still holding the slot after {@link #SLOT_HANDOVER_GRACE} belongs to a process that lost the lease,
     * and is ended so the capture can start.
     */
    public Pipeline holdingCaptureLease() {
        this.leased = true;
        return this;
    }

    /** How long a capture waits for the slot's previous walsender to let go before it ends it (under a lease). */
    public static final Duration SLOT_HANDOVER_GRACE = Duration.ofSeconds(5);

    /**
     * Stops the capture at once and for good, from any thread: this instance lost the capture lease, and another may
     * already stream the slot. The apply side runs on until {@link #close()}. Stopping flushes only offsets of
     * changes Kafka acknowledged, so the instance taking over loses and doubles nothing.
     */
    public void fence() {
        fenced = true;
        try {
            stopCapture();
        } catch (IOException | RuntimeException e) {
            log.warn("migration {}: stopping the capture after the lease was lost failed: {}", config.migration(),
                    e.getMessage(), e);
        }
    }

    /** Validates the mappings, backfills when needed and starts streaming; returns once streaming runs. */
    public void start() throws SQLException, InterruptedException {
        start(false);
    }

    /**
     * Like {@link #start()}; with {@code startOver} the backfill runs again from a new slot and
     * snapshot even if it was done, the way out of an invalidated slot.
     */
    public void start(boolean startOver) throws SQLException, InterruptedException {
        ReplicationSetup replication = new ReplicationSetup(config.capture())
                .reportingSlotCreationTo(new SlotCreationWaits(config.target(), config.migration()));
        this.replication = replication;
        try (Connection source = config.source().connect("tandem-setup");
             Connection target = config.target().connect("tandem-setup")) {
            tables = MappingCompiler.compile(config.mapping(), source, target);
            ApplySide.check(config, target, tables);
            joinState = new JoinState(config.migration(), tables);
            ControlSchema.ensure(target);
            captureConfig = config.capture().withGeneration(generation(target, config.migration()));
            String invalidated = replication.invalidation();
            if (invalidated != null && !startOver) {
                throw new SlotLostException(lostMessage(invalidated));
            }
            load = new SourceLoad(config.source(), captureConfig.slotName(), config.backfill());
            boolean fresh = startOver || !replication.slotExists();
            if (!fresh) { // the slot kept every change since tandem stopped, but not a partition attached or detached
                partitions = PartitionWatch.resume(config.migration(), source, target, tables);
            }
            if (fresh) {
                backfill(replication, target);
            } else if (!backfillDone(target, config.migration())) {
                resumeBackfill(replication, target);
            } else {
                log.info("migration {}: backfill already done, resuming the stream", config.migration());
                joinState.check(target, config.migration());
                restartCapture();
            }
        }
        startApplier();
        watchSlot(replication);
        lifecycle.streaming();
    }

    /**
     * Checks every few seconds that the slot still exists and is valid; if not, stops capture
     * and apply with the reason rather than stream past a gap (Debezium would create a new slot).
     * Also pauses the tables of a partitioned source whose partitions changed.
     */
    private void watchSlot(ReplicationSetup replication) {
        slotWatch = Executors.newSingleThreadScheduledExecutor(r -> {
            Thread t = new Thread(r, "tandem-slot-watch-" + config.migration());
            t.setDaemon(true);
            return t;
        });
        slotWatch.scheduleWithFixedDelay(() -> {
            try {
                String problem = replication.slotExists() ? replication.invalidation()
                        : "replication slot " + captureConfig.slotName() + " was dropped while streaming";
                load.measure();
                if (problem != null && slotFailure == null) {
                    slotFailure = new SlotLostException(lostMessage(problem));
                    log.error("{}", slotFailure.getMessage());
                    stopCapture();
                    stopApplier();
                    slotWatch.shutdown();
                    return;
                }
                checkPartitions();
            } catch (SQLException e) {
                log.warn("migration {}: cannot check the replication slot ({}); will retry", config.migration(), e.getMessage());
            } catch (IOException | RuntimeException e) {
                log.warn("migration {}: stopping after a lost slot failed: {}", config.migration(), e.getMessage(), e);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }, SLOT_CHECK_SECONDS, SLOT_CHECK_SECONDS, TimeUnit.SECONDS);
    }

    /** Pauses the target tables of a partitioned source table whose partitions changed (see {@link PartitionWatch}). */
    private void checkPartitions() {
        if (partitions == null || !partitions.watchesAny()) {
            return;
        }
        try (Connection source = config.source().connect("tandem-partition-watch");
             Connection target = config.target().connect("tandem-partition-watch")) {
            partitions.check(source, target);
        } catch (SQLException e) {
            log.warn("migration {}: cannot check the partitions of the mapped tables ({}); will retry", config.migration(),
                    e.getMessage());
        }
    }

    private String lostMessage(String problem) {
        return "migration " + config.migration() + ": " + problem + "; run it again with --rebackfill to drop the slot and "
                + "copy the tables anew (and raise max_slot_wal_keep_size on the legacy server so it does not recur)";
    }

    /** (Re)starts the applier alone, e.g. after it was stopped; it resumes from the stored position. */
    public void startApplier() throws SQLException {
        applier = ApplySide.start(config, captureConfig, tables);
    }

    /** Stops the applier and waits for it; the capture keeps running. */
    public void stopApplier() throws InterruptedException {
        if (applier != null) {
            applier.close();
        }
    }

    /** Stops capture alone (its offsets are flushed); {@link #restartCapture()} resumes it. */
    public synchronized void stopCapture() throws IOException {
        if (capture != null) {
            capture.close();
            capture = null;
        }
    }

    private void stopCaptureQuietly(Exception cause) {
        try {
            stopCapture();
        } catch (IOException e) {
            cause.addSuppressed(e);
        }
    }

    /**
     * Starts capture on the existing slot once no other walsender holds it ({@link SlotHandover}); it resumes from its
     * offsets. Refused after {@link #fence()}.
     */
    public void restartCapture() throws InterruptedException {
        try {
            SlotHandover.await(captureConfig, SLOT_HANDOVER_GRACE, leased);
        } catch (SQLException e) {
            log.warn("migration {}: cannot read whether replication slot {} is free ({}); starting the capture, which "
                    + "retries while it is held", config.migration(), captureConfig.slotName(), e.getMessage());
        }
        synchronized (this) {
            if (fenced) {
                throw new IllegalStateException("migration " + config.migration() + ": this instance lost the capture "
                        + "lease; another instance captures now");
            }
            capture = new CaptureEngine(captureConfig);
            capture.start();
        }
    }

    private void backfill(ReplicationSetup replication, Connection target) throws SQLException, InterruptedException {
        log.info("migration {}: starting backfill of {} tables", config.migration(), tables.size());
        if (replication.slotExists()) {
            replication.drop();
        }
        lifecycle.backfillStarting();
        CaptureConfig previous = captureConfig;
        captureConfig = captureConfig.withGeneration(resetState(target));
        try {
            ChangeTopics.delete(previous);
        } catch (IllegalStateException e) {
            log.warn("migration {}: the topics of the previous backfill could not be deleted ({}); they are no longer used",
                    config.migration(), e.getMessage());
        }
        replication.ensurePublication();
        joinState.recreate(target);
        try (Connection source = config.source().connect("tandem-setup")) {
            partitions = PartitionWatch.fresh(config.migration(), source, target, tables);
        }
        try (ExportedSnapshot snapshot = replication.createSlotWithSnapshot()) {
            // Capture starts streaming into Kafka while the copy runs (the applier waits for the
            // backfill), so its start-up is hidden behind the copy.
            restartCapture();
            copyChunks(snapshot.snapshotName(), snapshot.consistentPoint(), false);
        }
        BackfillTables.deriveMerged(target, tables, joinState);
        markBackfillDone(target);
        log.info("migration {}: backfill done, {} rows", config.migration(), rowsBackfilled());
    }

    /**
     * Continues a backfill a crash or stop interrupted while its slot survived: the chunks copied
     * under the first snapshot are kept, the change log is applied up to exactly a new snapshot
     * (so those rows reach its state), and the chunks left are copied under that snapshot and merged
     * into what the target holds; the applier then goes on from the first transaction the new
     * snapshot does not see. A generation whose plan does not cover exactly the mapped tables (killed
     * while planning, or the mapping changed) starts over instead.
     */
    private void resumeBackfill(ReplicationSetup replication, Connection target) throws SQLException, InterruptedException {
        ControlSchema.ensure(target);
        Set<String> planned = ChunkLedger.plannedTables(target, config.migration(), captureConfig.generation());
        Set<String> mapped = BackfillTables.of(tables, joinState).stream().map(CompiledTable::target).collect(Collectors.toSet());
        if (!planned.equals(mapped)) {
            if (!planned.isEmpty()) {
                log.warn("migration {}: the interrupted backfill planned {} but the mapping has {}; starting it over",
                        config.migration(), planned, mapped);
            }
            backfill(replication, target);
            return;
        }
        log.info("migration {}: backfill generation {} was interrupted; resuming it", config.migration(),
                captureConfig.generation());
        lifecycle.backfillStarting();
        restartCapture();
        ApplierConfig applierConfig = config.applier(captureConfig);
        try (ExportedSnapshot snapshot = replication.exportSnapshot();
             Connection source = config.source().connect("tandem-setup")) {
            XidSnapshot seen = XidSnapshot.of(source, snapshot.snapshotName());
            if (!awaitCaptured(replication, source, snapshot.consistentPoint())) {
                log.warn("migration {}: the capture did not confirm reaching {} within {} s; starting the backfill over "
                        + "instead of resuming it", config.migration(), snapshot.consistentPoint(), captureWaitSeconds());
                stopCapture();
                backfill(replication, target);
                return;
            }
            SnapshotCatchUp.apply(applierConfig, tables, seen::sees, SnapshotCatchUp.endOffset(applierConfig));
            copyChunks(snapshot.snapshotName(), snapshot.consistentPoint(), true);
        } catch (SQLException | InterruptedException | RuntimeException e) {
            stopCaptureQuietly(e);
            throw e;
        } catch (IOException e) {
            throw new SQLException("migration " + config.migration() + ": stopping the capture failed: " + e.getMessage(), e);
        }
        BackfillTables.deriveMerged(target, tables, joinState);
        markBackfillDone(target);
        log.info("migration {}: backfill done, {} rows copied after the resume", config.migration(), rowsBackfilled());
    }

    /**
     * Waits until the capture confirmed every change before {@code lsn} (so the change log holds
     * them all); a logical message written after it moves the capture's position on an idle source.
     */
    private boolean awaitCaptured(ReplicationSetup replication, Connection source, String lsn)
            throws SQLException, InterruptedException {
        // Under the fence prefix, so the capture receives it (other prefixes are filtered out); being outside any
        // transaction, it is not carried into the change log.
        try (PreparedStatement nudge = source.prepareStatement("SELECT pg_logical_emit_message(false, ?, ?)")) {
            nudge.setString(1, ChangeEnvelope.FENCE_PREFIX);
            nudge.setString(2, "backfill resume of " + config.migration());
            nudge.execute();
        }
        long target = SnapshotLsn.parse(lsn);
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(captureWaitSeconds());
        while (replication.confirmedFlush() < target) {
            if (capture != null && capture.failure() != null) {
                throw new SQLException("capture of migration " + config.migration() + " failed while resuming the backfill: "
                        + capture.failure().getMessage(), capture.failure());
            }
            if (System.nanoTime() > deadline) {
                return false;
            }
            Thread.sleep(200);
        }
        return true;
    }

    private long captureWaitSeconds() {
        return Math.max(60, 3 * config.captureOffsetFlush().toSeconds());
    }

    private void copyChunks(String snapshotName, String snapshotLsn, boolean merge)
            throws SQLException, InterruptedException {
        Backfill backfill = new Backfill(config.migration(), config.source(), config.target(), config.backfillWorkers(),
                config.backfill(), backfillProgress, load);
        try {
            backfill.run(BackfillTables.of(tables, joinState), captureConfig.generation(), snapshotName, snapshotLsn, merge);
        } catch (SQLException | InterruptedException | RuntimeException e) {
            stopCaptureQuietly(e);
            throw e;
        }
    }

    /** Forgets the last backfill and starts a new generation; returns its number. */
    private int resetState(Connection target) throws SQLException {
        boolean autoCommit = target.getAutoCommit();
        target.setAutoCommit(false);
        try (PreparedStatement backfill = target.prepareStatement("DELETE FROM tandem.backfill WHERE migration = ?");
             PreparedStatement migration = target.prepareStatement("""
                     INSERT INTO tandem.migration AS m (migration, backfill_done) VALUES (?, false)
                     ON CONFLICT (migration) DO UPDATE SET backfill_done = false, generation = m.generation + 1
                     RETURNING generation""")) {
            backfill.setString(1, config.migration());
            backfill.executeUpdate();
            migration.setString(1, config.migration());
            int generation;
            try (ResultSet rs = migration.executeQuery()) {
                rs.next();
                generation = rs.getInt(1);
            }
            AppliedPositions.reset(target, config.migration());
            target.commit();
            return generation;
        } finally {
            target.setAutoCommit(autoCommit);
        }
    }

    /** The current backfill generation (1 when the migration has none yet). */
    static int generation(Connection target, String migration) throws SQLException {
        try (PreparedStatement ps = target.prepareStatement("SELECT generation FROM tandem.migration WHERE migration = ?")) {
            ps.setString(1, migration);
            try (ResultSet rs = ps.executeQuery()) {
                return rs.next() ? rs.getInt(1) : 1;
            }
        }
    }

    static boolean backfillDone(Connection target, String migration) throws SQLException {
        try (PreparedStatement ps = target.prepareStatement("SELECT backfill_done FROM tandem.migration WHERE migration = ?")) {
            ps.setString(1, migration);
            try (ResultSet rs = ps.executeQuery()) {
                return rs.next() && rs.getBoolean(1);
            }
        }
    }

    private void markBackfillDone(Connection target) throws SQLException {
        try (PreparedStatement ps = target.prepareStatement("UPDATE tandem.migration SET backfill_done = true WHERE migration = ?")) {
            ps.setString(1, config.migration());
            ps.executeUpdate();
        }
    }

    public List<CompiledTable> tables() {
        return tables;
    }

    /** Rows the backfill copied in this process (chunks an earlier run committed are not counted). */
    public long rowsBackfilled() {
        return backfillProgress.rowsCopiedThisRun();
    }

    /** Per-table and overall backfill progress: rows, estimate, chunks, rate, ETA. */
    public BackfillProgress backfillProgress() {
        return backfillProgress;
    }

    /**
     * While {@link #start} creates a slot (the migration's, or the temporary one of a resumed backfill): the
     * transactions on the source it waits for, as last checked (every second). Empty otherwise.
     */
    public List<OpenTransaction> slotCreationWaits() {
        ReplicationSetup setup = replication;
        return setup == null ? List.of() : setup.slotCreationWaits();
    }

    /** WAL bytes the migration's slot retained at the last check (every 2 s), or -1 when unknown. */
    public long slotWalRetainedBytes() {
        return load == null ? -1 : load.retainedWalBytes();
    }

    /** How often the backfill paused because the source was over a load threshold, and the last reason. */
    public SourceLoad sourceLoad() {
        return load;
    }

    public ApplyStats applyStats() {
        return applier == null ? null : applier.stats();
    }

    public long envelopesCaptured() {
        return capture == null ? 0 : capture.envelopesWritten();
    }

    /** The first failure of capture or apply, or null while both are healthy. */
    public Throwable failure() {
        if (slotFailure != null) {
            return slotFailure;
        }
        if (capture != null && capture.failure() != null) {
            return capture.failure();
        }
        return applier == null ? null : applier.failure();
    }

    /** Stops capture first, then the applier, each waiting for its work in flight. */
    @Override
    public void close() throws IOException, InterruptedException {
        if (slotWatch != null) {
            slotWatch.shutdownNow();
        }
        if (load != null) {
            try {
                load.close();
            } catch (SQLException e) {
                log.warn("migration {}: closing the load-watch session failed: {}", config.migration(), e.getMessage(), e);
            }
        }
        try {
            stopCapture();
        } finally {
            stopApplier();
        }
    }
}
