package dev.tandem.capture.replication;

import dev.tandem.capture.PgDatabase;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Says, while a replication slot is being created, which transactions it waits for: PostgreSQL cannot hand out a
 * consistent starting point until every transaction that had written when the creation began has ended, so on a
 * busy server (or with a session left idle in a transaction) the creation seems to hang. Checks every second, logs
 * every few seconds.
 */
final class SlotCreationWatch implements AutoCloseable {

    private static final Logger log = LoggerFactory.getLogger(SlotCreationWatch.class);
    private static final long CHECK_MILLIS = 1_000;
    static final long LOG_EVERY_NANOS = TimeUnit.SECONDS.toNanos(5);

    private final PgDatabase source;
    private final String slotName;
    private final SlotCreationListener listener;
    private final ScheduledExecutorService timer;
    private final Connection session;
    private final String began;
    private final long beganNanos = System.nanoTime();
    private long lastLog = beganNanos;
    private volatile List<OpenTransaction> waitingFor = List.of();

    private SlotCreationWatch(PgDatabase source, String slotName, SlotCreationListener listener, Connection session,
                              String began) {
        this.source = source;
        this.slotName = slotName;
        this.listener = listener;
        this.session = session;
        this.began = began;
        this.timer = Executors.newSingleThreadScheduledExecutor(r -> {
            Thread t = new Thread(r, "tandem-slot-creation-watch-" + slotName);
            t.setDaemon(true);
            return t;
        });
    }

    /**
     * Starts watching; call just before the slot creation, close right after it returned or failed. A watch that
     * cannot open its own session says so and watches nothing: the creation goes on without it. {@code listener}
     * hears every check's result.
     */
    static SlotCreationWatch start(PgDatabase source, String slotName, SlotCreationListener listener) {
        Connection session = null;
        try {
            session = source.connect("tandem-slot-watch");
            try (PreparedStatement ps = session.prepareStatement("SELECT clock_timestamp()::text");
                 ResultSet rs = ps.executeQuery()) {
                rs.next();
                SlotCreationWatch watch = new SlotCreationWatch(source, slotName, listener, session, rs.getString(1));
                watch.timer.scheduleWithFixedDelay(watch::check, CHECK_MILLIS, CHECK_MILLIS, TimeUnit.MILLISECONDS);
                return watch;
            }
        } catch (SQLException e) {
            log.warn("cannot watch which transactions the creation of slot {} on {} waits for: {}", slotName, source,
                    e.getMessage());
            closeQuietly(session);
            return new SlotCreationWatch(source, slotName, listener, null, null);
        }
    }

    /** The transactions the creation waited for at the last check (empty before the first, or when none). */
    List<OpenTransaction> waitingFor() {
        return waitingFor;
    }

    private void check() {
        try {
            waitingFor = openTransactions();
        } catch (SQLException e) {
            log.warn("cannot tell which transactions the creation of slot {} on {} waits for: {}", slotName, source,
                    e.getMessage());
            return;
        }
        listener.waiting(slotName, waitingFor);
        long now = System.nanoTime();
        if (!waitingFor.isEmpty() && now - lastLog >= LOG_EVERY_NANOS) {
            lastLog = now;
            log.warn("creating replication slot {} on {} has waited {} s for {} transaction(s) that had written before it "
                            + "began: PostgreSQL starts a slot only once they end (commit or roll them back, or end idle "
                            + "sessions): {}", slotName, source, TimeUnit.NANOSECONDS.toSeconds(now - beganNanos),
                    waitingFor.size(), waitingFor);
        }
    }

    /** Transactions with a transaction id (they wrote) that began before the creation did, on any database. */
    private List<OpenTransaction> openTransactions() throws SQLException {
        List<OpenTransaction> open = new ArrayList<>();
        try (PreparedStatement ps = session.prepareStatement("""
                SELECT pid, usename, datname, application_name, state,
                       extract(epoch FROM clock_timestamp() - xact_start)::bigint, left(query, 200)
                FROM pg_stat_activity
                WHERE backend_xid IS NOT NULL AND xact_start < ?::timestamptz AND pid <> pg_backend_pid()
                ORDER BY xact_start""")) {
            ps.setString(1, began);
            try (ResultSet rs = ps.executeQuery()) {
                while (rs.next()) {
                    open.add(new OpenTransaction(rs.getInt(1), rs.getString(2), rs.getString(3), rs.getString(4),
                            rs.getString(5), rs.getLong(6), rs.getString(7)));
                }
            }
        }
        return open;
    }

    @Override
    public void close() {
        timer.shutdownNow();
        try {
            timer.awaitTermination(5, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        closeQuietly(session);
    }

    private static void closeQuietly(Connection session) {
        if (session == null) {
            return;
        }
        try {
            session.close();
        } catch (SQLException e) {
            log.debug("closing the slot-creation watch session failed: {}", e.getMessage());
        }
    }
}
