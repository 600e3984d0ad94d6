package dev.tandem.deploy.lifecycle;

import dev.tandem.deploy.lifecycle.MigrationPhase.SyncDirection;
import dev.tandem.sync.apply.ApplyStats;
import dev.tandem.sync.pipeline.Pipeline;
import java.io.IOException;
import java.sql.SQLException;
import java.util.concurrent.Callable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Supervises the sync: runs it in the direction the migration's durable phase asks for: forward (legacy → new) until a
 * cutover completes, reverse (new → legacy) while the new side is live, nothing once the migration ended.
 * A restarted service therefore resumes the right direction from the database alone, and never starts
 * the forward sync while the new side is live. Closing it stops whichever direction runs.
 */
public final class SyncSupervisor implements AutoCloseable {

    private static final Logger log = LoggerFactory.getLogger(SyncSupervisor.class);
    private static final long ACKNOWLEDGE_NANOS = 2_000_000_000L;
    private static final String ACTOR = "tandem run";

    private final PhaseStore store;
    private final Callable<Pipeline> forwardFactory;
    private final Callable<Pipeline> reverseFactory;
    private SyncDirection running = SyncDirection.NONE;
    private Pipeline pipeline;
    private long acknowledgedAt;
    private OrphanRecovery recovery;
    private IdleSlotKeeper idleSlots;

    /** Each factory returns a new, not yet started pipeline; it resumes from durable positions when started. */
    public SyncSupervisor(PhaseStore store, Callable<Pipeline> forwardFactory, Callable<Pipeline> reverseFactory) {
        this.store = store;
        this.forwardFactory = forwardFactory;
        this.reverseFactory = reverseFactory;
    }

    /**
     * Undoes, on every {@link #follow()}, a switch whose process died in its write block, instead of waiting for
     * the next command or restart to notice.
     */
    public SyncSupervisor recovering(OrphanRecovery recovery) {
        this.recovery = recovery;
        return this;
    }

    /** Keeps the other direction's slot current on every {@link #follow()} (when due), so it holds no WAL. */
    public synchronized SyncSupervisor keepingIdleSlotCurrent(IdleSlotKeeper keeper) {
        this.idleSlots = keeper;
        return this;
    }

    /**
     * Reads the phase and starts or stops pipelines to match; call it every few hundred milliseconds. A read
     * failure keeps the current direction (the next call retries).
     */
    public synchronized void follow() throws Exception {
        MigrationPhase phase;
        try {
            phase = store.phase();
        } catch (SQLException e) {
            log.warn("migration {}: cannot read the cutover phase ({}); keeping the current direction", store.migration(),
                    e.getMessage());
            return;
        }
        if (phase.switching() && recovery != null) {
            phase = recover(phase);
        }
        SyncDirection want = phase.syncDirection();
        if (want == running) {
            acknowledge(false);
            if (idleSlots != null) {
                idleSlots.keepIfDue();
            }
            return;
        }
        stop();
        if (want != SyncDirection.NONE) {
            Pipeline next = want == SyncDirection.FORWARD
                    ? forwardFactory.call().reportingTo(new PhaseListener(store, ACTOR)) : reverseFactory.call();
            try {
                next.start();
            } catch (SQLException e) {
                throw new IllegalStateException("migration " + store.migration() + ": cannot start the " + want.name()
                        .toLowerCase() + " sync: " + e.getMessage(), e);
            }
            pipeline = next;
            running = want;
        }
        log.info("migration {}: {} → sync direction {}", store.migration(), phase.label(), want);
        acknowledge(true);
    }

    /** The phase after undoing an orphaned switch; the phase read before when there was none or it failed. */
    private MigrationPhase recover(MigrationPhase phase) {
        try {
            return recovery.recoverIfOrphaned() ? store.phase() : phase;
        } catch (SQLException e) {
            log.warn("migration {}: cannot check the {} for a dead process ({}); will retry", store.migration(),
                    phase.label(), e.getMessage());
            return phase;
        }
    }

    /**
     * Tells the control schema which way the sync runs (at once after a change, else every couple of seconds), so
     * {@code complete} and {@code cancel} know when this service has let go of the slots before dropping them.
     */
    private void acknowledge(boolean changed) {
        if (!changed && System.nanoTime() - acknowledgedAt < ACKNOWLEDGE_NANOS) {
            return;
        }
        try {
            ApplyStats stats = pipeline == null ? null : pipeline.applyStats();
            store.acknowledge(running.name(), stats == null ? null : stats.changesApplied(),
                    stats == null ? null : stats.lagPercentileMs(99), ACTOR);
            acknowledgedAt = System.nanoTime();
        } catch (SQLException e) {
            log.warn("migration {}: cannot record the sync direction ({}); will retry", store.migration(), e.getMessage());
        }
    }

    /** Takes over a pipeline already started in {@code direction} (e.g. a forward one started over with a new backfill). */
    public synchronized void adopt(SyncDirection direction, Pipeline started) {
        if (pipeline != null) {
            throw new IllegalStateException("a " + running + " pipeline already runs; adopt only before the first follow");
        }
        pipeline = started;
        running = direction;
    }

    public synchronized SyncDirection direction() {
        return running;
    }

    /** The pipeline running now, or null. */
    public synchronized Pipeline active() {
        return pipeline;
    }

    /** The first failure of the running direction, or null. */
    public synchronized Throwable failure() {
        return pipeline == null ? null : pipeline.failure();
    }

    private void stop() throws IOException, InterruptedException {
        if (pipeline != null) {
            Pipeline stopping = pipeline;
            pipeline = null;
            running = SyncDirection.NONE;
            stopping.close();
        }
    }

    @Override
    public synchronized void close() throws IOException, InterruptedException {
        stop();
    }
}
