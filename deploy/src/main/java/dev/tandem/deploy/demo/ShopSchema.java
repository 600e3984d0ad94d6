package dev.tandem.deploy.demo;

import dev.tandem.capture.PgDatabase;
import dev.tandem.sync.mapping.MappingParser;
import dev.tandem.sync.mapping.MappingSpec;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.SQLException;
import java.sql.Statement;

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
            CREATE TABLE legacy.tbl_cust_loyalty (
                cust_id bigint PRIMARY KEY REFERENCES legacy.tbl_customer,
                pts     int NOT NULL DEFAULT 0,
                tier_cd char(1));
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
            CREATE TYPE shop.order_status AS ENUM ('new', 'paid', 'shipped', 'cancelled');
            CREATE TABLE shop.customer (
                id             bigint PRIMARY KEY,
                full_name      varchar(121) NOT NULL,
                email          varchar(200),
                customer_since timestamptz NOT NULL,
                birth_date     date,
                balance_cents  bigint NOT NULL,
                external_ref   uuid NOT NULL,
                active         boolean NOT NULL,
                loyalty_points int NOT NULL,
                loyalty_tier   text NOT NULL,
                migrated_at    timestamptz NOT NULL DEFAULT now());
            CREATE TABLE shop.customer_profile (
                customer_id bigint PRIMARY KEY,
                preferences jsonb,
                tags        text[],
                avatar      bytea);
            CREATE TABLE shop.orders (
                id            bigint PRIMARY KEY,
                customer_id   bigint NOT NULL,
                status        shop.order_status NOT NULL,
                total_cents   bigint NOT NULL,
                ordered_at    timestamptz NOT NULL,
                shipping_note text);
            CREATE TABLE shop.order_item (
                order_id         bigint NOT NULL,
                line_number      int NOT NULL,
                sku              varchar(32) NOT NULL,
                quantity         int NOT NULL,
                unit_price_cents bigint NOT NULL,
                PRIMARY KEY (order_id, line_number));
            """;

    static final String MAPPING_RESOURCE = "/demo/shop-mapping.yaml";

    /**
     * Row counts of a seeded shop: a tenth customers, three tenths orders, six tenths order lines, and
     * a loyalty row for two customers in three.
     */
    record Size(long customers, long orders, long lines) {
        static Size of(long rows) {
            long customers = Math.max(1, rows / 10);
            long orders = Math.max(1, rows * 3 / 10);
            return new Size(customers, orders, Math.max(0, rows - customers - orders));
        }

        long loyalty() {
            return customers - customers / 3;
        }

        long total() {
            return customers + loyalty() + orders + lines;
        }
    }

    private ShopSchema() {
    }

    /** The demo mapping, also written to {@code copyTo} so a user can read it and run {@code tandem check} on it. */
    static MappingSpec mapping(Path copyTo) throws IOException {
        try (InputStream in = ShopSchema.class.getResourceAsStream(MAPPING_RESOURCE)) {
            Files.write(copyTo, in.readAllBytes());
        }
        return MappingParser.parse(copyTo);
    }

    static void create(PgDatabase legacy, PgDatabase newDb) throws SQLException {
        execute(legacy, LEGACY_DDL);
        execute(newDb, NEW_DDL);
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
                 PreparedStatement loyalty = c.prepareStatement("""
                    INSERT INTO legacy.tbl_cust_loyalty (cust_id, pts, tier_cd)
                    SELECT g, (g * 37) % 5000, (ARRAY['S', 'G', NULL])[1 + g % 3]
                    FROM generate_series(1, ?) g WHERE g % 3 <> 0""");
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
                loyalty.setLong(1, size.customers());
                loyalty.executeUpdate();
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
