package dev.tandem.deploy.demo;

import dev.tandem.deploy.StopSignal;
import dev.tandem.deploy.lifecycle.Lifecycle;
import dev.tandem.deploy.lifecycle.MigrationPhase.SyncDirection;
import dev.tandem.deploy.lifecycle.switchover.SwitchOperation;
import dev.tandem.deploy.lifecycle.switchover.SwitchOutcome;
import dev.tandem.deploy.lifecycle.switchover.SwitchReport;
import dev.tandem.deploy.lifecycle.switchover.SwitchSettings;
import dev.tandem.reconcile.PassReport;
import dev.tandem.reconcile.Reconciler;
import java.sql.SQLException;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeoutException;

/**
 * The demo's switch, read top to bottom: stream under the workload, verify, cut over, let the application write to the
 * new schema (the sync runs in reverse), verify that way, roll back, let it write to legacy again. Each step waits for
 * its condition (a clean pass, the sync's direction), not for a fixed time; the workload's time per phase is the
 * only pause.
 */
final class SwitchScript {

    /** What the script did: each switch's figures (null when it did not get there) and, if it stopped, why. */
    record Result(SwitchFigures cutover, SwitchFigures rollback, String problem) {
    }

    private static final String ACTOR = "tandem demo";
    private static final Duration DIRECTION_TIMEOUT = Duration.ofSeconds(60);

    private final Lifecycle lifecycle;
    private final DemoSync sync;
    private final Reconciler forward;
    private final Reconciler reverse;
    private final SwitchSettings settings;
    private final ShopWorkload workload;
    private final DemoTimeline timeline;
    private final StopSignal stop;
    private final Duration phase;
    private final Duration verifyTimeout;

    SwitchScript(Lifecycle lifecycle, DemoSync sync, Reconciler forward, Reconciler reverse, SwitchSettings settings,
                 ShopWorkload workload, DemoTimeline timeline, StopSignal stop, Duration phase, Duration verifyTimeout) {
        this.lifecycle = lifecycle;
        this.sync = sync;
        this.forward = forward;
        this.reverse = reverse;
        this.settings = settings;
        this.workload = workload;
        this.timeline = timeline;
        this.stop = stop;
        this.phase = phase;
        this.verifyTimeout = verifyTimeout;
    }

    Result run() throws SQLException, InterruptedException {
        long beforeStream = workload.committed();
        if (!writeFor(phase)) {
            return stop.requested() ? new Result(null, null, null)
                    : new Result(null, null, "the sync or the workload failed before the cutover");
        }
        timeline.add("stream", (workload.committed() - beforeStream) + " transactions on legacy, streamed to the new schema");
        PassReport clean = awaitClean(forward);
        if (stop.requested()) {
            return new Result(null, null, null);
        }
        if (!clean.consistent()) {
            return new Result(null, null, "no clean verification legacy → new within " + verifyTimeout.toSeconds() + " s: "
                    + clean.driftedRows() + " rows differ");
        }
        timeline.add("verify", "legacy → new: " + rows(clean) + " rows equal");

        SwitchFigures cutover = attempt(SwitchOperation.CUTOVER);
        if (!cutover.switched()) {
            return new Result(cutover, null, "the cutover was " + cutover.outcome() + ": " + cutover.message());
        }
        if (!sync.awaitDirection(SyncDirection.REVERSE, DIRECTION_TIMEOUT)) {
            return new Result(cutover, null, "the reverse sync did not start: " + sync.failure());
        }
        long onNewBefore = workload.committedOnNew();
        timeline.add("reverse", "sync runs new → legacy; the application follows the route flag to the new schema");
        boolean stayed = writeFor(phase);
        List<Long> orders = workload.ordersOnNew();
        timeline.add("new live", (workload.committedOnNew() - onNewBefore) + " transactions on the new schema"
                + (orders.isEmpty() ? "" : ", orders with keys " + orders.get(0) + "–" + orders.get(orders.size() - 1)
                + " from its sequence"));
        if (stayed) {
            PassReport back = awaitClean(reverse);
            timeline.add("verify", "new → legacy: " + (back.consistent() ? rows(back) + " rows equal"
                    : back.driftedRows() + " rows differ (rolling back anyway: the final comparison will show it)"));
        } else if (stop.requested()) {
            timeline.add("stop", "Ctrl-C: rolling back at once, so the demo ends with legacy live");
        }

        SwitchFigures rollback = attempt(SwitchOperation.ROLLBACK);
        if (!rollback.switched()) {
            return new Result(cutover, rollback, "the rollback was " + rollback.outcome() + ": " + rollback.message());
        }
        if (!sync.awaitDirection(SyncDirection.FORWARD, DIRECTION_TIMEOUT)) {
            return new Result(cutover, rollback, "the forward sync did not start again: " + sync.failure());
        }
        long onLegacyBefore = workload.committedOnLegacy();
        timeline.add("forward", "sync runs legacy → new again; the application writes to legacy");
        if (!stop.requested()) {
            writeFor(phase);
            timeline.add("legacy", (workload.committedOnLegacy() - onLegacyBefore) + " transactions on legacy after the rollback");
        }
        return new Result(cutover, rollback, null);
    }

    /**
     * One switch, tried a second time when its write block ran past the budget and aborted (a busy machine can do
     * that; an operator would try again the same way).
     */
    private SwitchFigures attempt(SwitchOperation operation) throws SQLException, InterruptedException {
        String step = operation == SwitchOperation.CUTOVER ? "cutover" : "rollback";
        for (int attempt = 1; ; attempt++) {
            SwitchReport report = operation == SwitchOperation.CUTOVER ? lifecycle.cutover(settings, ACTOR, null, false)
                    : lifecycle.rollback(settings, ACTOR, null, false);
            SwitchFigures figures = SwitchFigures.of(report);
            boolean again = report.outcome() == SwitchOutcome.ABORTED && attempt == 1;
            timeline.add(step, figures.summary() + (again ? "; trying again" : ""));
            if (!again) {
                return figures;
            }
        }
    }

    /** Lets the workload write for {@code time}; false when Ctrl-C or a sync failure cut it short. */
    private boolean writeFor(Duration time) throws InterruptedException {
        long deadline = System.nanoTime() + time.toNanos();
        while (System.nanoTime() < deadline) {
            if (sync.failure() != null || workload.failure() != null) {
                return false;
            }
            if (stop.await(Duration.ofMillis(Math.max(1, Math.min(200, (deadline - System.nanoTime()) / 1_000_000))))) {
                return false;
            }
        }
        return true;
    }

    /** Verification passes (fenced through the running sync) until one finds both sides equal, or time runs out. */
    private PassReport awaitClean(Reconciler reconciler) throws SQLException, InterruptedException {
        long deadline = System.nanoTime() + verifyTimeout.toNanos();
        while (true) {
            PassReport pass;
            try {
                pass = reconciler.verifyPass();
            } catch (TimeoutException e) {
                if (System.nanoTime() > deadline) {
                    throw new SQLException("verification of " + reconciler.legacy() + " against " + reconciler.target()
                            + " could not await its fence: " + e.getMessage(), e);
                }
                continue;
            }
            if (pass.consistent() || System.nanoTime() > deadline || sync.failure() != null || stop.requested()) {
                return pass;
            }
        }
    }

    private static long rows(PassReport pass) {
        return pass.tables().stream().mapToLong(t -> t.rowsCompared()).sum();
    }
}
