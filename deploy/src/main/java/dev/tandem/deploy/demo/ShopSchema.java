package dev.tandem.deploy.demo;

import dev.tandem.capture.PgDatabase;
import dev.tandem.sync.mapping.TableMapping;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.List;
import java.util.Map;

/**
 * The demo's shop: a legacy schema with the naming and habits of an old application, the new
 * schema it moves to, and the mapping between them.
 */
final class ShopSchema {

    static final String LEGACY_DDL = """
            CREATE SCHEMA legacy;
            CREATE TABLE legacy.tbl_customer (
                cust_id      bigserial PRIMARY KEY,
                cust_fname   varchar(60) NOT NULL,
                cust_lname   varchar(60) NOT NULL,
                email_addr   varchar(200),
                cust_since   timestamptz NOT NULL DEFAULT now(),
                birth_dt     date,
                acct_balance numeric(12,2) NOT NULL DEFAULT 0,
                ext_ref      uuid NOT NULL DEFAULT gen_random_uuid(),
                prefs        jsonb,
                tags         text[],
                avatar       bytea,
                is_active    boolean NOT NULL DEFAULT true);
            CREATE TABLE legacy.tbl_order (
                ord_id     bigserial PRIMARY KEY,
                cust_id    bigint NOT NULL REFERENCES legacy.tbl_customer,
                ord_status char(1) NOT NULL,
                ord_total  numeric(12,2) NOT NULL,
                ord_ts     timestamptz NOT NULL DEFAULT now(),
                ship_note  text);
            CREATE TABLE legacy.tbl_order_line (
                ord_id     bigint NOT NULL REFERENCES legacy.tbl_order ON DELETE CASCADE,
                line_no    int NOT NULL,
                sku        varchar(32) NOT NULL,
                qty        int NOT NULL,
                unit_price numeric(10,2) NOT NULL,
                PRIMARY KEY (ord_id, line_no));
            """;

    static final String NEW_DDL = """
            CREATE SCHEMA shop;
            CREATE TABLE shop.customer (
                id             bigint PRIMARY KEY,
                first_name     varchar(60) NOT NULL,
                last_name      varchar(60) NOT NULL,
                email          varchar(200),
                customer_since timestamptz NOT NULL,
                birth_date     date,
                balance        numeric(12,2) NOT NULL,
                external_ref   uuid NOT NULL,
                preferences    jsonb,
                tags           text[],
                avatar         bytea,
                active         boolean NOT NULL,
                migrated_at    timestamptz NOT NULL DEFAULT now());
            CREATE TABLE shop.orders (
                id            bigint PRIMARY KEY,
                customer_id   bigint NOT NULL,
                status        char(1) NOT NULL,
                total         numeric(12,2) NOT NULL,
                ordered_at    timestamptz NOT NULL,
                shipping_note text);
            CREATE TABLE shop.order_item (
                order_id    bigint NOT NULL,
                line_number int NOT NULL,
                sku         varchar(32) NOT NULL,
                quantity    int NOT NULL,
                unit_price  numeric(10,2) NOT NULL,
                PRIMARY KEY (order_id, line_number));
            """;

    static final List<TableMapping> MAPPINGS = List.of(
            new TableMapping("legacy.tbl_customer", "shop.customer", Map.of(
                    "cust_id", "id", "cust_fname", "first_name", "cust_lname", "last_name", "email_addr", "email",
                    "cust_since", "customer_since", "birth_dt", "birth_date", "acct_balance", "balance",
                    "ext_ref", "external_ref", "prefs", "preferences", "is_active", "active")),
            new TableMapping("legacy.tbl_order", "shop.orders", Map.of(
                    "ord_id", "id", "cust_id", "customer_id", "ord_status", "status", "ord_total", "total",
                    "ord_ts", "ordered_at", "ship_note", "shipping_note")),
            new TableMapping("legacy.tbl_order_line", "shop.order_item", Map.of(
                    "ord_id", "order_id", "line_no", "line_number", "qty", "quantity")));

