package dev.tandem.deploy.demo;

import dev.tandem.deploy.lifecycle.MigrationPhase.SyncDirection;
import dev.tandem.deploy.lifecycle.SyncSupervisor;
import dev.tandem.sync.pipeline.Pipeline;
import java.time.Duration;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;

/**
 * The demo's sync: a {@link SyncSupervisor} asked every 200 ms to follow the durable phase, as {@code tandem run}
 * does, so the sync runs in reverse after the cutover and forward again after the rollback.
 */
final class DemoSync implements AutoCloseable {

    private static final long FOLLOW_EVERY_MS = 200;

    private final SyncSupervisor supervisor;
    private final ScheduledExecutorService following = Executors.newSingleThreadScheduledExecutor(r -> {
        Thread t = new Thread(r, "tandem-demo-follow");
        t.setDaemon(true);
        return t;
    });
    private final AtomicReference<Throwable> followFailure = new AtomicReference<>();

    /** Takes over {@code forward}, already started, and follows the phase from now on. */
    DemoSync(SyncSupervisor supervisor, Pipeline forward) {
        this.supervisor = supervisor;
        supervisor.adopt(SyncDirection.FORWARD, forward);
        following.scheduleWithFixedDelay(this::followOnce, FOLLOW_EVERY_MS, FOLLOW_EVERY_MS, TimeUnit.MILLISECONDS);
    }

    private void followOnce() {
        if (followFailure.get() != null) {
            return;
        }
        try {
            supervisor.follow();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        } catch (Exception e) {
            followFailure.compareAndSet(null, e);
        }
    }

    Pipeline active() {
        return supervisor.active();
    }

    SyncDirection direction() {
        return supervisor.direction();
    }

    /** The first failure: starting a direction, or the running pipeline's own. */
    Throwable failure() {
        Throwable own = followFailure.get();
        return own != null ? own : supervisor.failure();
    }

    /** Waits until the sync runs in {@code direction}; false when it failed or {@code timeout} passed first. */
    boolean awaitDirection(SyncDirection direction, Duration timeout) throws InterruptedException {
        long deadline = System.nanoTime() + timeout.toNanos();
        while (direction() != direction || active() == null) {
            if (failure() != null || System.nanoTime() > deadline) {
                return false;
            }
            Thread.sleep(FOLLOW_EVERY_MS / 2);
        }
        return true;
    }

    @Override
    public void close() throws Exception {
        following.shutdownNow();
        following.awaitTermination(30, TimeUnit.SECONDS);
        supervisor.close();
    }
}
