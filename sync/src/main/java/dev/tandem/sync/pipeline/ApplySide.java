package dev.tandem.sync.pipeline;

import dev.tandem.capture.CaptureConfig;
import dev.tandem.capture.ChangeTopics;
import dev.tandem.sync.apply.ApplierConfig;
import dev.tandem.sync.apply.ApplyStats;
import dev.tandem.sync.apply.ChangeApplier;
import dev.tandem.sync.control.AppliedPositions;
import dev.tandem.sync.mapping.CompiledTable;
import dev.tandem.sync.route.KeyRouting;
import dev.tandem.sync.route.Ordering;
import dev.tandem.sync.route.StreamsRouter;
import java.sql.Connection;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * The apply side of a pipeline in this instance: in transactional ordering one applier over the ordered change
 * log; in per-key ordering a Kafka Streams router (its task active in one instance at a time) and {@code workers}
 * appliers that share the keyed change log's partitions with the other instances' appliers.
 */
final class ApplySide implements AutoCloseable {

    private final ApplyStats stats = new ApplyStats();
    private final List<ChangeApplier> appliers = new ArrayList<>();
    private final List<Thread> threads = new ArrayList<>();
    private StreamsRouter router;

    private ApplySide() {
    }

    /**
     * Refuses, before anything is copied, a mapping the ordering cannot keep in order (per-key: a merge whose rows
     * cannot share a partition). Foreign keys between mapped tables are accepted in both orderings: tandem's writers
     * run with {@code session_replication_role = replica}, so a row may land before the row it references, and the
     * switch's gate proves no row is left orphaned once the stream is drained.
     */
    static void check(PipelineConfig config, Connection target, List<CompiledTable> tables) throws SQLException {
        if (config.ordering().perKey()) {
            KeyRouting.of(tables);
        }
    }

    /** Starts applying what {@code capture} writes, per {@code config}'s ordering (after {@link #check}); returns at once. */
    static ApplySide start(PipelineConfig config, CaptureConfig capture, List<CompiledTable> tables) throws SQLException {
        ApplySide side = new ApplySide();
        ApplierConfig ordered = config.applier(capture);
        Ordering ordering = config.ordering();
        if (!ordering.perKey()) {
            side.run(new ChangeApplier(ordered, tables, side.stats), "tandem-applier-" + config.migration());
            return side;
        }
        KeyRouting routing = KeyRouting.of(tables);
        ChangeTopics.ensureKeyed(capture, ordering.partitions());
        long routeFrom;
        try (Connection target = config.target().connect("tandem-setup")) {
            AppliedPositions.LogPosition applied = AppliedPositions.logPosition(target, config.migration());
            routeFrom = applied != null && applied.topic().equals(capture.changeTopic()) ? applied.offset() : 0;
        }
        side.router = StreamsRouter.start(config.migration(), config.bootstrapServers(), capture.replication(),
                capture.changeTopic(),
                capture.keyedChangeTopic(), ordering.partitions(), routing, routeFrom);
        ApplierConfig keyed = ordered.perKey(capture.keyedChangeTopic(), ordering);
        for (int i = 0; i < ordering.workers(); i++) {
            side.run(new ChangeApplier(keyed, tables, side.stats), "tandem-applier-" + config.migration() + "-" + i);
        }
        return side;
    }

    private void run(ChangeApplier applier, String name) {
        appliers.add(applier);
        start(applier, name);
    }

    private void start(Runnable work, String name) {
        Thread thread = new Thread(work, name);
        threads.add(thread);
        thread.start();
    }

    /** Counts of every applier of this instance. */
    ApplyStats stats() {
        return stats;
    }

    /** The first failure of the router or an applier, or null while all run. */
    Throwable failure() {
        if (router != null && router.failure() != null) {
            return router.failure();
        }
        return appliers.stream().map(ChangeApplier::failure).filter(f -> f != null).findFirst().orElse(null);
    }

    /** Appliers of this instance (per-key: each holds the partitions the group gave it). */
    List<ChangeApplier> appliers() {
        return List.copyOf(appliers);
    }

    /** Stops the router and the appliers, each after its work in flight, and waits for them. */
    @Override
    public void close() throws InterruptedException {
        if (router != null) {
            router.close();
        }
        appliers.forEach(ChangeApplier::close);
        for (Thread thread : threads) {
            thread.join(TimeUnit.SECONDS.toMillis(30));
        }
    }
}
