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
 *
 * <p>With a {@link CaptureLease}, only the instance holding it runs the pipeline (backfill, capture, apply); the
 * others stand by, running only their per-key appliers, and take the pipeline over when the lease comes to them. An
 * instance that loses the lease stops its capture at once ({@link #fence()}), then stands by.
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
    private CaptureLease lease;
    private Callable<StandbyApply> standbyFactory;
    private CaptureRole runningRole = CaptureRole.LEADER;
    /** The lease term the running pipeline was started under: a lease lost and taken back since fenced it. */
    private long runningTerm;
    private StandbyApply standby;
    /** The pipeline this supervisor starts or runs, for {@link #fence()} from the lease's thread. */
    private volatile Pipeline current;
    private final Object startLock = new Object();
    private Thread starting;

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
     * Runs the pipeline only while {@code lease} names this instance the leader; meanwhile, in per-key ordering,
     * {@code standby} (null in transactional ordering, where one applier writes and standbys idle) gives the forward
     * sync's appliers of this instance. Set before the first {@link #follow()}.
     */
    public SyncSupervisor leasing(CaptureLease lease, Callable<StandbyApply> standby) {
        this.lease = lease;
        this.standbyFactory = standby;
        this.runningRole = CaptureRole.STANDBY;
        return this;
    }

    private long term() {
        return lease == null ? 0 : lease.term();
    }

    /** This instance's role: always the leader without a lease. */
    public CaptureRole role() {
        return lease == null ? CaptureRole.LEADER : lease.role();
    }

    /**
     * Stops the capture at once, from any thread: the lease was lost and another instance may capture already. A
     * pipeline still starting (a backfill) is interrupted; the next {@link #follow()} stands by.
     */
    public void fence() {
        Pipeline running = current;
        if (running != null) {
            running.fence();
        }
        synchronized (startLock) {
            if (starting != null) {
                starting.interrupt();
            }
        }
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
        long term = term();
        CaptureRole role = role();
        if (want == running && role == runningRole && (role != CaptureRole.LEADER || term == runningTerm)) {
            if (role == CaptureRole.LEADER) {
                acknowledge(false);
                if (idleSlots != null) {
                    idleSlots.keepIfDue();
                }
            }
            return;
        }
        // A standby taking over starts the capture first and lets its standby appliers go after: capture resumes
        // sooner, and the partitions they held move to the pipeline's appliers by the group's rebalance.
        StandbyApply handingOver = role == CaptureRole.LEADER && want == running ? standby : null;
        standby = handingOver == null ? standby : null;
        try {
            stop();
            if (want != SyncDirection.NONE && role == CaptureRole.LEADER) {
                if (!startPipeline(want, term)) {
                    return;
                }
            } else if (want == SyncDirection.FORWARD && standbyFactory != null) {
                standby = standbyFactory.call();
            }
        } finally {
            if (handingOver != null) {
                handingOver.close();
            }
        }
        running = want;
        runningRole = role;
        runningTerm = term;
        log.info("migration {}: {} → sync direction {}{}", store.migration(), phase.label(), want,
                lease == null ? "" : " as " + role.label() + " (instance " + lease.instance() + ")");
        if (role == CaptureRole.LEADER) {
            acknowledge(true);
        }
    }

    /** Starts the pipeline of {@code want}; false when the lease of {@code term} was lost meanwhile (nothing then runs). */
    private boolean startPipeline(SyncDirection want, long term) throws Exception {
        Pipeline next = want == SyncDirection.FORWARD
                ? forwardFactory.call().reportingTo(new PhaseListener(store, ACTOR)) : reverseFactory.call();
        if (lease != null) {
            next.holdingCaptureLease();
        }
        current = next;
        synchronized (startLock) {
            starting = Thread.currentThread();
        }
        Exception failed = null;
        try {
            next.start();
        } catch (SQLException | InterruptedException | RuntimeException e) {
            failed = e;
        } finally {
            synchronized (startLock) {
                starting = null;
            }
        }
        if (role() != CaptureRole.LEADER || term() != term) { // lost, perhaps taken back since: this one was fenced
            Thread.interrupted(); // a fence's interrupt aimed at the start, not at this thread's caller
            current = null;
            closeQuietly(next, failed);
            log.warn("migration {}: the capture lease was lost while the {} sync started; standing by", store.migration(),
                    want.name().toLowerCase(), failed);
            return false;
        }
        if (failed instanceof SQLException e) {
            current = null;
            throw new IllegalStateException("migration " + store.migration() + ": cannot start the " + want.name()
                    .toLowerCase() + " sync: " + e.getMessage(), e);
        }
        if (failed != null) {
            current = null;
            throw failed;
        }
        pipeline = next;
        return true;
    }

    private void closeQuietly(Pipeline stopping, Exception cause) {
        try {
            stopping.close();
        } catch (IOException | InterruptedException | RuntimeException e) {
            if (e instanceof InterruptedException) {
                Thread.currentThread().interrupt();
            }
            if (cause != null) {
                cause.addSuppressed(e);
            } else {
                log.warn("migration {}: stopping the pipeline after the lease was lost failed: {}", store.migration(),
                        e.getMessage(), e);
            }
        }
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
        current = started;
        running = direction;
        runningRole = CaptureRole.LEADER; // only the lease's holder starts a pipeline before following
        runningTerm = term();
    }

    public synchronized SyncDirection direction() {
        return running;
    }

    /** The pipeline running now, or null. */
    public synchronized Pipeline active() {
        return pipeline;
    }

    /** The first failure of the running direction (the pipeline, or a standby's appliers), or null. */
    public synchronized Throwable failure() {
        if (standby != null) {
            return standby.failure();
        }
        return pipeline == null ? null : pipeline.failure();
    }

    /** What this instance's standby appliers applied, or null when it runs none. */
    public synchronized ApplyStats standbyStats() {
        return standby == null ? null : standby.stats();
    }

    private void stop() throws IOException, InterruptedException {
        running = SyncDirection.NONE;
        if (standby != null) {
            StandbyApply stopping = standby;
            standby = null;
            stopping.close();
        }
        if (pipeline != null) {
            Pipeline stopping = pipeline;
            pipeline = null;
            current = null;
            stopping.close();
        }
    }

    @Override
    public synchronized void close() throws IOException, InterruptedException {
        stop();
    }
}
