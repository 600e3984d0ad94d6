package dev.tandem.sync;

import static dev.tandem.sync.TestDatabases.awaitTrue;
import static dev.tandem.sync.TestDatabases.digest;
import static dev.tandem.sync.TestDatabases.exec;
import static dev.tandem.sync.TestDatabases.queryLong;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.tandem.capture.PgDatabase;
import dev.tandem.sync.mapping.MappingParser;
import dev.tandem.sync.pipeline.Pipeline;
import dev.tandem.sync.pipeline.PipelineConfig;
import java.io.StringReader;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import org.junit.jupiter.api.Test;

/**
 * A new schema with foreign keys between the mapped tables, in transactional ordering: the backfill empties and fills
 * them although they reference each other, parents and children written in one legacy transaction in either order
 * arrive, deleting parents with their children works, and triggers fire for tandem's writes only when enabled
 * ALWAYS (as under PostgreSQL's own logical replication).
 */
class ForeignKeyIT {

    private static final String MAPPING = """
            tables:
              - target: app.customer
                from: legacy.customers c
                key: { id: c.id }
                columns: { name: c.name }
              - target: app.orders
                from: legacy.orders o
                key: { id: o.id }
                columns: { customer_id: o.customer_id, total: o.total }
            """;

    @Test
    void parentsAndChildrenArriveInAnyOrderAndLeaveNoOrphan() throws Exception {
        PgDatabase legacy = TestDatabases.fresh("fk_legacy");
        PgDatabase app = TestDatabases.fresh("fk_app");
        createSchemas(legacy, app);
        // rows left in the new schema by an earlier attempt: the backfill must empty them despite the foreign keys
        exec(app, "INSERT INTO app.customer VALUES (1, 'stale'), (999, 'stale')",
                "INSERT INTO app.orders VALUES (1, 999, 1)");
        exec(app, "CREATE TABLE app.counted (kind text PRIMARY KEY, n int NOT NULL)",
                "INSERT INTO app.counted VALUES ('ordinary', 0), ('always', 0)",
                """
                CREATE FUNCTION app.count_write() RETURNS trigger LANGUAGE plpgsql AS $$
                BEGIN UPDATE app.counted SET n = n + 1 WHERE kind = TG_ARGV[0]; RETURN NULL; END $$""",
                "CREATE TRIGGER ordinary AFTER INSERT OR UPDATE OR DELETE ON app.orders FOR EACH ROW "
                        + "EXECUTE FUNCTION app.count_write('ordinary')",
                "CREATE TRIGGER always AFTER INSERT OR UPDATE OR DELETE ON app.orders FOR EACH ROW "
                        + "EXECUTE FUNCTION app.count_write('always')",
                "ALTER TABLE app.orders ENABLE ALWAYS TRIGGER always",
                // an unmapped table referencing a mapped one, empty: emptied with them
                "CREATE TABLE app.review (id int PRIMARY KEY, order_id int REFERENCES app.orders)");

        try (Pipeline pipeline = new Pipeline(config("fk", legacy, app))) {
            pipeline.start();
            assertEquals(300, pipeline.rowsBackfilled());
            exec(legacy,
                    // children before their parent, in one transaction (legacy's key is deferred)
                    "BEGIN; INSERT INTO legacy.orders VALUES (1001, 201, 5), (1002, 201, 6); "
                            + "INSERT INTO legacy.customers VALUES (201, 'late parent'); COMMIT",
                    // parent before its children
                    "BEGIN; INSERT INTO legacy.customers VALUES (202, 'early parent'); "
                            + "INSERT INTO legacy.orders VALUES (1003, 202, 7); COMMIT",
                    // parents deleted with their children: by the cascade, and explicitly with the parent first
                    "DELETE FROM legacy.customers WHERE id IN (3, 4)",
                    "BEGIN; DELETE FROM legacy.customers WHERE id = 201; DELETE FROM legacy.orders WHERE customer_id = 201; "
                            + "COMMIT",
                    // a child moved to a new parent created in the same transaction
                    "BEGIN; UPDATE legacy.orders SET customer_id = 203 WHERE id = 5; "
                            + "INSERT INTO legacy.customers VALUES (203, 'new home'); COMMIT");
            awaitTrue(Duration.ofSeconds(60), "both tables to equal legacy", () -> same(legacy, app));
            assertNull(pipeline.failure());
        }
        assertEquals(0, queryLong(app, "SELECT count(*) FROM tandem.table_state"), "no table paused");
        assertEquals(0, queryLong(app, "SELECT count(*) FROM app.orders o WHERE NOT EXISTS "
                + "(SELECT 1 FROM app.customer c WHERE c.id = o.customer_id)"), "no orphaned order");
        assertEquals(0, queryLong(app, "SELECT n FROM app.counted WHERE kind = 'ordinary'"),
                "an ordinary trigger does not fire for tandem's writes");
        assertTrue(queryLong(app, "SELECT n FROM app.counted WHERE kind = 'always'") >= 200,
                "a trigger enabled ALWAYS fires for the backfill's and the applier's writes");
    }