    /** Row counts of a seeded shop: a tenth customers, three tenths orders, six tenths order lines. */
    record Size(long customers, long orders, long lines) {
        static Size of(long rows) {
            long customers = Math.max(1, rows / 10);
            long orders = Math.max(1, rows * 3 / 10);
            return new Size(customers, orders, Math.max(0, rows - customers - orders));
        }

        long total() {
            return customers + orders + lines;
        }
    }

    private ShopSchema() {
    }

    static void create(PgDatabase legacy, PgDatabase fresh) throws SQLException {
        execute(legacy, LEGACY_DDL);
        execute(fresh, NEW_DDL);
    }

    /** Fills the legacy schema inside the database (generate_series), with every carried type represented. */
    static void seed(PgDatabase legacy, Size size) throws SQLException {
        try (Connection c = legacy.connect("tandem-demo-seed")) {
            c.setAutoCommit(false);
            try (PreparedStatement customers = c.prepareStatement("""
                    INSERT INTO legacy.tbl_customer (cust_fname, cust_lname, email_addr, cust_since, birth_dt, acct_balance,
                                                     prefs, tags, avatar, is_active)
                    SELECT (ARRAY['Ada','Bjørn','Chloé','Dmitri','Eun-ji','François','Grace','Håkon'])[1 + g % 8],
                           'Customer ' || g,
                           CASE WHEN g % 17 = 0 THEN NULL ELSE 'user' || g || '@example.test' END,
                           timestamptz '2015-01-01 00:00:00+00' + (g * interval '37 minutes'),
                           CASE WHEN g % 5 = 0 THEN NULL ELSE date '1950-01-01' + (g % 20000)::int END,
                           round((g % 100000) / 7.0, 2),
                           CASE WHEN g % 3 = 0 THEN NULL ELSE jsonb_build_object('newsletter', g % 2 = 0, 'lang', 'de-CH', 'note', 'it''s "fine"') END,
                           CASE WHEN g % 4 = 0 THEN NULL ELSE ARRAY['vip', 'tier-' || (g % 3), 'a,b'] END,
                           CASE WHEN g % 9 = 0 THEN decode(md5(g::text), 'hex') ELSE NULL END,
                           g % 13 <> 0
                    FROM generate_series(1, ?) g""");
                 PreparedStatement orders = c.prepareStatement("""
                    INSERT INTO legacy.tbl_order (cust_id, ord_status, ord_total, ord_ts, ship_note)
                    SELECT 1 + (g * 7919) % ?, (ARRAY['N','P','S','C'])[1 + g % 4], round((g % 50000) / 3.0, 2),
                           timestamptz '2020-01-01 00:00:00+00' + (g * interval '3 minutes'),
                           CASE WHEN g % 6 = 0 THEN 'Leave at the door – Tür' ELSE NULL END
                    FROM generate_series(1, ?) g""");
                 PreparedStatement lines = c.prepareStatement("""
                    INSERT INTO legacy.tbl_order_line (ord_id, line_no, sku, qty, unit_price)
                    SELECT 1 + (g - 1) % ?, 1 + (g - 1) / ?, 'SKU-' || lpad((g % 9973)::text, 5, '0'), 1 + g % 5,
                           round((g % 20000) / 9.0, 2)
                    FROM generate_series(1, ?) g""")) {
                customers.setLong(1, size.customers());
                customers.executeUpdate();
                orders.setLong(1, size.customers());
                orders.setLong(2, size.orders());
                orders.executeUpdate();
                lines.setLong(1, size.orders());
                lines.setLong(2, size.orders());
                lines.setLong(3, size.lines());
                lines.executeUpdate();
            }
            c.commit();
            try (Statement st = c.createStatement()) {
                st.execute("ANALYZE");
            }
        }
    }

    private static void execute(PgDatabase db, String ddl) throws SQLException {
        try (Connection c = db.connect("tandem-demo-setup"); Statement st = c.createStatement()) {
            st.execute(ddl);
        }
    }
}
