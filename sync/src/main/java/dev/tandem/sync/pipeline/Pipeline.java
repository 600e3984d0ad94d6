package dev.tandem.sync.pipeline;

import dev.tandem.capture.CaptureConfig;
import dev.tandem.capture.ChangeTopics;
import dev.tandem.capture.debezium.CaptureEngine;
import dev.tandem.capture.replication.ExportedSnapshot;
import dev.tandem.capture.replication.ReplicationSetup;
import dev.tandem.sync.apply.ApplyStats;
import dev.tandem.sync.apply.ChangeApplier;
import dev.tandem.sync.backfill.SnapshotCopier;
import dev.tandem.sync.control.AppliedPositions;
import dev.tandem.sync.control.ControlSchema;
import dev.tandem.sync.mapping.CompiledTable;
import dev.tandem.sync.mapping.MappingCompiler;
import java.io.IOException;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Runs one migration forward: backfill under an exported snapshot when the migration has none
 * yet, then capture (legacy → Kafka) and apply (Kafka → new schema) until closed.
 *
 * <p>The phase is derived from durable state on every start: a migration whose slot is gone or
 * whose backfill did not finish starts its backfill over, so the stream never continues past a gap.
 */
public final class Pipeline implements AutoCloseable {

    private static final Logger log = LoggerFactory.getLogger(Pipeline.class);
    private static final long SLOT_CHECK_SECONDS = 2;

    private final PipelineConfig config;
    private final AtomicLong rowsBackfilled = new AtomicLong();
    private List<CompiledTable> tables = List.of();
    private CaptureConfig captureConfig;
    private CaptureEngine capture;
    private ChangeApplier applier;
    private Thread applierThread;
    private ScheduledExecutorService slotWatch;
    private volatile Throwable slotFailure;

    public Pipeline(PipelineConfig config) {
        this.config = config;
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
        ReplicationSetup replication = new ReplicationSetup(config.capture());
        try (Connection source = config.source().connect("tandem-setup");
             Connection target = config.target().connect("tandem-setup")) {
            tables = MappingCompiler.compile(config.mapping(), source, target);
            ControlSchema.ensure(target);
            captureConfig = config.capture().withGeneration(generation(target));
            String invalidated = replication.invalidation();
            if (invalidated != null && !startOver) {
                throw new SlotLostException(lostMessage(invalidated));
            }
            if (startOver || !backfillDone(target) || !replication.slotExists()) {
                backfill(replication, target);
            } else {
                log.info("migration {}: backfill already done, resuming the stream", config.migration());
                restartCapture();
            }
        }
        startApplier();
        watchSlot(replication);
    }

    /**
     * Checks every few seconds that the slot still exists and is valid; if not, stops capture
     * and apply with the reason rather than stream past a gap (Debezium would create a new slot).
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
                if (problem != null && slotFailure == null) {
                    slotFailure = new SlotLostException(lostMessage(problem));
                    log.error("{}", slotFailure.getMessage());
                    stopCapture();
                    stopApplier();
                    slotWatch.shutdown();
                }
            } catch (SQLException e) {
                log.warn("migration {}: cannot check the replication slot ({}); will retry", config.migration(), e.getMessage());
            } catch (IOException | RuntimeException e) {
                log.warn("migration {}: stopping after a lost slot failed: {}", config.migration(), e.getMessage(), e);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }, SLOT_CHECK_SECONDS, SLOT_CHECK_SECONDS, TimeUnit.SECONDS);
    }

    private String lostMessage(String problem) {
        return "migration " + config.migration() + ": " + problem + "; run it again with --rebackfill to drop the slot and "
                + "copy the tables anew (and raise max_slot_wal_keep_size on the legacy server so it does not recur)";
    }

    /** (Re)starts the applier alone, e.g. after it was stopped; it resumes from the stored position. */
    public void startApplier() {
        applier = new ChangeApplier(config.applier(captureConfig), tables);
        applierThread = new Thread(applier, "tandem-applier-" + config.migration());
        applierThread.start();
    }

    /** Stops the applier and waits for it; the capture keeps running. */
    public void stopApplier() throws InterruptedException {
        if (applier != null) {
            applier.close();
            applierThread.join(TimeUnit.SECONDS.toMillis(30));
        }
    }

    /** Stops capture alone (its offsets are flushed); {@link #restartCapture()} resumes it. */
    public void stopCapture() throws IOException {
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

    /** Starts capture on the existing slot; it resumes from its offsets. */
    public void restartCapture() {
        capture = new CaptureEngine(captureConfig);
        capture.start();
    }

    private void backfill(ReplicationSetup replication, Connection target) throws SQLException, InterruptedException {
        log.info("migration {}: starting backfill of {} tables", config.migration(), tables.size());
        if (replication.slotExists()) {
            replication.drop();
        }
        CaptureConfig previous = captureConfig;
        captureConfig = captureConfig.withGeneration(resetState(target));
        try {
            ChangeTopics.delete(previous);
        } catch (IllegalStateException e) {
            log.warn("migration {}: the topics of the previous backfill could not be deleted ({}); they are no longer used",
                    config.migration(), e.getMessage());
        }
        replication.ensurePublication();
        SnapshotCopier copier = new SnapshotCopier(config.migration(), config.source(), config.target());
        ExecutorService workers = Executors.newFixedThreadPool(Math.min(config.backfillWorkers(), tables.size()));
        try (ExportedSnapshot snapshot = replication.createSlotWithSnapshot()) {
            // Capture starts streaming into Kafka while the copy runs (the applier waits for the
            // backfill), so its start-up is hidden behind the copy.
            restartCapture();
            List<Future<Long>> copies = new ArrayList<>();
            for (CompiledTable table : tables) {
                copies.add(workers.submit(() -> copier.copy(table, snapshot.snapshotName(), snapshot.consistentPoint(),
                        rowsBackfilled)));
            }
            for (Future<Long> copy : copies) {
                copy.get();
            }
        } catch (ExecutionException e) {
            stopCaptureQuietly(e);
            throw new SQLException("backfill of migration " + config.migration() + " failed: " + e.getCause().getMessage()
                    + "; restart it to copy again from a new snapshot", e.getCause());
        } finally {
            workers.shutdownNow();
        }
        markBackfillDone(target);
        log.info("migration {}: backfill done, {} rows", config.migration(), rowsBackfilled.get());
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
    private int generation(Connection target) throws SQLException {
        try (PreparedStatement ps = target.prepareStatement("SELECT generation FROM tandem.migration WHERE migration = ?")) {
            ps.setString(1, config.migration());
            try (ResultSet rs = ps.executeQuery()) {
                return rs.next() ? rs.getInt(1) : 1;
            }
        }
    }

    private boolean backfillDone(Connection target) throws SQLException {
        try (PreparedStatement ps = target.prepareStatement("SELECT backfill_done FROM tandem.migration WHERE migration = ?")) {
            ps.setString(1, config.migration());
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

    public long rowsBackfilled() {
        return rowsBackfilled.get();
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
        try {
            stopCapture();
        } finally {
            stopApplier();
        }
    }
}