    @Test
    void anUnmappedTableHoldingRowsThatReferencesAMappedOneIsNamedNotEmptied() throws Exception {
        PgDatabase legacy = TestDatabases.fresh("fk_refuse_legacy");
        PgDatabase app = TestDatabases.fresh("fk_refuse_app");
        createSchemas(legacy, app);
        exec(app, "INSERT INTO app.customer VALUES (1, 'kept')", "INSERT INTO app.orders VALUES (1, 1, 1)",
                "CREATE TABLE app.review (id int PRIMARY KEY, order_id int REFERENCES app.orders)",
                "CREATE TABLE app.reply (id int PRIMARY KEY, review_id int REFERENCES app.review)",
                "INSERT INTO app.review VALUES (1, 1)", "INSERT INTO app.reply VALUES (1, 1)");
        try (Pipeline pipeline = new Pipeline(config("fk_refuse", legacy, app))) {
            SQLException refused = assertThrows(SQLException.class, pipeline::start);
            assertTrue(refused.getMessage().contains("app.reply, app.review (not mapped) reference them")
                    && refused.getMessage().contains("empty them yourself"), refused.getMessage());
        }
        assertEquals(1, queryLong(app, "SELECT count(*) FROM app.review"), "the unmapped table keeps its row");
        assertEquals(1, queryLong(app, "SELECT count(*) FROM app.reply"), "so does the one referencing it");
        assertEquals(1, queryLong(app, "SELECT count(*) FROM app.orders"), "the mapped tables were not emptied either");
    }

    @Test
    void aWriterWhoseUserMayNotSetTheReplicationRoleIsToldWhatToGrant() throws Exception {
        PgDatabase app = TestDatabases.fresh("fk_role_app");
        exec(app, "DROP ROLE IF EXISTS tandem_fk_writer", "CREATE ROLE tandem_fk_writer LOGIN");
        PgDatabase asWriter = new PgDatabase(app.host(), app.port(), app.database(), "tandem_fk_writer", "");
        try {
            SQLException refused = assertThrows(SQLException.class, () -> asWriter.connectAsSyncWriter("test").close());
            assertTrue(refused.getMessage().contains("GRANT SET ON PARAMETER session_replication_role TO tandem_fk_writer"),
                    refused.getMessage());
            exec(app, "GRANT SET ON PARAMETER session_replication_role TO tandem_fk_writer");
            try (Connection c = asWriter.connectAsSyncWriter("test"); Statement st = c.createStatement();
                 ResultSet rs = st.executeQuery("SHOW session_replication_role")) {
                rs.next();
                assertEquals("replica", rs.getString(1));
            }
        } finally {
            exec(app, "REVOKE SET ON PARAMETER session_replication_role FROM tandem_fk_writer", "DROP ROLE tandem_fk_writer");
        }
    }

    private static void createSchemas(PgDatabase legacy, PgDatabase app) throws SQLException {
        exec(legacy, "CREATE SCHEMA legacy",
                "CREATE TABLE legacy.customers (id int PRIMARY KEY, name text NOT NULL)",
                "CREATE TABLE legacy.orders (id int PRIMARY KEY, customer_id int NOT NULL REFERENCES legacy.customers "
                        + "ON DELETE CASCADE DEFERRABLE INITIALLY DEFERRED, total int NOT NULL)",
                "INSERT INTO legacy.customers SELECT g, 'customer ' || g FROM generate_series(1, 100) g",
                "INSERT INTO legacy.orders SELECT g, g % 100 + 1, g FROM generate_series(1, 200) g");
        exec(app, "CREATE SCHEMA app",
                "CREATE TABLE app.customer (id int PRIMARY KEY, name text NOT NULL)",
                "CREATE TABLE app.orders (id int PRIMARY KEY, customer_id int NOT NULL REFERENCES app.customer, "
                        + "total int NOT NULL)");
    }

    private static PipelineConfig config(String migration, PgDatabase legacy, PgDatabase app) throws Exception {
        return new PipelineConfig(migration, legacy, app, MappingParser.parse("fk.yaml", new StringReader(MAPPING)),
                TestDatabases.stack().kafka().bootstrapServers());
    }

    private static boolean same(PgDatabase legacy, PgDatabase app) {
        return digest(legacy, "legacy.customers", "id, name", "id").equals(digest(app, "app.customer", "id, name", "id"))
                && digest(legacy, "legacy.orders", "id, customer_id, total", "id")
                .equals(digest(app, "app.orders", "id, customer_id, total", "id"));
    }
}
