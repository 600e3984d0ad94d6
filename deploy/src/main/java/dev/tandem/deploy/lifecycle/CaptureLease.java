package dev.tandem.deploy.lifecycle;

import dev.tandem.capture.PgDatabase;
import dev.tandem.sync.control.ControlSchema;
import java.net.InetAddress;
import java.net.UnknownHostException;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Decides which {@code tandem run} instance of a migration captures: the one whose dedicated connection to the new
 * database holds a session advisory lock, which PostgreSQL releases the moment that process or connection dies.
 * Every instance polls it; the holder also checks on each poll that its session still holds it and gives the role up
 * (telling its listener, which stops the capture) as soon as it cannot confirm that. {@code tandem.capture_leader}
 * names the holder for the status; the lock alone decides.
 */
public final class CaptureLease implements AutoCloseable {

    private static final Logger log = LoggerFactory.getLogger(CaptureLease.class);
    /** How often a standby tries the lock and the leader checks it: a takeover starts within this after a death. */
    public static final Duration POLL = Duration.ofMillis(500);
    private static final long HEARTBEAT_NANOS = TimeUnit.SECONDS.toNanos(2);
    /** A check that gets no answer within this counts as a lost lease. */
    private static final int NETWORK_TIMEOUT_MILLIS = 3_000;

    private static final AtomicInteger IN_THIS_PROCESS = new AtomicInteger();

    private final PgDatabase control;
    private final String migration;
    private final String instance;
    private final String host;
    private final ScheduledExecutorService ticker;
    private Connection session;
    private volatile CaptureRole role = CaptureRole.STANDBY;
    /** How many times this instance took the lease: a pipeline started under an older term was fenced. */
    private volatile long term;
    private volatile long lastAnswerNanos;
    private long heartbeatNanos;
    private boolean unreachableLogged;
    private volatile Runnable onLost = () -> { };

    public CaptureLease(PgDatabase control, String migration, String instance, String host) {
        this.control = control;
        this.migration = migration;
        this.instance = instance;
        this.host = host;
        this.ticker = Executors.newSingleThreadScheduledExecutor(r -> {
            Thread t = new Thread(r, "tandem-capture-lease-" + migration);
            t.setDaemon(true);
            return t;
        });
    }

    /**
     * A lease for this process: the instance is {@code host/pid} ({@code host/pid#n} for the n-th in one JVM), the
     * host the pod's or machine's name.
     */
    public static CaptureLease forThisProcess(PgDatabase control, String migration) {
        String host = System.getenv("HOSTNAME");
        if (host == null || host.isBlank()) {
            try {
                host = InetAddress.getLocalHost().getHostName();
            } catch (UnknownHostException e) {
                host = "unknown-host";
            }
        }
        int nth = IN_THIS_PROCESS.incrementAndGet(); // several runs in one JVM (tests) stay apart
        return new CaptureLease(control, migration, host + "/" + ProcessHandle.current().pid() + (nth == 1 ? "" : "#" + nth),
                host);
    }

    /** Called, on the lease's thread, the moment this instance stops being the leader; set before {@link #start()}. */
    public CaptureLease onLost(Runnable listener) {
        this.onLost = listener;
        return this;
    }

    /** Polls every {@link #POLL} from now on; the first poll runs before this returns. */
    public CaptureLease start() {
        poll();
        ticker.scheduleWithFixedDelay(this::poll, POLL.toMillis(), POLL.toMillis(), TimeUnit.MILLISECONDS);
        return this;
    }

    public CaptureRole role() {
        return role;
    }

    /** Grows each time this instance takes the lease; a leader whose term changed lost the lease in between. */
    public long term() {
        return term;
    }

    public String instance() {
        return instance;
    }

    public String migration() {
        return migration;
    }

    /** True while the last answer from the new database came within a few polls: the role is known. */
    public boolean healthy() {
        return System.nanoTime() - lastAnswerNanos < 4 * POLL.toNanos();
    }

    /** Waits up to {@code patience} to become the leader (e.g. before a re-backfill); true when it is. */
    public boolean awaitLeader(Duration patience) throws InterruptedException {
        long deadline = System.nanoTime() + patience.toNanos();
        while (role != CaptureRole.LEADER && System.nanoTime() < deadline) {
            Thread.sleep(POLL.toMillis() / 5);
        }
        return role == CaptureRole.LEADER;
    }

    /** One poll: a standby tries to take the lock, the leader confirms it still holds it. */
    synchronized void poll() {
        try {
            if (session == null) {
                session = open();
            }
            if (role == CaptureRole.STANDBY) {
                tryTake();
            } else if (!stillHeld()) {
                lose("its session no longer holds the lock");
            } else if (System.nanoTime() - heartbeatNanos > HEARTBEAT_NANOS) {
                heartbeat();
            }
            lastAnswerNanos = System.nanoTime();
            unreachableLogged = false;
        } catch (SQLException | RuntimeException e) {
            closeSession();
            if (role == CaptureRole.LEADER) {
                lose("the new database did not confirm it (" + e.getMessage() + ")");
            } else if (!unreachableLogged) {
                log.warn("migration {}: instance {} cannot reach {} to try the capture lease ({}); standing by and retrying",
                        migration, instance, control, e.getMessage());
                unreachableLogged = true;
            }
        }
    }

