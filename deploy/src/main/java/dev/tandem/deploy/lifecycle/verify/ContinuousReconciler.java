package dev.tandem.deploy.lifecycle.verify;

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
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicReference;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Runs verification passes in the background of {@code tandem run}: one pass, then a pause, again until closed; a
 * request (API) starts the next pass at once. With {@code continuous} off it runs passes only on request. A pass that
 * fails (database or fence error) is logged with its cause and resumed after the pause.
 */
public final class ContinuousReconciler implements AutoCloseable {

    private static final Logger log = LoggerFactory.getLogger(ContinuousReconciler.class);
    /** How long a pass may spend reading the change log to order its chunks before it walks the key in order. */
    private static final Duration CHANGE_LOG_BUDGET = Duration.ofSeconds(10);

    private final Reconciler reconciler;
    private final Duration pause;
    private final boolean continuous;
    private final Object signal = new Object();
    private final AtomicReference<PassReport> latest = new AtomicReference<>();
    private final Thread thread;
    private boolean requested;
    private volatile boolean closed;

    public ContinuousReconciler(Reconciler reconciler, Duration pause, boolean continuous) {
        this.reconciler = reconciler;
        this.pause = pause;
        this.continuous = continuous;
        this.thread = new Thread(this::loop, "tandem-reconcile-" + reconciler.migration());
        this.thread.setDaemon(true);
    }

    /** The background reconciler of {@code tandem run}, awaiting fences through the running sync. */
    public static ContinuousReconciler forRun(MigrationConfig migration, ReconcileConfig config, List<CompiledTable> tables,
                                              ReconcileMetrics metrics) {
        Reconciler reconciler = new Reconciler(migration.migration(), migration.source(), migration.target(), tables, config.settings(),
                new SourceFence(migration.migration(), migration.source(), migration.target())).reportingTo(metrics)
                .changedFirst(new ChangeLogChanges(migration.migration(), migration.bootstrapServers(), CHANGE_LOG_BUDGET));
        return new ContinuousReconciler(reconciler, config.pause(), config.continuous());
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
                try {
                    PassReport report = reconciler.verifyPass();
                    latest.set(report);
                    if (report.unsettledRows() > 0) {
                        log.info("{}: pass {} left {} rows unsettled (changed on the source during every recheck); the next pass "
                                + "checks them again", reconciler.migration(), report.passId(), report.unsettledRows());
                    }
                    if (!report.consistent()) {
                        log.warn("{}: pass {} found {} drifted rows; run `tandem diff` / `tandem repair`", reconciler.migration(),
                                report.passId(), report.driftedRows());
                    }
                } catch (java.sql.SQLException | TimeoutException e) {
                    log.warn("{}: verification pass stopped ({}); it resumes after {} s", reconciler.migration(), e.getMessage(),
                            pause.toSeconds(), e);
                }
                awaitTurn();
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
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
