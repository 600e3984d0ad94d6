package dev.tandem.deploy.bench;

import dev.tandem.capture.ChangeTopics;
import dev.tandem.capture.PgDatabase;
import dev.tandem.capture.replication.ReplicationSetup;
import dev.tandem.sync.fence.SourceFence;
import dev.tandem.sync.pipeline.Pipeline;
import dev.tandem.sync.pipeline.PipelineConfig;
import dev.tandem.sync.route.Ordering;
import java.sql.Connection;
import java.sql.SQLException;
import java.time.Duration;

/** tandem's pipeline (capture → Kafka → applier) from {@code legacy.item} on the source instance to {@code app.item} on the target. */
final class TandemReplication implements Replication {

    private static final long SLOT_RELEASE_WAIT_MS = 15_000;

    private final PipelineConfig config;
    private Pipeline pipeline;

    private TandemReplication(PipelineConfig config) {
        this.config = config;
    }

    /** Creates both databases and tables; {@code stampVisibility} adds the {@code visible_at} trigger on the target. */
    static TandemReplication create(BenchServers servers, String tag, boolean stampVisibility) throws SQLException {
        return create(servers, tag, stampVisibility, Ordering.TRANSACTIONAL);
    }

    /** As {@link #create(BenchServers, String, boolean)}, applying with {@code ordering}. */
    static TandemReplication create(BenchServers servers, String tag, boolean stampVisibility, Ordering ordering)
            throws SQLException {
        PgDatabase source = servers.sourceDatabase("tandem_src_" + tag);
        PgDatabase target = servers.targetDatabase("tandem_dst_" + tag);
        try (Connection c = source.connect("tandem-bench")) {
            BenchTable.createSource(c);
        }
        try (Connection c = target.connect("tandem-bench")) {
            BenchTable.createTandemTarget(c);
            if (stampVisibility) {
                BenchTable.stampVisibility(c, BenchTable.TARGET);
            }
        }
        return new TandemReplication(new PipelineConfig("bench_" + tag, source, target, BenchTable.mapping(),
                servers.bootstrapServers()).withOrdering(ordering));
    }

    @Override
    public void awaitApplied(Duration timeout) throws Exception {
        if (config.ordering().perKey()) {
            new SourceFence(config.migration(), config.source(), config.target()).await(timeout);
        }
    }

    @Override
    public String name() {
        return "tandem";
    }

    @Override
    public PgDatabase source() {
        return config.source();
    }

    @Override
    public PgDatabase target() {
        return config.target();
    }

    @Override
    public String targetTable() {
        return BenchTable.TARGET;
    }

    @Override
    public String targetKey() {
        return BenchTable.TARGET_KEY;
    }

    @Override
    public void start() throws SQLException, InterruptedException {
        pipeline = new Pipeline(config);
        pipeline.start();
    }

    /** Envelopes capture has written to Kafka (changes plus transaction BEGIN/COMMIT markers). */
    long envelopesCaptured() {
        return pipeline == null ? 0 : pipeline.envelopesCaptured();
    }

    /** Row changes the applier has committed to the target. */
    long changesApplied() {
        return pipeline == null || pipeline.applyStats() == null ? 0 : pipeline.applyStats().changesApplied();
    }

    /** Changes of the source transaction being applied that the applier has written but not yet committed. */
    long openTransactionChanges() {
        return pipeline == null || pipeline.applyStats() == null ? 0 : pipeline.applyStats().changesInOpenTransaction();
    }

    @Override
    public Throwable failure() {
        return pipeline == null ? null : pipeline.failure();
    }

    @Override
    public void close() throws Exception {
        if (pipeline != null) {
            pipeline.close();
        }
        dropSlot(new ReplicationSetup(config.capture()));
        ChangeTopics.delete(config.capture());
        BenchServers.drop(config.source());
        BenchServers.drop(config.target());
    }

    /** The walsender may hold the slot for a moment after capture stopped. */
    private static void dropSlot(ReplicationSetup replication) throws SQLException, InterruptedException {
        long deadline = System.currentTimeMillis() + SLOT_RELEASE_WAIT_MS;
        while (true) {
            try {
                replication.drop();
                return;
            } catch (SQLException e) {
                if (System.currentTimeMillis() > deadline) {
                    throw e;
                }
                Thread.sleep(250);
            }
        }
    }
}
