package dev.tandem.deploy.demo;

import dev.tandem.capture.PgDatabase;
import java.math.BigDecimal;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.locks.LockSupport;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The demo's application: a steady stream of shop transactions (new orders with lines, status
 * changes, customer edits, deletions) against the legacy schema at a fixed rate.
 */
final class ShopWorkload implements Runnable {

    private static final Logger log = LoggerFactory.getLogger(ShopWorkload.class);

    private final PgDatabase legacy;
    private final int transactionsPerSecond;
    private final AtomicLong committed = new AtomicLong();
    private volatile boolean stopping;
    private volatile Throwable failure;
    private long maxCustomer;
    private long maxOrder;

    ShopWorkload(PgDatabase legacy, ShopSchema.Size seeded, int transactionsPerSecond) {
        this.legacy = legacy;
        this.transactionsPerSecond = transactionsPerSecond;
        this.maxCustomer = seeded.customers();
        this.maxOrder = seeded.orders();
    }

    long committed() {
        return committed.get();
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
        try (Connection c = legacy.connect("shop-app")) {
            c.setAutoCommit(false);
            while (!stopping) {
                oneTransaction(c, ThreadLocalRandom.current());
                c.commit();
                committed.incrementAndGet();
                next += interval;
                long wait = next - System.nanoTime();
                if (wait > 0) {
                    LockSupport.parkNanos(wait);
                } else if (wait < -1_000_000_000L) {
                    next = System.nanoTime(); // fell behind by more than a second: do not try to catch up in a burst
                }
            }
        } catch (SQLException | RuntimeException e) {
            failure = e;
            log.error("demo workload stopped: {}", e.getMessage(), e);
        }
    }

    private void oneTransaction(Connection c, ThreadLocalRandom random) throws SQLException {
        int dice = random.nextInt(100);
        if (dice < 40) {
            newOrder(c, random);
        } else if (dice < 65) {
            update(c, "UPDATE legacy.tbl_order SET ord_status = ?, ship_note = ? WHERE ord_id = ?",
                    String.valueOf("NPSC".charAt(random.nextInt(4))), random.nextBoolean() ? null : "Ring twice – zweimal",
                    1 + random.nextLong(maxOrder));
        } else if (dice < 72) {
            update(c, """
                    INSERT INTO legacy.tbl_cust_loyalty AS y (cust_id, pts, tier_cd) VALUES (?, ?, 'S')
                    ON CONFLICT (cust_id) DO UPDATE SET pts = y.pts + EXCLUDED.pts,
                        tier_cd = CASE WHEN y.pts + EXCLUDED.pts > 4000 THEN 'G' ELSE y.tier_cd END""",
                    1 + random.nextLong(maxCustomer), random.nextInt(1, 200));
        } else if (dice < 80) {
            update(c, """
                    UPDATE legacy.tbl_customer SET acct_balance = acct_balance + ?, email_addr = ?,
                           prefs = jsonb_set(coalesce(prefs, '{}'), '{visits}', to_jsonb(?::int))
                    WHERE cust_id = ?""",
                    BigDecimal.valueOf(random.nextInt(-5_000, 5_000), 2), "moved" + random.nextInt(1_000_000) + "@example.test",
                    random.nextInt(1000), 1 + random.nextLong(maxCustomer));
        } else if (dice < 90) {
            update(c, "DELETE FROM legacy.tbl_order_line WHERE ord_id = ? AND line_no = ?",
                    1 + random.nextLong(maxOrder), 1 + random.nextInt(3));
        } else if (dice < 95) {
            try (PreparedStatement ps = c.prepareStatement("""
                    INSERT INTO legacy.tbl_customer (cust_fname, cust_lname, email_addr, birth_dt, tags)
                    VALUES ('Zoë', 'New ' || ?, NULL, NULL, ARRAY['new']) RETURNING cust_id""")) {
                ps.setLong(1, random.nextLong(1_000_000));
                maxCustomer = Math.max(maxCustomer, returnedId(ps));
            }
        } else {
            update(c, "DELETE FROM legacy.tbl_order WHERE ord_id = ?", 1 + random.nextLong(maxOrder));
        }
    }

    private void newOrder(Connection c, ThreadLocalRandom random) throws SQLException {
        long order;
        try (PreparedStatement ps = c.prepareStatement("""
                INSERT INTO legacy.tbl_order (cust_id, ord_status, ord_total) VALUES (?, 'N', ?) RETURNING ord_id""")) {
            ps.setLong(1, 1 + random.nextLong(maxCustomer));
            ps.setBigDecimal(2, BigDecimal.valueOf(random.nextInt(100, 100_000), 2));
            order = returnedId(ps);
        }
        maxOrder = Math.max(maxOrder, order);
        try (PreparedStatement ps = c.prepareStatement("""
                INSERT INTO legacy.tbl_order_line (ord_id, line_no, sku, qty, unit_price) VALUES (?, ?, ?, ?, ?)""")) {
            int lines = 1 + random.nextInt(3);
            for (int line = 1; line <= lines; line++) {
                ps.setLong(1, order);
                ps.setInt(2, line);
                ps.setString(3, "SKU-" + random.nextInt(10_000));
                ps.setInt(4, 1 + random.nextInt(5));
                ps.setBigDecimal(5, BigDecimal.valueOf(random.nextInt(100, 20_000), 2));
                ps.addBatch();
            }
            ps.executeBatch();
        }
    }

    private static long returnedId(PreparedStatement ps) throws SQLException {
        try (ResultSet rs = ps.executeQuery()) {
            rs.next();
            return rs.getLong(1);
        }
    }

    private static void update(Connection c, String sql, Object... args) throws SQLException {
        try (PreparedStatement ps = c.prepareStatement(sql)) {
            for (int i = 0; i < args.length; i++) {
                ps.setObject(i + 1, args[i]);
            }
            ps.executeUpdate();
        }
    }
}
