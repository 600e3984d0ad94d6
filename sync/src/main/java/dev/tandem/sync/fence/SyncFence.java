package dev.tandem.sync.fence;

import java.sql.SQLException;
import java.time.Duration;
import java.util.concurrent.TimeoutException;

/**
 * Proves that the sync has applied everything the source committed before the call: a marker is
 * written into the source's WAL and the call returns once the applier has applied it.
 */
public interface SyncFence {

    /**
     * Emits a fence on the source and waits until the applier has applied it, at most {@code timeout};
     * returns the fence's source LSN (e.g. {@code 0/16B3748}).
     */
    String await(Duration timeout) throws SQLException, TimeoutException, InterruptedException;

    /** A fence for databases no sync writes to (tests of static data): everything is trivially applied. */
    SyncFence NONE = timeout -> "0/0";
}
