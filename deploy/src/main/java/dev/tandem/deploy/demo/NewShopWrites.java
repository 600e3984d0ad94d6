package dev.tandem.deploy.demo;

import static dev.tandem.deploy.demo.ShopWrites.returnedId;
import static dev.tandem.deploy.demo.ShopWrites.update;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.SQLException;
import java.util.concurrent.ThreadLocalRandom;

/** The same shop transactions as the application writes them once the new schema is live. */
final class NewShopWrites implements ShopWrites {

    private static final String[] STATUSES = {"new", "paid", "shipped", "cancelled"};

    private final ShopSchema.Size seeded;

    NewShopWrites(ShopSchema.Size seeded) {
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
            update(c, "UPDATE shop.orders SET status = ?::shop.order_status, shipping_note = ? WHERE id = ?",
                    STATUSES[random.nextInt(4)], random.nextBoolean() ? null : "Ring twice – zweimal", order);
        } else if (dice < 72) {
            int points = random.nextInt(1, 200);
            update(c, """
                    UPDATE shop.customer SET loyalty_points = loyalty_points + ?,
                        loyalty_tier = CASE WHEN loyalty_points + ? > 4000 THEN 'gold'
                                            WHEN loyalty_tier = 'none' THEN 'silver' ELSE loyalty_tier END
                    WHERE id = ?""", points, points, customer);
        } else if (dice < 80) {
            update(c, "UPDATE shop.customer SET balance_cents = balance_cents + ?, email = ? WHERE id = ?",
                    random.nextLong(-5_000, 5_000), "moved" + random.nextInt(1_000_000) + "@example.test", customer);
            update(c, """
                    UPDATE shop.customer_profile SET preferences = jsonb_set(coalesce(preferences, '{}'), '{visits}', to_jsonb(?::int))
                    WHERE customer_id = ?""", random.nextInt(1000), customer);
        } else if (dice < 90) {
            update(c, "DELETE FROM shop.order_item WHERE order_id = ? AND line_number = ?", order, 1 + random.nextInt(3));
        } else if (dice < 95) {
            newCustomer(c, random);
        } else {
            // no foreign keys here: the application removes an order's items itself
            update(c, "DELETE FROM shop.order_item WHERE order_id = ?", order);
            update(c, "DELETE FROM shop.orders WHERE id = ?", order);
        }
        return 0;
    }

    private static long newOrder(Connection c, ThreadLocalRandom random, long customer) throws SQLException {
        long order;
        try (PreparedStatement ps = c.prepareStatement("""
                INSERT INTO shop.orders (customer_id, status, total_cents, ordered_at) VALUES (?, 'new', ?, now()) RETURNING id""")) {
            ps.setLong(1, customer);
            ps.setLong(2, random.nextLong(100, 100_000));
            order = returnedId(ps);
        }
        try (PreparedStatement ps = c.prepareStatement("""
                INSERT INTO shop.order_item (order_id, line_number, sku, quantity, unit_price_cents) VALUES (?, ?, ?, ?, ?)""")) {
            int lines = 1 + random.nextInt(3);
            for (int line = 1; line <= lines; line++) {
                ps.setLong(1, order);
                ps.setInt(2, line);
                ps.setString(3, "SKU-" + random.nextInt(10_000));
                ps.setInt(4, 1 + random.nextInt(5));
                ps.setLong(5, random.nextLong(100, 20_000));
                ps.addBatch();
            }
            ps.executeBatch();
        }
        return order;
    }

    private static void newCustomer(Connection c, ThreadLocalRandom random) throws SQLException {
        long customer;
        try (PreparedStatement ps = c.prepareStatement("""
                INSERT INTO shop.customer (full_name, email, customer_since, balance_cents, external_ref, active,
                                           loyalty_points, loyalty_tier)
                VALUES ('Zoë New ' || ?, NULL, now(), 0, gen_random_uuid(), true, 0, 'none') RETURNING id""")) {
            ps.setLong(1, random.nextLong(1_000_000));
            customer = returnedId(ps);
        }
        update(c, "INSERT INTO shop.customer_profile (customer_id, tags) VALUES (?, ARRAY['new'])", customer);
    }
}
