package dev.tandem.sync.pipeline;

import dev.tandem.capture.CaptureConfig;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Duration;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Waits, before a capture starts, until no walsender holds the migration's replication slot: after the previous
 * holder was killed, PostgreSQL marks the slot active until its walsender notices the dead client. An instance that
 * holds the capture lease ends a walsender still holding the slot after a grace period: its client lost the lease, so
 * it must not stream any more.
 */
final class SlotHandover {

    private static final Logger log = LoggerFactory.getLogger(SlotHandover.class);
    private static final long FIRST_BACKOFF_MILLIS = 100;
    private static final long MAX_BACKOFF_MILLIS = 1_000;

    private SlotHandover() {
    }

    /**
     * Returns once the slot is free (or absent). After {@code grace}, with {@code endHolder} the walsender holding it
     * is terminated; without, this returns after {@code grace} and leaves the retry to the capture.
     */
    static void await(CaptureConfig capture, Duration grace, boolean endHolder) throws SQLException, InterruptedException {
        long deadline = System.nanoTime() + grace.toNanos();
        long backoff = FIRST_BACKOFF_MILLIS;
        boolean logged = false;
        try (Connection source = capture.source().connect("tandem-slot-handover")) {
            while (true) {
                Integer holder = activePid(source, capture.slotName());
                if (holder == null) {
                    if (logged) {
                        log.info("migration {}: replication slot {} is free; starting the capture", capture.migration(),
                                capture.slotName());
                    }
                    return;
                }
                if (System.nanoTime() > deadline) {
                    if (!endHolder) {
                        return;
                    }
                    log.warn("migration {}: replication slot {} is still held by walsender pid {} on {} after {} s; this "
                            + "instance holds the capture lease, so that walsender's client lost it: terminating it",
                            capture.migration(), capture.slotName(), holder, capture.source(), grace.toSeconds());
                    terminate(source, holder);
                    deadline = System.nanoTime() + grace.toNanos();
                } else if (!logged) {
                    log.info("migration {}: replication slot {} is still active for walsender pid {} on {} (the previous "
                            + "capture's, which PostgreSQL has not yet seen die); retrying until it is free",
                            capture.migration(), capture.slotName(), holder, capture.source());
                    logged = true;
                }
                Thread.sleep(backoff);
                backoff = Math.min(MAX_BACKOFF_MILLIS, backoff * 2);
            }
        }
    }

    private static Integer activePid(Connection source, String slot) throws SQLException {
        try (PreparedStatement ps = source.prepareStatement(
                "SELECT active_pid FROM pg_replication_slots WHERE slot_name = ? AND active")) {
            ps.setString(1, slot);
            try (ResultSet rs = ps.executeQuery()) {
                return rs.next() ? rs.getInt(1) : null;
            }
        }
    }

    private static void terminate(Connection source, int pid) throws SQLException {
        try (PreparedStatement ps = source.prepareStatement("SELECT pg_terminate_backend(?)")) {
            ps.setInt(1, pid);
            ps.execute();
        }
    }
}
