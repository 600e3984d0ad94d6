package dev.tandem.sync;

import static dev.tandem.sync.TestDatabases.awaitTrue;
import static dev.tandem.sync.TestDatabases.exec;
import static dev.tandem.sync.TestDatabases.queryLong;
import static dev.tandem.sync.TestDatabases.queryString;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.tandem.capture.PgDatabase;
import dev.tandem.sync.control.TableStates;
import dev.tandem.sync.fence.SourceFence;
import dev.tandem.sync.mapping.MappingParser;
import dev.tandem.sync.mapping.MappingSpec;
import dev.tandem.sync.mapping.ReverseMapping;
import dev.tandem.sync.pipeline.Pipeline;
import dev.tandem.sync.pipeline.PipelineConfig;
import dev.tandem.sync.route.Ordering;
import java.io.StringReader;
import java.sql.Connection;
import java.sql.SQLException;
import java.time.Duration;
import org.junit.jupiter.api.Test;

/**
 * TRUNCATE beyond the forward, transactional case the scenarios cover: after a cutover the reverse sync carries a
 * truncate of a new table back to legacy (a 1:1 table, and the joined part of a split, which comes back as a merge),
 * and per-key ordering, which cannot apply one exactly, pauses the table naming the truncate and the choices.
 */
class TruncateIT {

    private static final String MAPPING = """
            tables:
              - target: app.note
                from: legacy.note o
                key: { id: o.id }
                columns: { body: o.body }
                reverse:
                  columns: { id: n.id, body: n.body }
              - target: app.customer
                from: legacy.customer c
                key: { id: c.id }
                columns: { name: c.name }
                reverse:
                  columns: { id: n.id, name: n.name }
              - target: app.contact
                from: legacy.customer x
                key: { customer_id: x.id }
                columns: { email: x.email }
                filter: x.email IS NOT NULL
                reverse:
                  columns: { id: n.customer_id, email: n.email }
            """;

    @Test
    void theReverseSyncCarriesATruncateOfANewTableBackToLegacy() throws Exception {
        PgDatabase legacy = TestDatabases.fresh("trunc_rev_legacy");
        PgDatabase app = TestDatabases.fresh("trunc_rev_app");
        createSchemas(legacy, app);
        exec(app, "INSERT INTO app.note VALUES (1, 'one'), (2, 'two')",
                "INSERT INTO app.customer VALUES (1, 'Ana'), (2, 'Ben')",
                "INSERT INTO app.contact VALUES (1, 'ana@x.test'), (2, 'ben@x.test')");
        MappingSpec reverse = ReverseMapping.of(mapping());
        try (Pipeline pipeline = new Pipeline(new PipelineConfig("trunc_rev", app, legacy, reverse,
                TestDatabases.stack().kafka().bootstrapServers()))) {
            pipeline.start();
            assertEquals("2", queryString(legacy, "SELECT count(*) FROM legacy.note"), "the reverse backfill copied");
            exec(app, "BEGIN; INSERT INTO app.note VALUES (3, 'before'); COMMIT",
                    "BEGIN; TRUNCATE app.note; COMMIT",
                    "BEGIN; INSERT INTO app.note VALUES (1, 'after'); COMMIT",
                    "BEGIN; TRUNCATE app.contact; INSERT INTO app.contact VALUES (2, 'ben@y.test'); COMMIT");
            awaitTrue(Duration.ofSeconds(60), "legacy.note to hold only the row written after the truncate",
                    () -> "1:after".equals(query(legacy, "SELECT string_agg(id || ':' || body, ',' ORDER BY id) FROM legacy.note")));
            awaitTrue(Duration.ofSeconds(60), "legacy.customer to lose the truncated part's email",
                    () -> "1:Ana:-,2:Ben:ben@y.test".equals(query(legacy, "SELECT string_agg(id || ':' || name || ':' "
                            + "|| coalesce(email, '-'), ',' ORDER BY id) FROM legacy.customer")));
            assertNull(pipeline.failure());
        }
    }

