package dev.tandem.reconcile;

import static dev.tandem.reconcile.ReconcileFixture.exec;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.tandem.capture.PgDatabase;
import java.sql.Connection;
import java.sql.Statement;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * Rows written with {@code session_replication_role = replica} skip foreign keys; the orphan check finds those whose
 * referenced row is missing, per constraint (single and composite, MATCH SIMPLE and FULL, a partitioned parent, a
 * referenced table outside the set), counts them all and shows a few, and finds nothing once they are fixed.
 */
class ForeignKeyOrphansIT {

    @Test
    void countsAndNamesOrphansPerConstraintAndNothingOnceFixed() throws Exception {
        PgDatabase db = ReconcileFixture.fresh("fk_orphans");
        exec(db, "CREATE SCHEMA app",
                "CREATE TABLE app.country (code text PRIMARY KEY)",
                "CREATE TABLE app.customer (id int PRIMARY KEY, country text REFERENCES app.country)",
                "CREATE TABLE app.slot (region int, day date, PRIMARY KEY (region, day))",
                "CREATE TABLE app.\"Order\" (id int PRIMARY KEY, customer_id int NOT NULL REFERENCES app.customer, "
                        + "region int, day date, CONSTRAINT order_slot FOREIGN KEY (region, day) REFERENCES app.slot "
                        + "MATCH FULL)",
                "CREATE TABLE app.event (id int, day date, PRIMARY KEY (id, day)) PARTITION BY RANGE (day)",
                "CREATE TABLE app.event_2025 PARTITION OF app.event FOR VALUES FROM ('2025-01-01') TO ('2026-01-01')",
                "CREATE TABLE app.event_2026 PARTITION OF app.event FOR VALUES FROM ('2026-01-01') TO ('2027-01-01')",
                "CREATE TABLE app.note (id int PRIMARY KEY, event_id int, event_day date, "
                        + "FOREIGN KEY (event_id, event_day) REFERENCES app.event)");
        List<String> tables = List.of("app.customer", "app.Order", "app.note");
        try (Connection c = db.connect("test"); Statement st = c.createStatement()) {
            st.execute("SET session_replication_role = replica");
            st.execute("INSERT INTO app.country VALUES ('CH')");
            st.execute("INSERT INTO app.slot VALUES (1, '2026-01-05')");
            st.execute("INSERT INTO app.customer VALUES (1, 'CH'), (2, 'XX'), (3, NULL)");
            st.execute("INSERT INTO app.\"Order\" VALUES (10, 1, 1, '2026-01-05'), (11, 7, NULL, NULL), (12, 8, NULL, NULL), "
                    + "(13, 9, NULL, NULL), (14, 1, 2, NULL), (15, 1, 2, '2026-02-01')");
            st.execute("INSERT INTO app.event VALUES (1, '2025-06-01'), (2, '2026-06-01')");
            st.execute("INSERT INTO app.note VALUES (1, 1, '2025-06-01'), (2, 2, '2025-06-01'), (3, NULL, '2025-06-01')");

            List<ForeignKeyOrphans.Orphans> found = ForeignKeyOrphans.find(c, tables, 2);
            assertEquals(List.of("app.Order.Order_customer_id_fkey", "app.Order.order_slot",
                    "app.customer.customer_country_fkey", "app.note.note_event_id_event_day_fkey"),
                    found.stream().map(o -> o.table() + "." + o.constraint()).toList());
            ForeignKeyOrphans.Orphans customers = found.get(0);
            assertEquals(3, customers.count(), "orders 11, 12 and 13 reference missing customers");
            assertEquals(2, customers.examples().size(), "examples are capped");
            assertEquals("app.customer", customers.referenced());
            assertEquals(2, found.get(1).count(), "MATCH FULL: a partly NULL key and a missing slot");
            assertEquals(List.of(List.of("XX")), found.get(2).examples(), "a NULL country is no orphan");
            assertEquals(1, found.get(3).count(), "the partitioned parent is read across its partitions");
            assertEquals(List.of(List.of("2", "2025-06-01")), found.get(3).examples());
            String described = ForeignKeyOrphans.describe(found);
            assertTrue(described.contains("app.customer.customer_country_fkey → app.country: 1 orphaned row, e.g. (country)=(XX)"),
                    described);

            st.execute("INSERT INTO app.country VALUES ('XX')");
            st.execute("INSERT INTO app.customer SELECT g, 'CH' FROM generate_series(7, 9) g");
            st.execute("DELETE FROM app.\"Order\" WHERE id IN (14, 15)");
            st.execute("UPDATE app.note SET event_day = '2026-06-01' WHERE id = 2");
            List<ForeignKeyOrphans.Orphans> none = ForeignKeyOrphans.find(c, tables, 2);
            assertEquals(List.of(), none);
            assertNull(ForeignKeyOrphans.describe(none));
        }
    }
}
