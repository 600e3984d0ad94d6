package dev.tandem.deploy.lifecycle;

import dev.tandem.capture.CaptureConfig;
import dev.tandem.capture.replication.ReplicationSetup;
import java.sql.SQLException;
import java.util.concurrent.TimeUnit;
import java.util.function.LongSupplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The WAL one direction's replication slot holds on its database, whether that direction runs or not (an idle
 * slot keeps WAL too); read at most every few seconds, -1 when the slot does not exist or cannot be read.
 */
public final class SlotRetention implements LongSupplier {

    private static final Logger log = LoggerFactory.getLogger(SlotRetention.class);
    private static final long CACHE_NANOS = TimeUnit.SECONDS.toNanos(5);

    private final CaptureConfig slot;
    private long readAt;
    private long bytes = -1;
    private boolean read;

    public SlotRetention(CaptureConfig slot) {
        this.slot = slot;
    }

    @Override
    public synchronized long getAsLong() {
        if (!read || System.nanoTime() - readAt > CACHE_NANOS) {
            try {
                bytes = new ReplicationSetup(slot).retainedWalBytes();
            } catch (SQLException e) {
                log.warn("cannot read the WAL slot {} retains on {} ({}); showing -1", slot.slotName(), slot.source(),
                        e.getMessage());
                bytes = -1;
            }
            read = true;
            readAt = System.nanoTime();
        }
        return bytes;
    }
}
