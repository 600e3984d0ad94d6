package dev.tandem.sync.backfill;

import dev.tandem.capture.PgDatabase;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Watches how hard the source works for the migration: the WAL its slot retains and the backends
 * busy with other work. The backfill asks {@link #awaitCapacity()} before each chunk and pauses
 * while either is over its threshold; the last measured retained WAL is reported.
 */
public final class SourceLoad implements AutoCloseable {

    private static final Logger log = LoggerFactory.getLogger(SourceLoad.class);
    static final long PAUSE_MILLIS = 1_000;
    private static final long LOG_EVERY_NANOS = TimeUnit.SECONDS.toNanos(10);

    private final PgDatabase source;
    private final String slotName;
    private final long maxRetainedWalBytes;
    private final int maxActiveBackends;
    private final AtomicLong pauses = new AtomicLong();
    private volatile long retainedWalBytes = -1;
    private volatile String lastPauseReason;
    private Connection connection;
    private long lastLogged;

    public SourceLoad(PgDatabase source, String slotName, BackfillSettings settings) {
        this.source = source;
        this.slotName = slotName;
        this.maxRetainedWalBytes = settings.maxRetainedWalBytes();
        this.maxActiveBackends = settings.maxActiveBackends();
    }

    /** Waits while the source is over a threshold, logging why (at most every 10 s). */
    public void awaitCapacity() throws SQLException, InterruptedException {
        String reason;
        while ((reason = overload()) != null) {
            pauses.incrementAndGet();
            lastPauseReason = reason;
            synchronized (this) {
                long now = System.nanoTime();
                if (lastLogged == 0 || now - lastLogged > LOG_EVERY_NANOS) {
                    lastLogged = now;
                    log.info("backfill backing off: {}; checking again every {} ms", reason, PAUSE_MILLIS);
                }
            }
            Thread.sleep(PAUSE_MILLIS);
        }
    }

    /** Why the source is over a threshold right now, or null. */
    String overload() throws SQLException {
        long[] load = measure();
        if (maxRetainedWalBytes > 0 && load[0] > maxRetainedWalBytes) {
            return "slot " + slotName + " retains " + load[0] + " bytes of WAL, over the limit of " + maxRetainedWalBytes
                    + " (the capture is behind; raise backfill.maxRetainedWal to copy anyway)";
        }
        if (maxActiveBackends > 0 && load[1] > maxActiveBackends) {
            return load[1] + " other backends are active on " + source + ", over the limit of " + maxActiveBackends
                    + " (raise backfill.maxActiveBackends to copy anyway)";
        }
        return null;
    }

    /** Measures and returns {retained WAL bytes (-1 without a slot), active backends other than tandem's}. */
    public synchronized long[] measure() throws SQLException {
        if (connection == null || connection.isClosed()) {
            connection = source.connect("tandem-load");
        }
        try (PreparedStatement ps = connection.prepareStatement("""
                SELECT (SELECT pg_wal_lsn_diff(pg_current_wal_lsn(), restart_lsn)::bigint
                        FROM pg_replication_slots WHERE slot_name = ?),
                       (SELECT count(*) FROM pg_stat_activity
                        WHERE state = 'active' AND backend_type = 'client backend' AND pid <> pg_backend_pid()
                          AND coalesce(application_name, '') NOT LIKE 'tandem%')""")) {
            ps.setString(1, slotName);
            try (ResultSet rs = ps.executeQuery()) {
                rs.next();
                long wal = rs.getObject(1) == null ? -1 : rs.getLong(1);
                retainedWalBytes = wal;
                return new long[] {wal, rs.getLong(2)};
            }
        } catch (SQLException e) {
            try {
                connection.close();
            } catch (SQLException close) {
                e.addSuppressed(close);
            }
            connection = null;
            throw new SQLException("cannot measure the load of " + source + " (slot " + slotName + "): " + e.getMessage(),
                    e.getSQLState(), e);
        }
    }

    /** WAL bytes the slot retained at the last measurement, or -1 before the first or without a slot. */
    public long retainedWalBytes() {
        return retainedWalBytes;
    }

    /** How many times the backfill paused because the source was over a threshold. */
    public long pauses() {
        return pauses.get();
    }

    /** The reason of the last pause, or null if none. */
    public String lastPauseReason() {
        return lastPauseReason;
    }

    @Override
    public synchronized void close() throws SQLException {
        if (connection != null) {
            connection.close();
            connection = null;
        }
    }
}
