package dev.tandem.deploy.cutover;

import dev.tandem.sync.pipeline.Pipeline;
import java.io.IOException;
import java.sql.SQLException;
import java.util.concurrent.Callable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Runs the sync in the direction the migration's durable phase asks for: forward (legacy → new) until a
 * cutover completes, reverse (new → legacy) while the new side is live, nothing once the migration ended.
 * A restarted service therefore resumes the right direction from the database alone. Closing it stops
 * whichever direction runs.
 */
public final class DirectionFollower implements AutoCloseable {

    private static final Logger log = LoggerFactory.getLogger(DirectionFollower.class);

    private final CutoverStore store;
    private final Pipeline forward;
    private final Callable<Pipeline> reverseFactory;
    private boolean forwardRunning = true;
    private Pipeline reverse;

    /** @param forward a started forward pipeline */
    public DirectionFollower(CutoverStore store, Pipeline forward, Callable<Pipeline> reverseFactory) {
        this.store = store;
        this.forward = forward;
        this.reverseFactory = reverseFactory;
    }

    /** Reads the phase and starts or stops pipelines to match; call it every few hundred milliseconds. */
    public synchronized void follow() throws Exception {
        Phase phase;
        try {
            phase = store.phase();
        } catch (SQLException e) {
            log.warn("migration {}: cannot read the cutover phase ({}); keeping the current direction", store.migration(),
                    e.getMessage());
            return;
        }
        boolean wantForward = phase == Phase.SYNCING || phase == Phase.CUTTING_OVER;
        boolean wantReverse = phase == Phase.CUT_OVER || phase == Phase.ROLLING_BACK;
        if (!wantForward && forwardRunning) {
            forward.close();
            forwardRunning = false;
            log.info("migration {}: forward sync stopped ({})", store.migration(), phase.label());
        }
        if (!wantReverse && reverse != null) {
            reverse.close();
            reverse = null;
            log.info("migration {}: reverse sync stopped ({})", store.migration(), phase.label());
        }
        if (wantReverse && reverse == null) {
            reverse = reverseFactory.call();
            reverse.start();
            log.info("migration {}: reverse sync (new → legacy) started", store.migration());
        }
        if (wantForward && !forwardRunning) {
            forward.restartCapture();
            forward.startApplier();
            forwardRunning = true;
            log.info("migration {}: forward sync resumed where it stopped", store.migration());
        }
    }

    /** The pipeline running now, or null. */
    public Pipeline active() {
        return reverse != null ? reverse : forwardRunning ? forward : null;
    }

    /** The first failure of the running direction, or null. */
    public Throwable failure() {
        Pipeline running = active();
        return running == null ? null : running.failure();
    }

    /** Stops whichever direction runs (the forward pipeline included). */
    @Override
    public synchronized void close() throws IOException, InterruptedException {
        try {
            if (reverse != null) {
                reverse.close();
                reverse = null;
            }
        } finally {
            if (forwardRunning) {
                forwardRunning = false;
                forward.close();
            }
        }
    }
}
