package dev.tandem.deploy.lifecycle.verify;

import dev.tandem.capture.PgDatabase;
import dev.tandem.deploy.lifecycle.MigrationPhase.SyncDirection;
import dev.tandem.deploy.lifecycle.Sides;
import dev.tandem.deploy.run.MigrationConfig;
import dev.tandem.deploy.verify.ReconcileConfig;
import dev.tandem.reconcile.PassReport;
import dev.tandem.reconcile.ReconcileMetrics;
import dev.tandem.reconcile.Reconciler;
import dev.tandem.reconcile.order.ChangeLogChanges;
import dev.tandem.sync.fence.SourceFence;
import dev.tandem.sync.mapping.CompiledTable;
import java.time.Duration;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.Callable;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.Supplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Runs verification passes in the background of {@code tandem run}: one pass, then a pause, again until closed; a
 * request (API) starts the next pass at once. With {@code continuous} off it runs passes only on request. A pass that
 * fails (database or fence error) is logged with its cause and resumed after the pause. Passes follow the sync that
 * runs: legacy → new before a cutover and after a rollback, new → legacy while the new side is live.
 */
public final class ContinuousReconciler implements AutoCloseable {

    private static final Logger log = LoggerFactory.getLogger(ContinuousReconciler.class);
    /** How long a pass may spend reading the change log to order its chunks before it walks the key in order. */
    private static final Duration CHANGE_LOG_BUDGET = Duration.ofSeconds(10);

    private final Reconciler reconciler;
    /** Builds the new → legacy reconciler, run while the reverse sync runs (compiled then: a cutover needs a reverse). */
    private final Callable<Reconciler> reverseFactory;
    private Reconciler reverse;
    private boolean reverseTried;
    private final Supplier<SyncDirection> direction;
    private SyncDirection verifying = SyncDirection.FORWARD;
    private final Duration pause;
    private final boolean continuous;
    private final Object signal = new Object();
    private final AtomicReference<PassReport> latest = new AtomicReference<>();
    private final Thread thread;
    private boolean requested;
    private volatile boolean closed;

    public ContinuousReconciler(Reconciler reconciler, Duration pause, boolean continuous) {
        this(reconciler, () -> null, () -> SyncDirection.FORWARD, pause, continuous);
    }

    /**
     * Passes follow the sync that runs: {@code forward} while legacy is live, {@code reverse} (new → legacy, fenced
     * through the reverse sync) while the new side is; a fence through a sync that does not run could never pass.
     */
    public ContinuousReconciler(Reconciler forward, Callable<Reconciler> reverse, Supplier<SyncDirection> direction,
                                Duration pause, boolean continuous) {
        this.reconciler = forward;
        this.reverseFactory = reverse;
        this.direction = direction;
        this.pause = pause;
        this.continuous = continuous;
        this.thread = new Thread(this::loop, "tandem-reconcile-" + reconciler.migration());
        this.thread.setDaemon(true);
    }

    /**
     * The background reconciler of {@code tandem run}, awaiting fences through the running sync: legacy → new over
     * {@code forward}, or new → legacy over the tables {@code reverse} compiles while the reverse sync runs.
     */
    public static ContinuousReconciler forRun(MigrationConfig migration, ReconcileConfig config, List<CompiledTable> forward,
                                              Callable<List<CompiledTable>> reverse, Supplier<SyncDirection> direction,
                                              ReconcileMetrics metrics) {
        Reconciler legacyToNew = reconciler(migration.migration(), migration.source(), migration.target(), forward, config,
                migration.bootstrapServers(), metrics);
        Callable<Reconciler> newToLegacy = () -> reconciler(Sides.reverseName(migration.migration()), migration.target(),
                migration.source(), reverse.call(), config, migration.bootstrapServers(), metrics);
        return new ContinuousReconciler(legacyToNew, newToLegacy, direction, config.pause(), config.continuous());
    }

    private static Reconciler reconciler(String syncMigration, PgDatabase from, PgDatabase to, List<CompiledTable> tables,
                                         ReconcileConfig config, String bootstrapServers, ReconcileMetrics metrics) {
        return new Reconciler(syncMigration, from, to, tables, config.settings(), new SourceFence(syncMigration, from, to))
                .reportingTo(metrics).changedFirst(new ChangeLogChanges(syncMigration, bootstrapServers, CHANGE_LOG_BUDGET));
    }

    public ContinuousReconciler start() {
        thread.start();
        return this;
    }

    /** Starts the next pass now (or right after the one running). */
    public void requestPass() {
        synchronized (signal) {
            requested = true;
            signal.notifyAll();
        }
    }

    /** The newest finished pass of this process, or null. */
    public PassReport latest() {
        return latest.get();
    }

    public Reconciler reconciler() {
        return reconciler;
    }

    private void loop() {
        try {
            if (!continuous) {
                awaitTurn();
            }
            while (!closed) {
                Reconciler now = following();
                if (now == null) {
                    awaitTurn();
                    continue;
                }
                try {
                    PassReport report = now.verifyPass();
                    latest.set(report);
                    if (report.unsettledRows() > 0) {
                        log.info("{}: pass {} left {} rows unsettled (changed on the source during every recheck); the next pass "
                                + "checks them again", now.migration(), report.passId(), report.unsettledRows());
                    }
                    if (!report.consistent()) {
                        log.warn("{}: pass {} found {} drifted rows; run `tandem diff` / `tandem repair`", now.migration(),
                                report.passId(), report.driftedRows());
                    }
                } catch (java.sql.SQLException | TimeoutException e) {
                    log.warn("{}: verification pass stopped ({}); it resumes after {} s", now.migration(), e.getMessage(),
                            pause.toSeconds(), e);
                }
                awaitTurn();
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    /** The reconciler of the sync that runs now, or null when none can verify (no sync, or no reverse mapping). */
    private Reconciler following() {
        SyncDirection now = direction.get();
        if (now == SyncDirection.REVERSE && !reverseTried) {
            reverseTried = true;
            try {
                reverse = reverseFactory.call();
            } catch (Exception e) {
                log.warn("{}: cannot verify new → legacy while the new side is live ({})", reconciler.migration(),
                        e.getMessage(), e);
            }
        }
        Reconciler chosen = now == SyncDirection.REVERSE ? reverse : now == SyncDirection.FORWARD ? reconciler : null;
        if (now != verifying) {
            log.info("{}: verification follows the {} sync{}", reconciler.migration(), now.name().toLowerCase(Locale.ROOT),
                    chosen == null ? ", which it cannot verify (no sync runs, or the mapping has no reverse): paused"
                            : " (" + chosen.migration() + ")");
            verifying = now;
        }
        return chosen;
    }

    private void awaitTurn() throws InterruptedException {
        long deadline = continuous ? System.nanoTime() + pause.toNanos() : Long.MAX_VALUE;
        synchronized (signal) {
            while (!requested && !closed && System.nanoTime() < deadline) {
                long waitMs = continuous ? Math.max(1, (deadline - System.nanoTime()) / 1_000_000) : 1_000;
                signal.wait(waitMs);
            }
            requested = false;
        }
    }

    @Override
    public void close() throws InterruptedException {
        closed = true;
        thread.interrupt();
        thread.join(10_000);
    }
}
