package dev.tandem.deploy.bench;

import static dev.tandem.capture.SqlIdentifiers.quote;
import static dev.tandem.capture.SqlIdentifiers.quoteQualified;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Steady state: single-row transactions at a fixed rate; each row carries the source time it was
 * written ({@code written_at}) and a trigger on the target stamps when it was written there
 * ({@code visible_at}); the latency is the difference, both read from the same machine's clock.
 */
final class SteadyBench {

    private static final Logger log = LoggerFactory.getLogger(SteadyBench.class);

    private static final Duration START_TIMEOUT = Duration.ofSeconds(120);
    private static final Duration DRAIN_TIMEOUT = Duration.ofSeconds(120);
    private static final long PROBE_KEY = -1;

    /** Commit-to-visible latency of the measured rows of one side of one run. */
    record Side(double p50Ms, double p95Ms, double p99Ms, double maxMs, long rows, double achievedRate) {
    }

    record Run(Side tandem, Side nativeReplication) {
    }

    private final BenchServers servers;
    private final BenchSettings settings;

    SteadyBench(BenchServers servers, BenchSettings settings) {
        this.servers = servers;
        this.settings = settings;
    }

    List<Run> runAll() throws Exception {
        List<Run> runs = new ArrayList<>();
        for (int run = 1; run <= settings.runs(); run++) {
            int current = run;
            Alternating.Pair<Side> sides = Alternating.run(run,
                    () -> measure(TandemReplication.create(servers, "steady_" + current, true), current),
                    () -> measure(NativeReplication.create(servers, "steady_" + current, true), current));
            Side tandem = sides.tandem();
            Side nativeSide = sides.baseline();
            runs.add(new Run(tandem, nativeSide));
            log.info("steady run {}/{}: p99 tandem {} ms, native {} ms", run, settings.runs(),
                    String.format("%.1f", tandem.p99Ms()), String.format("%.1f", nativeSide.p99Ms()));
        }
        return runs;
    }

    private Side measure(Replication replication, int run) throws Exception {
        try (replication) {
            replication.start();
            BulkWorkload.writeMarker(replication.source(), PROBE_KEY);
            Visibility.awaitKey(replication, PROBE_KEY, START_TIMEOUT);
            SteadyWorkload workload = new SteadyWorkload(replication.source(), settings.steadyRate(),
                    settings.steadyWarmup(), settings.steadyDuration());
            log.info("steady run {}: {} streaming; {} transactions/s for {} s (+{} s warm-up)", run, replication.name(),
                    settings.steadyRate(), settings.steadyDuration().toSeconds(), settings.steadyWarmup().toSeconds());
            double achieved = workload.run();
            Visibility.awaitRows(replication, workload.totalRows(), DRAIN_TIMEOUT);
            return latencies(replication, workload.warmupRows(), achieved);
        }
    }

    private static Side latencies(Replication replication, long warmupRows, double achievedRate) throws Exception {
        String sql = "SELECT count(*), percentile_cont(0.5) WITHIN GROUP (ORDER BY ms),"
                + " percentile_cont(0.95) WITHIN GROUP (ORDER BY ms), percentile_cont(0.99) WITHIN GROUP (ORDER BY ms),"
                + " max(ms) FROM (SELECT extract(epoch FROM visible_at - written_at) * 1000 AS ms FROM "
                + quoteQualified(replication.targetTable()) + " WHERE " + quote(replication.targetKey()) + " > ?) s";
        try (Connection c = replication.target().connect("tandem-bench");
             PreparedStatement ps = c.prepareStatement(sql)) {
            ps.setLong(1, warmupRows);
            try (ResultSet rs = ps.executeQuery()) {
                rs.next();
                return new Side(rs.getDouble(2), rs.getDouble(3), rs.getDouble(4), rs.getDouble(5), rs.getLong(1),
                        achievedRate);
            }
        }
    }
}
