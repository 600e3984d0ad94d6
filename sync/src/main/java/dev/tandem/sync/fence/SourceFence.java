package dev.tandem.sync.fence;

import dev.tandem.capture.PgDatabase;
import dev.tandem.capture.envelope.ChangeEnvelope;
import dev.tandem.sync.control.FencesSeen;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Duration;
import java.util.UUID;
import java.util.concurrent.TimeoutException;

/**
 * A fence through the databases alone: a transactional logical decoding message written on the source
 * travels through capture and Kafka like any change, and the applier records it in the target's
 * {@code tandem.fence_seen} in the transaction that applies it. Works from any process that can reach both
 * databases.
 */
public final class SourceFence implements SyncFence {

    private static final long POLL_MILLIS = 5;

    private final String migration;
    private final PgDatabase source;
    private final PgDatabase target;

    public SourceFence(String migration, PgDatabase source, PgDatabase target) {
        this.migration = migration;
        this.source = source;
        this.target = target;
    }

    @Override
    public String await(Duration timeout) throws SQLException, TimeoutException, InterruptedException {
        try (Connection s = source.connect("tandem-fence-" + migration);
             Connection t = target.connect("tandem-fence-" + migration)) {
            return await(s, t, timeout);
        }
    }

    /** {@link #await(Duration)} over open connections to the source and the target (in auto-commit). */
    public String await(Connection sourceConnection, Connection targetConnection, Duration timeout)
            throws SQLException, TimeoutException, InterruptedException {
        String fenceId = FencesSeen.fenceContent(migration, UUID.randomUUID().toString());
        long deadline = System.nanoTime() + timeout.toNanos();
        String lsn = emit(sourceConnection, fenceId);
        FencesSeen seen = new FencesSeen(migration);
        while (!seen.consume(targetConnection, fenceId)) {
            if (System.nanoTime() > deadline) {
                String delay = FenceDelay.describe(migration, source, target);
                throw new TimeoutException("migration " + migration + ": the sync did not apply fence " + fenceId
                        + " (source LSN " + lsn + ") within " + timeout.toMillis() + " ms; " + (delay.isEmpty()
                        ? "check that capture and the applier run (`tandem status`) and how far behind they are"
                        : delay));
            }
            Thread.sleep(POLL_MILLIS);
        }
        return lsn;
    }

    /** Writes the fence into the source's WAL in its own transaction; returns its LSN. */
    static String emit(Connection source, String fenceId) throws SQLException {
        try (PreparedStatement ps = source.prepareStatement("SELECT pg_logical_emit_message(true, ?, ?)::text")) {
            ps.setString(1, ChangeEnvelope.FENCE_PREFIX);
            ps.setString(2, fenceId);
            try (ResultSet rs = ps.executeQuery()) {
                rs.next();
                String lsn = rs.getString(1);
                if (!source.getAutoCommit()) {
                    source.commit();
                }
                return lsn;
            }
        }
    }
}
