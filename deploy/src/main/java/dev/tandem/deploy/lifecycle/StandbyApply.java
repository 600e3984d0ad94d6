package dev.tandem.deploy.lifecycle;

import dev.tandem.sync.apply.ApplyStats;
import dev.tandem.sync.pipeline.ApplierInstance;
import dev.tandem.sync.pipeline.PipelineConfig;
import java.time.Duration;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicReference;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A standby's share of a per-key migration: its appliers (and router) in the consumer groups over the change logs,
 * started on a thread of their own once the leader's backfill is done, so the standby waits without blocking its
 * supervisor.
 */
final class StandbyApply implements AutoCloseable {

    private static final Logger log = LoggerFactory.getLogger(StandbyApply.class);
    private static final Duration BACKFILL_PATIENCE = Duration.ofDays(365);

    private final Thread starter;
    private final AtomicReference<ApplierInstance> appliers = new AtomicReference<>();
    private final AtomicReference<Throwable> failure = new AtomicReference<>();
    private volatile boolean closing;

    private StandbyApply(PipelineConfig config) {
        starter = new Thread(() -> {
            try {
                ApplierInstance started = ApplierInstance.start(config, BACKFILL_PATIENCE);
                appliers.set(started);
                if (closing && appliers.compareAndSet(started, null)) {
                    started.close();
                } else {
                    log.info("migration {}: standby appliers run (per-key ordering)", config.migration());
                }
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt(); // closed while waiting for the backfill: nothing started
            } catch (TimeoutException | RuntimeException e) {
                failure.set(e);
            }
        }, "tandem-standby-apply-" + config.migration());
        starter.setDaemon(true);
    }

    /** Starts joining the apply of {@code config}'s per-key migration; returns at once. */
    static StandbyApply start(PipelineConfig config) {
        StandbyApply standby = new StandbyApply(config);
        standby.starter.start();
        return standby;
    }

    /** The first failure of the appliers or of their start, or null. */
    Throwable failure() {
        ApplierInstance running = appliers.get();
        return failure.get() != null ? failure.get() : running == null ? null : running.failure();
    }

    /** What this instance's appliers applied, or null before they run. */
    ApplyStats stats() {
        ApplierInstance running = appliers.get();
        return running == null ? null : running.stats();
    }

    /** Stops the appliers (their partitions move to the other instances) or the wait for the backfill. */
    @Override
    public void close() throws InterruptedException {
        closing = true;
        starter.interrupt();
        starter.join(Duration.ofSeconds(30).toMillis());
        ApplierInstance running = appliers.getAndSet(null);
        if (running != null) {
            running.close();
        }
    }
}
