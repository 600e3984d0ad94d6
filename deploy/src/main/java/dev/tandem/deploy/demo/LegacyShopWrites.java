package dev.tandem.deploy.demo;

import static dev.tandem.deploy.demo.ShopWrites.returnedId;
import static dev.tandem.deploy.demo.ShopWrites.update;

import java.math.BigDecimal;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.SQLException;
import java.util.concurrent.ThreadLocalRandom;

/** The shop's transactions as the old application writes them, in the legacy schema. */
final class LegacyShopWrites implements ShopWrites {

    private final ShopSchema.Size seeded;

    LegacyShopWrites(ShopSchema.Size seeded) {
        this.seeded = seeded;
    }

    @Override
    public long oneTransaction(Connection c, ThreadLocalRandom random) throws SQLException {
        int dice = random.nextInt(100);
        long customer = 1 + random.nextLong(seeded.customers());
        long order = 1 + random.nextLong(seeded.orders());
        if (dice < 40) {
            return newOrder(c, random, customer);
        } else if (dice < 65) {
            update(c, "UPDATE legacy.tbl_order SET ord_status = ?, ship_note = ? WHERE ord_id = ?",
                    String.valueOf("NPSC".charAt(random.nextInt(4))), random.nextBoolean() ? null : "Ring twice – zweimal", order);
        } else if (dice < 72) {
            update(c, """
                    INSERT INTO legacy.tbl_cust_loyalty AS y (cust_id, pts, tier_cd) VALUES (?, ?, 'S')
                    ON CONFLICT (cust_id) DO UPDATE SET pts = y.pts + EXCLUDED.pts,
                        tier_cd = CASE WHEN y.pts + EXCLUDED.pts > 4000 THEN 'G' ELSE y.tier_cd END""",
                    customer, random.nextInt(1, 200));
        } else if (dice < 80) {
            update(c, """
                    UPDATE legacy.tbl_customer SET acct_balance = acct_balance + ?, email_addr = ?,
                           prefs = jsonb_set(coalesce(prefs, '{}'), '{visits}', to_jsonb(?::int))
                    WHERE cust_id = ?""",
                    BigDecimal.valueOf(random.nextInt(-5_000, 5_000), 2), "moved" + random.nextInt(1_000_000) + "@example.test",
                    random.nextInt(1000), customer);
        } else if (dice < 90) {
            update(c, "DELETE FROM legacy.tbl_order_line WHERE ord_id = ? AND line_no = ?", order, 1 + random.nextInt(3));
        } else if (dice < 95) {
            update(c, """
                    INSERT INTO legacy.tbl_customer (cust_fname, cust_lname, email_addr, birth_dt, tags)
                    VALUES ('Zoë', 'New ' || ?, NULL, NULL, ARRAY['new'])""", random.nextLong(1_000_000));
        } else {
            update(c, "DELETE FROM legacy.tbl_order WHERE ord_id = ?", order); // its lines go with it (ON DELETE CASCADE)
        }
        return 0;
    }

    private static long newOrder(Connection c, ThreadLocalRandom random, long customer) throws SQLException {
        long order;
        try (PreparedStatement ps = c.prepareStatement("""
                INSERT INTO legacy.tbl_order (cust_id, ord_status, ord_total) VALUES (?, 'N', ?) RETURNING ord_id""")) {
            ps.setLong(1, customer);
            ps.setBigDecimal(2, BigDecimal.valueOf(random.nextInt(100, 100_000), 2));
            order = returnedId(ps);
        }
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
        return order;
    }
}
