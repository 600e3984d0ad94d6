package dev.tandem.deploy.run;

import dev.tandem.deploy.StopSignal;
import dev.tandem.sync.pipeline.ApplierInstance;
import dev.tandem.sync.pipeline.PipelineConfig;
import java.time.Duration;
import java.util.concurrent.TimeoutException;

/**
 * {@code tandem run --apply-only}: joins a per-key migration that another {@code tandem run} backfills and captures,
 * with more appliers, until stopped. Exit codes: 0 stopped, 1 failed, 2 not a per-key migration.
 */
final class ApplyOnlyRun {

    private static final Duration BACKFILL_PATIENCE = Duration.ofHours(24);
    private static final Duration CHECK_INTERVAL = Duration.ofMillis(500);

    private ApplyOnlyRun() {
    }

    static int run(PipelineConfig config, Duration duration) throws InterruptedException {
        System.out.println("tandem run --apply-only: migration " + config.migration() + ", " + config.ordering() + " ordering");
        try (StopSignal stop = StopSignal.install();
             ApplierInstance appliers = ApplierInstance.start(config, BACKFILL_PATIENCE)) {
            System.out.println("applying the partitions Kafka gives this instance; stop with Ctrl-C");
            long deadline = duration == null ? Long.MAX_VALUE : System.nanoTime() + duration.toNanos();
            while (appliers.failure() == null && System.nanoTime() < deadline && !stop.await(CHECK_INTERVAL)) {
                // the appliers run on their own threads; this thread only waits for a stop or a failure
            }
            if (appliers.failure() != null) {
                System.err.println("migration " + config.migration() + " stopped: " + appliers.failure().getMessage());
                return 1;
            }
            System.out.println("stopping: " + appliers.stats().changesApplied() + " changes applied by this instance; its "
                    + "partitions move to the other instances");
            return 0;
        } catch (IllegalArgumentException e) {
            System.err.println(e.getMessage());
            return 2;
        } catch (TimeoutException | IllegalStateException e) {
            System.err.println("migration " + config.migration() + " cannot start its appliers: " + e.getMessage());
            return 1;
        }
    }
}
