package dev.tandem.sync.pipeline;

import dev.tandem.sync.apply.ApplyStats;
import dev.tandem.sync.apply.ChangeApplier;
import dev.tandem.sync.control.ControlSchema;
import dev.tandem.sync.mapping.CompiledTable;
import dev.tandem.sync.mapping.MappingCompiler;
import java.sql.Connection;
import java.sql.SQLException;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeoutException;

/**
 * More appliers for a per-key migration that another instance runs ({@code tandem run --apply-only}): no backfill and
 * no capture, only this instance's members of the consumer group over the keyed change log (and a standby router),
 * started once the migration's backfill is done. Kafka shares the partitions out among every instance's appliers.
 */
public final class ApplierInstance implements AutoCloseable {

    private static final long POLL_MILLIS = 1_000;

    private final ApplySide side;

    private ApplierInstance(ApplySide side) {
        this.side = side;
    }

    /**
     * Waits up to {@code patience} for the migration's backfill to be done (by the instance that runs it), then starts
     * {@code config.ordering().workers()} appliers; returns once they run. A database that cannot be read is an
     * {@link IllegalStateException} naming it, so callers outside {@code sync} need no JDBC.
     */
    public static ApplierInstance start(PipelineConfig config, Duration patience)
            throws InterruptedException, TimeoutException {
        try {
            return startReading(config, patience);
        } catch (SQLException e) {
            throw new IllegalStateException("cannot read migration " + config.migration() + "'s state and mapping from "
                    + config.source() + " and " + config.target() + ": " + e.getMessage(), e);
        }
    }

    private static ApplierInstance startReading(PipelineConfig config, Duration patience)
            throws SQLException, InterruptedException, TimeoutException {
        if (!config.ordering().perKey()) {
            throw new IllegalArgumentException("migration " + config.migration() + " applies in transactional ordering, "
                    + "where one applier applies everything in commit order and another could only stand by: set "
                    + "sync.ordering: per-key to share the apply across instances");
        }
        long deadline = System.nanoTime() + patience.toNanos();
        List<CompiledTable> tables;
        int generation;
        try (Connection source = config.source().connect("tandem-setup");
             Connection target = config.target().connect("tandem-setup")) {
            tables = MappingCompiler.compile(config.mapping(), source, target);
            ApplySide.check(config, target, tables);
            ControlSchema.ensure(target);
            while (!Pipeline.backfillDone(target, config.migration())) {
                if (System.nanoTime() > deadline) {
                    throw new TimeoutException("migration " + config.migration() + " has not finished its backfill within "
                            + patience.toSeconds() + " s: start `tandem run` without --apply-only first (it backfills and "
                            + "captures), then add appliers");
                }
                Thread.sleep(POLL_MILLIS);
            }
            generation = Pipeline.generation(target, config.migration());
        }
        return new ApplierInstance(ApplySide.start(config, config.capture().withGeneration(generation), tables));
    }

    public ApplyStats stats() {
        return side.stats();
    }

    /** The first failure of this instance's router or appliers, or null while they run. */
    public Throwable failure() {
        return side.failure();
    }

    /** Partitions each applier of this instance holds now. */
    public List<List<Integer>> partitions() {
        return side.appliers().stream().map(ChangeApplier::partitions).toList();
    }

    @Override
    public void close() throws InterruptedException {
        side.close();
    }
}