    private Connection open() throws SQLException {
        Connection c = control.connect("tandem-capture-lease");
        try {
            c.setNetworkTimeout(Runnable::run, NETWORK_TIMEOUT_MILLIS);
            try (Statement st = c.createStatement()) {
                // The server drops this session, and with it the lock, within seconds of losing this host.
                st.execute("SET tcp_keepalives_idle = 5");
                st.execute("SET tcp_keepalives_interval = 2");
                st.execute("SET tcp_keepalives_count = 3");
                st.execute("SET tcp_user_timeout = 10000");
            }
            ControlSchema.ensure(c);
            return c;
        } catch (SQLException | RuntimeException e) {
            c.close();
            throw e;
        }
    }

    private void tryTake() throws SQLException {
        try (PreparedStatement ps = session.prepareStatement("SELECT pg_try_advisory_lock(hashtext(?))")) {
            ps.setString(1, key());
            try (ResultSet rs = ps.executeQuery()) {
                rs.next();
                if (!rs.getBoolean(1)) {
                    return;
                }
            }
        }
        String previous = record();
        term++;
        role = CaptureRole.LEADER;
        heartbeatNanos = System.nanoTime();
        log.info("migration {}: instance {} took the capture lease{}: standby → leader", migration, instance,
                previous == null ? "" : " (before: " + previous + ")");
    }

    /** Names this instance in {@code tandem.capture_leader}; returns who was named before, or null. */
    private String record() throws SQLException {
        String previous = null;
        try (PreparedStatement ps = session.prepareStatement("""
                SELECT instance || ', last heartbeat ' || round(extract(epoch FROM now() - heartbeat_at)::numeric, 1) || ' s ago'
                FROM tandem.capture_leader WHERE migration = ?""")) {
            ps.setString(1, migration);
            try (ResultSet rs = ps.executeQuery()) {
                if (rs.next()) {
                    previous = rs.getString(1);
                }
            }
        }
        try (PreparedStatement ps = session.prepareStatement("""
                INSERT INTO tandem.capture_leader (migration, instance, host, since, heartbeat_at)
                VALUES (?, ?, ?, now(), now())
                ON CONFLICT (migration) DO UPDATE SET instance = EXCLUDED.instance, host = EXCLUDED.host,
                    since = EXCLUDED.since, heartbeat_at = EXCLUDED.heartbeat_at""")) {
            ps.setString(1, migration);
            ps.setString(2, instance);
            ps.setString(3, host);
            ps.executeUpdate();
        }
        return previous;
    }

    private boolean stillHeld() throws SQLException {
        try (PreparedStatement ps = session.prepareStatement("""
                SELECT EXISTS (SELECT 1 FROM pg_locks WHERE locktype = 'advisory' AND granted AND pid = pg_backend_pid()
                               AND objsubid = 1 AND objid = (hashtext(?)::bigint & 4294967295)::oid)""")) {
            ps.setString(1, key());
            try (ResultSet rs = ps.executeQuery()) {
                rs.next();
                return rs.getBoolean(1);
            }
        }
    }

    private void heartbeat() throws SQLException {
        try (PreparedStatement ps = session.prepareStatement(
                "UPDATE tandem.capture_leader SET heartbeat_at = now() WHERE migration = ? AND instance = ?")) {
            ps.setString(1, migration);
            ps.setString(2, instance);
            if (ps.executeUpdate() == 0) {
                record(); // the row was removed by hand: the lock says this instance leads, so name it again
            }
        }
        heartbeatNanos = System.nanoTime();
    }

    private void lose(String why) {
        role = CaptureRole.STANDBY;
        closeSession();
        log.error("migration {}: instance {} lost the capture lease: {}; stopping its capture at once: leader → standby",
                migration, instance, why);
        onLost.run();
    }

    private void closeSession() {
        if (session != null) {
            try {
                session.close();
            } catch (SQLException e) {
                log.debug("closing the capture lease session failed: {}", e.getMessage());
            }
            session = null;
        }
    }

    private String key() {
        return "tandem.capture." + migration;
    }

    /** Gives the role up (the row goes, the lock with the session) and stops polling. */
    @Override
    public void close() {
        ticker.shutdownNow();
        synchronized (this) {
            if (role == CaptureRole.LEADER && session != null) {
                try (PreparedStatement ps = session.prepareStatement(
                        "DELETE FROM tandem.capture_leader WHERE migration = ? AND instance = ?")) {
                    ps.setString(1, migration);
                    ps.setString(2, instance);
                    ps.executeUpdate();
                } catch (SQLException e) {
                    log.warn("migration {}: cannot clear the capture leader row on stop ({}); the next leader replaces it",
                            migration, e.getMessage());
                }
            }
            role = CaptureRole.STANDBY;
            closeSession();
        }
    }
}
