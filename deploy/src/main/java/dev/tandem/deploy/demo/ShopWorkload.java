package dev.tandem.deploy.demo;

import dev.tandem.capture.PgDatabase;
import java.io.IOException;
import java.sql.Connection;
import java.sql.SQLException;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.locks.LockSupport;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The demo's application: a steady stream of shop transactions (new orders with lines, status changes, customer and
 * loyalty edits, deletions) at a fixed rate, each written to the side the route flag names. A transaction the write
 * block refuses (SQLSTATE 40001) is rolled back and tried again after reading the flag anew.
 */
final class ShopWorkload implements Runnable {

    private static final Logger log = LoggerFactory.getLogger(ShopWorkload.class);
    private static final String REFUSED_BY_WRITE_BLOCK = "40001";
    private static final long RETRY_PAUSE_NANOS = 20_000_000L;

    private final PgDatabase legacy;
    private final PgDatabase newDb;
    private final RouteFlag route;
    private final ShopWrites onLegacy;
    private final ShopWrites onNew;
    private final int transactionsPerSecond;
    private final AtomicLong committedLegacy = new AtomicLong();
    private final AtomicLong committedNew = new AtomicLong();
    private final AtomicLong refused = new AtomicLong();
    /** Keys of the orders the application inserted while the new side was live (from the new side's sequence). */
    private final List<Long> ordersOnNew = new CopyOnWriteArrayList<>();
    private volatile boolean stopping;
    private volatile Throwable failure;

    ShopWorkload(PgDatabase legacy, PgDatabase newDb, RouteFlag route, ShopSchema.Size seeded, int transactionsPerSecond) {
        this.legacy = legacy;
        this.newDb = newDb;
        this.route = route;
        this.onLegacy = new LegacyShopWrites(seeded);
        this.onNew = new NewShopWrites(seeded);
        this.transactionsPerSecond = transactionsPerSecond;
    }

    long committed() {
        return committedLegacy.get() + committedNew.get();
    }

    long committedOnLegacy() {
        return committedLegacy.get();
    }

    long committedOnNew() {
        return committedNew.get();
    }

    /** Transactions the write block refused and the application tried again. */
    long refused() {
        return refused.get();
    }

    List<Long> ordersOnNew() {
        return List.copyOf(ordersOnNew);
    }

    Throwable failure() {
        return failure;
    }

    void stop() {
        stopping = true;
    }

    @Override
    public void run() {
        if (transactionsPerSecond <= 0) {
            return;
        }
        long interval = 1_000_000_000L / transactionsPerSecond;
        long next = System.nanoTime();
        try (Connection legacyConnection = legacy.connect("shop-app"); Connection newConnection = newDb.connect("shop-app")) {
            legacyConnection.setAutoCommit(false);
            newConnection.setAutoCommit(false);
            while (!stopping) {
                RouteFlag.Side side = route.side();
                if (!commitOne(side == RouteFlag.Side.NEW ? newConnection : legacyConnection, side)) {
                    continue;
                }
                next += interval;
                long wait = next - System.nanoTime();
                if (wait > 0) {
                    LockSupport.parkNanos(wait);
                } else if (wait < -1_000_000_000L) {
                    next = System.nanoTime(); // fell behind by more than a second: do not try to catch up in a burst
                }
            }
        } catch (SQLException | IOException | RuntimeException e) {
            failure = e;
            log.error("demo workload stopped: {}", e.getMessage(), e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            failure = e;
        }
    }

    /** One transaction on {@code side}; false when the write block refused it (rolled back, route to be read again). */
    private boolean commitOne(Connection c, RouteFlag.Side side) throws SQLException {
        long order;
        try {
            order = (side == RouteFlag.Side.NEW ? onNew : onLegacy).oneTransaction(c, ThreadLocalRandom.current());
            c.commit();
        } catch (SQLException e) {
            c.rollback();
            if (!refusedByWriteBlock(e)) {
                throw e;
            }
            refused.incrementAndGet();
            route.forget();
            LockSupport.parkNanos(RETRY_PAUSE_NANOS);
            return false;
        }
        if (side == RouteFlag.Side.NEW) {
            committedNew.incrementAndGet();
            if (order != 0) {
                ordersOnNew.add(order);
            }
        } else {
            committedLegacy.incrementAndGet();
        }
        return true;
    }

    /** A batch reports the statement's own error as its next exception. */
    private static boolean refusedByWriteBlock(SQLException e) {
        for (SQLException s = e; s != null; s = s.getNextException()) {
            if (REFUSED_BY_WRITE_BLOCK.equals(s.getSQLState())) {
                return true;
            }
        }
        return false;
    }
}
