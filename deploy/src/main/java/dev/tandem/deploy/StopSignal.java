package dev.tandem.deploy;

import java.time.Duration;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;

/**
 * Turns Ctrl-C or SIGTERM into an orderly stop: the JVM's shutdown waits (up to a minute) until
 * the command has closed what it runs, so offsets and positions are flushed.
 */
public final class StopSignal implements AutoCloseable {

    private final CountDownLatch requested = new CountDownLatch(1);
    private final CountDownLatch cleanedUp = new CountDownLatch(1);
    private final Thread hook = new Thread(this::onSignal, "tandem-stop");

    private StopSignal() {
    }

    public static StopSignal install() {
        StopSignal signal = new StopSignal();
        Runtime.getRuntime().addShutdownHook(signal.hook);
        return signal;
    }

    /** Waits up to {@code wait} for a stop request; true when one arrived. */
    public boolean await(Duration wait) throws InterruptedException {
        return requested.await(wait.toMillis(), TimeUnit.MILLISECONDS);
    }

    public boolean requested() {
        return requested.getCount() == 0;
    }

    /** Call once everything is closed: lets a waiting shutdown proceed, or removes the hook. */
    @Override
    public void close() {
        cleanedUp.countDown();
        try {
            Runtime.getRuntime().removeShutdownHook(hook);
        } catch (IllegalStateException alreadyShuttingDown) {
            // the JVM is exiting through the signal; the hook is waiting for this cleanup
        }
    }

    private void onSignal() {
        requested.countDown();
        try {
            cleanedUp.await(60, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
