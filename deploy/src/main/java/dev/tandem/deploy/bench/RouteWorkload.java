package dev.tandem.deploy.bench;

import dev.tandem.capture.PgDatabase;
import dev.tandem.deploy.lifecycle.PhaseStore;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The cutover part's application: {@code rate} single-row update transactions per second from {@link #WRITERS}
 * connections per side (one slow commit does not hold back the schedule), each sent to the side the route names
 * (read every 50 ms), retried there after a fence refused it.
 */
final class RouteWorkload implements Workload {

    private static final Logger log = LoggerFactory.getLogger(RouteWorkload.class);
    private static final long ROUTE_REFRESH_NANOS = 50_000_000L;
    static final int WRITERS = 4;

    private final PhaseStore route;
    private final PgDatabase legacy;
    private final PgDatabase newDb;
    private final long intervalNanos;
    private final AtomicBoolean stop = new AtomicBoolean();
    private final AtomicLong committed = new AtomicLong();
    private final AtomicLong refused = new AtomicLong();
    private final List<Thread> threads = new ArrayList<>();

    RouteWorkload(PhaseStore route, PgDatabase legacy, PgDatabase newDb, int rate) {
        this.route = route;
        this.legacy = legacy;
        this.newDb = newDb;
        this.intervalNanos = 1_000_000_000L * WRITERS / rate;
        for (int i = 0; i < WRITERS; i++) {
            Thread thread = new Thread(this::run, "bench-route-workload-" + i);
            threads.add(thread);
            thread.start();
        }
    }

    @Override
    public long committed() {
        return committed.get();
    }

    @Override
    public long refused() {
        return refused.get();
    }

    private void run() {
        try (Connection toLegacy = legacy.connect("bench-app"); Connection toNew = newDb.connect("bench-app");
             PreparedStatement legacyUpdate = toLegacy.prepareStatement(
                     "UPDATE legacy.account SET balance = balance + 0.01 WHERE id = ?");
             PreparedStatement newUpdate = toNew.prepareStatement(
                     "UPDATE app.account SET balance_cents = balance_cents + 1 WHERE id = ?")) {
            boolean toNewSide = false;
            long routeReadAt = 0;
            long next = System.nanoTime();
            while (!stop.get()) {
                if (System.nanoTime() - routeReadAt > ROUTE_REFRESH_NANOS) {
                    toNewSide = route.phase(toNew).route().equals("new"); // the route lives in the new database
                    routeReadAt = System.nanoTime();
                }
                PreparedStatement update = toNewSide ? newUpdate : legacyUpdate;
                update.setLong(1, ThreadLocalRandom.current().nextLong(1, 10_001));
                try {
                    update.executeUpdate();
                    committed.incrementAndGet();
                    next += intervalNanos;
                } catch (SQLException e) {
                    if (!"40001".equals(e.getSQLState())) {
                        throw e;
                    }
                    refused.incrementAndGet();
                    routeReadAt = 0; // re-read the route, then retry
                }
                long wait = next - System.nanoTime();
                if (wait > 0) {
                    Thread.sleep(wait / 1_000_000, (int) (wait % 1_000_000));
                }
            }
        } catch (SQLException e) {
            log.error("bench cutover: the application workload failed: {}", e.getMessage(), e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    @Override
    public void close() throws InterruptedException {
        stop.set(true);
        for (Thread thread : threads) {
            thread.join(10_000);
        }
    }
}