    @Test
    void perKeyOrderingPausesATruncatedTableNamingTheTruncateAndTheChoices() throws Exception {
        PgDatabase legacy = TestDatabases.fresh("trunc_pk_legacy");
        PgDatabase app = TestDatabases.fresh("trunc_pk_app");
        createSchemas(legacy, app);
        exec(legacy, "INSERT INTO legacy.note SELECT g, 'note ' || g FROM generate_series(1, 20) g",
                "INSERT INTO legacy.customer VALUES (1, 'Ana', NULL)");
        SourceFence fence = new SourceFence("trunc_pk", legacy, app);
        try (Pipeline pipeline = new Pipeline(new PipelineConfig("trunc_pk", legacy, app, mapping(),
                TestDatabases.stack().kafka().bootstrapServers()).withOrdering(Ordering.perKey(4, 2)))) {
            pipeline.start();
            exec(legacy, "TRUNCATE legacy.note",
                    "INSERT INTO legacy.note VALUES (100, 'after')",
                    "UPDATE legacy.customer SET name = 'Ana B.' WHERE id = 1");
            awaitTrue(Duration.ofSeconds(60), "app.note to pause", () -> query(app,
                    "SELECT reason FROM tandem.table_state WHERE target_table = 'app.note'") != null);
            String reason = queryString(app, "SELECT reason FROM tandem.table_state WHERE target_table = 'app.note'");
            assertTrue(reason.contains("the TRUNCATE of legacy.note at") && reason.contains("per-key ordering cannot apply")
                    && reason.contains("--rebackfill") && reason.contains("sync.ordering: transactional"), reason);
            fence.await(Duration.ofSeconds(90));
            assertEquals("Ana B.", queryString(app, "SELECT name FROM app.customer WHERE id = 1"), "other tables go on");
            assertEquals(20, queryLong(app, "SELECT count(*) FROM app.note WHERE id <= 20"), "nothing was emptied");
            assertEquals(0, queryLong(app, "SELECT count(*) FROM app.note WHERE id = 100"), "later rows wait behind it");
            assertTrue(queryLong(app, "SELECT count(*) FROM tandem.parked_change WHERE target_table = 'app.note'") > 0);

            try (Connection c = app.connect("operator")) { // every partition parked a copy: one skip drops them all
                new TableStates("trunc_pk").request(c, "app.note", TableStates.State.SKIP, "test: keep the rows");
            }
            awaitTrue(Duration.ofSeconds(60), "the row written after the truncate to arrive once it is skipped",
                    () -> "1".equals(query(app, "SELECT count(*) FROM app.note WHERE id = 100")));
            assertEquals(21, queryLong(app, "SELECT count(*) FROM app.note"), "the truncated rows stay, as chosen");
            assertEquals(0, queryLong(app, "SELECT count(*) FROM tandem.table_state WHERE target_table = 'app.note'"));
            assertNull(pipeline.failure());
        }
    }

    private static MappingSpec mapping() throws Exception {
        return MappingParser.parse("truncate.yaml", new StringReader(MAPPING));
    }

    private static void createSchemas(PgDatabase legacy, PgDatabase app) throws SQLException {
        exec(legacy, "CREATE SCHEMA legacy",
                "CREATE TABLE legacy.note (id int PRIMARY KEY, body text NOT NULL)",
                "CREATE TABLE legacy.customer (id int PRIMARY KEY, name text NOT NULL, email text)");
        exec(app, "CREATE SCHEMA app",
                "CREATE TABLE app.note (id int PRIMARY KEY, body text NOT NULL)",
                "CREATE TABLE app.customer (id int PRIMARY KEY, name text NOT NULL)",
                "CREATE TABLE app.contact (customer_id int PRIMARY KEY, email text NOT NULL)");
    }

    private static String query(PgDatabase db, String sql) {
        try {
            return queryString(db, sql);
        } catch (SQLException e) {
            throw new IllegalStateException(e);
        }
    }
}
