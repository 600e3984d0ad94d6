package dev.tandem.deploy.bench;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Bulk sync: inserts in 1000-row transactions, then updates, written while replication runs; the rate
 * is all rows over the time from the first write until a marker written last is visible on the target.
 * tandem and native replication run one after the other in each run, in alternating order.
 */
final class SyncBench {

    private static final Logger log = LoggerFactory.getLogger(SyncBench.class);

    private static final Duration START_TIMEOUT = Duration.ofSeconds(120);
    private static final long PROBE_KEY = -1;
    private static final long MARKER_KEY = 0;
    private static final long SAMPLE_MS = 100;

    /** One side of one run. {@code captureSeconds}, {@code envelopes} and {@code cpuSeconds} are measured for tandem only. */
    record Side(double rowsPerSecond, double seconds, double writerSeconds, Double captureSeconds, Long envelopes,
                Double cpuSeconds) {
    }

    /** One run: both sides and their ratio. */
    record Run(Side tandem, Side nativeReplication) {
        double ratio() {
            return tandem.rowsPerSecond() / nativeReplication.rowsPerSecond();
        }
    }

    private final BenchServers servers;
    private final BenchSettings settings;
    private final ResourceMeter meter;

    SyncBench(BenchServers servers, BenchSettings settings, ResourceMeter meter) {
        this.servers = servers;
        this.settings = settings;
        this.meter = meter;
    }

    List<Run> runAll() throws Exception {
        List<Run> runs = new ArrayList<>();
        for (int run = 1; run <= settings.runs(); run++) {
            int current = run;
            Alternating.Pair<Side> sides = Alternating.run(run,
                    () -> measure(TandemReplication.create(servers, "sync_" + current, false, settings.syncOrdering()), current),
                    () -> measure(NativeReplication.create(servers, "sync_" + current, false), current));
            Side tandem = sides.tandem();
            Side nativeSide = sides.baseline();
            runs.add(new Run(tandem, nativeSide));
            log.info("sync run {}/{}: tandem {} rows/s, native {} rows/s, ratio {}", run, settings.runs(),
                    Math.round(tandem.rowsPerSecond()), Math.round(nativeSide.rowsPerSecond()),
                    String.format("%.3f", tandem.rowsPerSecond() / nativeSide.rowsPerSecond()));
        }
        return runs;
    }

    private Side measure(Replication replication, int run) throws Exception {
        long rows = settings.syncRows() + settings.updateRows();
        Duration timeout = Duration.ofSeconds(120 + rows / 500);
        try (replication) {
            replication.start();
            BulkWorkload.writeMarker(replication.source(), PROBE_KEY);
            Visibility.awaitKey(replication, PROBE_KEY, START_TIMEOUT);
            BenchServers.checkpoint(replication.source());
            BenchServers.checkpoint(replication.target());
            log.info("sync run {}: {} streaming; writing {} inserts and {} updates", run, replication.name(),
                    settings.syncRows(), settings.updateRows());

            StageSampler sampler = replication instanceof TandemReplication tandem ? new StageSampler(tandem) : null;
            double cpuBefore = meter.cpuSeconds();
            long started = System.nanoTime();
            if (sampler != null) {
                sampler.start(started);
            }
            double writerSeconds = new BulkWorkload(replication.source(), settings.syncRows(), settings.updateRows()).run();
            BulkWorkload.writeMarker(replication.source(), MARKER_KEY);
            Visibility.awaitKey(replication, MARKER_KEY, timeout);
            replication.awaitApplied(timeout);
            double seconds = (System.nanoTime() - started) / 1e9;
            double cpu = meter.cpuSeconds() - cpuBefore;
            if (sampler == null) {
                return new Side(rows / seconds, seconds, writerSeconds, null, null, null);
            }
            sampler.stop();
            return new Side(rows / seconds, seconds, writerSeconds, sampler.captureDoneSeconds(), sampler.finalEnvelopes(),
                    cpu);
        }
    }

    /**
     * Samples tandem's capture counter while a run is measured, to tell when capture had written
     * everything to Kafka (versus when the applier had applied it).
     */
    private static final class StageSampler {

        private final TandemReplication tandem;
        private final List<long[]> samples = new ArrayList<>();
        private final ScheduledExecutorService timer = Executors.newSingleThreadScheduledExecutor(r -> {
            Thread t = new Thread(r, "tandem-bench-sampler");
            t.setDaemon(true);
            return t;
        });
        private long started;
        private long lastLog;

        StageSampler(TandemReplication tandem) {
            this.tandem = tandem;
        }

        void start(long startedNanos) {
            started = startedNanos;
            long baseline = tandem.envelopesCaptured();
            timer.scheduleAtFixedRate(() -> sample(baseline), 0, SAMPLE_MS, TimeUnit.MILLISECONDS);
        }

        private synchronized void sample(long baseline) {
            long now = System.nanoTime();
            samples.add(new long[] {now - started, tandem.envelopesCaptured() - baseline, tandem.changesApplied()});
            if (now - lastLog > TimeUnit.SECONDS.toNanos(5)) {
                lastLog = now;
                log.info("  tandem: {} envelopes captured, {} changes applied", tandem.envelopesCaptured() - baseline,
                        tandem.changesApplied());
            }
        }

        void stop() throws InterruptedException {
            timer.shutdown();
            timer.awaitTermination(5, TimeUnit.SECONDS);
        }

        synchronized long finalEnvelopes() {
            return samples.isEmpty() ? 0 : samples.get(samples.size() - 1)[1];
        }

        /** When the capture counter first reached its final value, in seconds since the run started. */
        synchronized Double captureDoneSeconds() {
            long last = finalEnvelopes();
            for (long[] s : samples) {
                if (s[1] >= last) {
                    return s[0] / 1e9;
                }
            }
            return null;
        }
    }
}
