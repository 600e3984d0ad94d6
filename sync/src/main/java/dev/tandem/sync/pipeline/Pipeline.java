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

    private final PipelineConfig config;
    private final AtomicLong rowsBackfilled = new AtomicLong();
    private List<CompiledTable> tables = List.of();
    private CaptureEngine capture;
    private ChangeApplier applier;
    private Thread applierThread;

    public Pipeline(PipelineConfig config) {
        this.config = config;
    }

    /** Validates the mappings, backfills when needed and starts streaming; returns once streaming runs. */
    public void start() throws SQLException, InterruptedException {
        CaptureConfig captureConfig = config.capture();
        ReplicationSetup replication = new ReplicationSetup(captureConfig);
        try (Connection source = config.source().connect("tandem-setup");
             Connection target = config.target().connect("tandem-setup")) {
            tables = MappingCompiler.compile(config.mapping(), source, target);
            ControlSchema.ensure(target);
            if (!backfillDone(target) || !replication.slotExists()) {
                backfill(replication, captureConfig, target);
            } else {
                log.info("migration {}: backfill already done, resuming the stream", config.migration());
                restartCapture();
            }
        }
        startApplier();
    }

    /** (Re)starts the applier alone, e.g. after it was stopped; it resumes from the stored position. */
    public void startApplier() {
        applier = new ChangeApplier(config.applier(), tables);
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
        capture = new CaptureEngine(config.capture());
        capture.start();
    }

    private void backfill(ReplicationSetup replication, CaptureConfig captureConfig, Connection target)
            throws SQLException, InterruptedException {
        log.info("migration {}: starting backfill of {} tables", config.migration(), tables.size());
        if (replication.slotExists()) {
            replication.drop();
        }
        ChangeTopics.delete(captureConfig);
        resetState(target);
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

    private void resetState(Connection target) throws SQLException {
        boolean autoCommit = target.getAutoCommit();
        target.setAutoCommit(false);
        try (PreparedStatement backfill = target.prepareStatement("DELETE FROM tandem.backfill WHERE migration = ?");
             PreparedStatement migration = target.prepareStatement("""
                     INSERT INTO tandem.migration (migration, backfill_done) VALUES (?, false)
                     ON CONFLICT (migration) DO UPDATE SET backfill_done = false""")) {
            backfill.setString(1, config.migration());
            backfill.executeUpdate();
            migration.setString(1, config.migration());
            migration.executeUpdate();
            new AppliedPositions(config.migration(), config.capture().changeTopic()).reset(target);
            target.commit();
        } finally {
            target.setAutoCommit(autoCommit);
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
        if (capture != null && capture.failure() != null) {
            return capture.failure();
        }
        return applier == null ? null : applier.failure();
    }

    /** Stops capture first, then the applier, each waiting for its work in flight. */
    @Override
    public void close() throws IOException, InterruptedException {
        try {
            stopCapture();
        } finally {
            stopApplier();
        }
    }
}
