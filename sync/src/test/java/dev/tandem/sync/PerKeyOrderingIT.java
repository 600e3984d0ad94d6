package dev.tandem.sync;

import static dev.tandem.sync.TestDatabases.awaitTrue;
import static dev.tandem.sync.TestDatabases.digest;
import static dev.tandem.sync.TestDatabases.exec;
import static dev.tandem.sync.TestDatabases.queryLong;
import static dev.tandem.sync.TestDatabases.queryString;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.tandem.capture.PgDatabase;
import dev.tandem.sync.apply.ApplierConfig;
import dev.tandem.sync.apply.ChangeApplier;
import dev.tandem.sync.control.TableStates;
import dev.tandem.sync.fence.SourceFence;
import dev.tandem.sync.mapping.MappingParser;
import dev.tandem.sync.pipeline.Pipeline;
import dev.tandem.sync.pipeline.PipelineConfig;
import dev.tandem.sync.route.Ordering;
import java.io.StringReader;
import java.sql.Connection;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;

/**
 * Per-key ordering: a router splits source transactions by key over the keyed change log's partitions, and appliers
 * in two instances apply them in parallel. Every key ends as on the source (its changes kept their order), a merged
 * table's rows stay together, a fence proves every partition applied, and a paused table parks the changes of every
 * partition until resumed.
 */
class PerKeyOrderingIT {

    private static final Ordering FOUR_PARTITIONS = Ordering.perKey(4, 2);
    private static final String MAPPING = """
            tables:
              - target: app.account
                from: legacy.account a
                join:
                  - from: legacy.account_flag f
                    on: { account_id: a.id }
                key: { id: a.id }
                columns:
                  owner: a.owner
                  balance: a.balance
                  flag: coalesce(f.flag, 'none')
              - target: app.entry
                from: legacy.entry e
                key: { id: e.id }
                columns:
                  account_id: e.account_id
                  amount: e.amount
            """;

    @Test
    void everyKeyEndsAsOnTheSourceWhilePartitionsMoveBetweenInstances() throws Exception {
        PgDatabase legacy = TestDatabases.fresh("perkey_legacy");
        PgDatabase app = TestDatabases.fresh("perkey_app");
        createSchemas(legacy, app);
        // a foreign key between mapped tables: a child may land in its partition before its parent does in another
        exec(app, "ALTER TABLE app.entry ADD CONSTRAINT entry_account FOREIGN KEY (account_id) REFERENCES app.account (id)");
        PipelineConfig config = config("perkey", legacy, app);
        SourceFence fence = new SourceFence("perkey", legacy, app);
        Random random = new Random(42);
        try (Pipeline pipeline = new Pipeline(config)) {
            pipeline.start();
            ChangeApplier second = secondInstance(config);
            Thread secondThread = new Thread(second, "second-instance");
            secondThread.start();
            awaitTrue(Duration.ofSeconds(60), "the second instance to get partitions", () -> !second.partitions().isEmpty());

            writeRandomly(legacy, random, 300);
            // new parents with children in one transaction, children first; then some deleted with their children
            exec(legacy, "BEGIN; INSERT INTO legacy.entry SELECT 800000 + g, 60 + g % 20 + 1, g FROM generate_series(1, 60) g; "
                    + "INSERT INTO legacy.account SELECT g, 'owner ' || g, 0 FROM generate_series(61, 80) g; COMMIT",
                    "BEGIN; DELETE FROM legacy.account WHERE id BETWEEN 61 AND 70; "
                    + "DELETE FROM legacy.entry WHERE account_id BETWEEN 61 AND 70; COMMIT");
            fence.await(Duration.ofSeconds(90));
            assertSameAsSource(legacy, app, "with two instances");
            assertEquals(0, queryLong(app, "SELECT count(*) FROM app.entry e WHERE NOT EXISTS "
                    + "(SELECT 1 FROM app.account a WHERE a.id = e.account_id)"), "no entry is left orphaned");
            assertEquals(4, queryLong(app, "SELECT count(*) FROM tandem.applied_position WHERE migration = 'perkey'"),
                    "one applied position per partition");
            assertEquals(0, queryLong(app, "SELECT count(*) FROM tandem.fence_seen"), "a fence seen by all parts is cleared");

            second.close();
            secondThread.join(30_000);
            assertNull(second.failure());
            writeRandomly(legacy, random, 300);
            fence.await(Duration.ofSeconds(90));
            assertSameAsSource(legacy, app, "after the second instance left and its partitions moved back");
            assertNull(pipeline.failure());
        }
    }

    @Test
    void aPausedTableParksEveryPartitionsChangesUntilResumed() throws Exception {
        PgDatabase legacy = TestDatabases.fresh("perkey_pause_legacy");
        PgDatabase app = TestDatabases.fresh("perkey_pause_app");
        createSchemas(legacy, app);
        exec(app, "ALTER TABLE app.entry ADD CONSTRAINT small CHECK (amount < 1000000)");
        PipelineConfig config = config("perkey_pause", legacy, app);
        SourceFence fence = new SourceFence("perkey_pause", legacy, app);
        try (Pipeline pipeline = new Pipeline(config)) {
            pipeline.start();
            exec(legacy, "INSERT INTO legacy.entry VALUES (900001, 1, 5000000)");
            awaitTrue(Duration.ofSeconds(60), "app.entry to pause", () -> paused(app));
            String reason = queryString(app, "SELECT reason FROM tandem.table_state WHERE target_table = 'app.entry'");
            assertTrue(reason.contains("{id=900001}") && reason.contains("small"), reason);

            // Keys spread over every partition; those routed with the rejected one cannot overtake it.
            exec(legacy, "INSERT INTO legacy.entry SELECT 900100 + g, g % 7, g FROM generate_series(1, 40) g",
                    "UPDATE legacy.entry SET amount = 7 WHERE id = 900001",
                    "UPDATE legacy.account SET balance = 12345 WHERE id = 3");
            fence.await(Duration.ofSeconds(90));
            assertEquals("12345", queryString(app, "SELECT balance FROM app.account WHERE id = 3"), "other tables go on");
            assertEquals(0, queryLong(app, "SELECT count(*) FROM app.entry WHERE id = 900001"),
                    "the rejected key's later change waits behind it");
            assertTrue(queryLong(app, "SELECT count(*) FROM tandem.parked_change WHERE target_table = 'app.entry'") > 0);

            exec(app, "ALTER TABLE app.entry DROP CONSTRAINT small");
            try (Connection c = app.connect("operator")) {
                new TableStates("perkey_pause").request(c, "app.entry", TableStates.State.RESUME, "constraint dropped");
            }
            awaitTrue(Duration.ofSeconds(60), "app.entry to resume", () -> !paused(app));
            fence.await(Duration.ofSeconds(90));
            assertSameAsSource(legacy, app, "after the resume");
            assertEquals("7", queryString(app, "SELECT amount FROM app.entry WHERE id = 900001"));
            assertEquals(0, queryLong(app, "SELECT count(*) FROM tandem.parked_change"), "nothing stays parked");
            assertNull(pipeline.failure());
        }
    }

    @Test
    void refusesAMergeItCouldNotKeepInOrderBeforeCopyingAnything() throws Exception {
        PgDatabase legacy = TestDatabases.fresh("perkey_refuse_legacy");
        PgDatabase app = TestDatabases.fresh("perkey_refuse_app");
        createSchemas(legacy, app);
        exec(legacy, "CREATE TABLE legacy.owner (id int PRIMARY KEY, name text NOT NULL)");
        exec(app, "CREATE TABLE app.owner (id int PRIMARY KEY, name text NOT NULL, flag text)");
        String twoMains = MAPPING + """
                  - target: app.owner
                    from: legacy.owner o
                    join:
                      - from: legacy.account_flag f
                        on: { account_id: o.id }
                    key: { id: o.id }
                    columns:
                      name: o.name
                      flag: f.flag
                """;
        PipelineConfig conflicting = new PipelineConfig("perkey_twomains", legacy, app,
                MappingParser.parse("perkey.yaml", new StringReader(twoMains)),
                TestDatabases.stack().kafka().bootstrapServers()).withOrdering(FOUR_PARTITIONS);
        try (Pipeline pipeline = new Pipeline(conflicting)) {
            IllegalArgumentException refused = assertThrows(IllegalArgumentException.class, pipeline::start);
            assertTrue(refused.getMessage().contains("cannot route legacy.account_flag")
                    && refused.getMessage().contains("app.owner"), refused.getMessage());
        }
    }

    private static PipelineConfig config(String migration, PgDatabase legacy, PgDatabase app) throws Exception {
        return new PipelineConfig(migration, legacy, app, MappingParser.parse("perkey.yaml", new StringReader(MAPPING)),
                TestDatabases.stack().kafka().bootstrapServers()).withOrdering(FOUR_PARTITIONS);
    }

    /** Another instance's applier: one member more in the consumer group over the keyed change log. */
    private static ChangeApplier secondInstance(PipelineConfig config) throws SQLException {
        ApplierConfig ordered = config.applier(config.capture());
        return new ChangeApplier(ordered.perKey(config.capture().keyedChangeTopic(), FOUR_PARTITIONS), compiled(config));
    }

    private static List<dev.tandem.sync.mapping.CompiledTable> compiled(PipelineConfig config) throws SQLException {
        try (Connection s = config.source().connect("test"); Connection t = config.target().connect("test")) {
            return dev.tandem.sync.mapping.MappingCompiler.compile(config.mapping(), s, t);
        }
    }

    private static void createSchemas(PgDatabase legacy, PgDatabase app) throws SQLException {
        exec(legacy, "CREATE SCHEMA legacy",
                "CREATE TABLE legacy.account (id int PRIMARY KEY, owner text NOT NULL, balance bigint NOT NULL)",
                "CREATE TABLE legacy.account_flag (account_id int PRIMARY KEY, flag text NOT NULL)",
                "CREATE TABLE legacy.entry (id bigint PRIMARY KEY, account_id int NOT NULL, amount bigint NOT NULL)",
                "INSERT INTO legacy.account SELECT g, 'owner ' || g, 0 FROM generate_series(1, 60) g",
                "INSERT INTO legacy.account_flag SELECT g, 'vip' FROM generate_series(1, 60, 4) g");
        exec(app, "CREATE SCHEMA app",
                "CREATE TABLE app.account (id int PRIMARY KEY, owner text NOT NULL, balance bigint NOT NULL, flag text NOT NULL)",
                "CREATE TABLE app.entry (id bigint PRIMARY KEY, account_id int NOT NULL, amount bigint NOT NULL)");
    }

    /**
     * Transactions touching several keys each, over both tables and the joined one. Balances are set to absolute
     * values, so a key whose updates applied out of order would end with a wrong one.
     */
    private static void writeRandomly(PgDatabase legacy, Random random, int transactions) throws SQLException {
        try (Connection c = legacy.connect("workload"); Statement st = c.createStatement()) {
            c.setAutoCommit(false);
            long entryId = queryLong(legacy, "SELECT coalesce(max(id), 0) FROM legacy.entry") + 1;
            for (int i = 0; i < transactions; i++) {
                List<String> statements = new ArrayList<>();
                for (int n = 1 + random.nextInt(4); n > 0; n--) {
                    int account = 1 + random.nextInt(60);
                    switch (random.nextInt(6)) {
                        case 0, 1 -> statements.add("UPDATE legacy.account SET balance = " + random.nextInt(1_000_000)
                                + " WHERE id = " + account);
                        case 2 -> statements.add("INSERT INTO legacy.entry VALUES (" + entryId++ + ", " + account + ", "
                                + random.nextInt(1000) + ")");
                        case 3 -> statements.add("INSERT INTO legacy.account_flag VALUES (" + account + ", 'f" + i
                                + "') ON CONFLICT (account_id) DO UPDATE SET flag = EXCLUDED.flag");
                        case 4 -> statements.add("DELETE FROM legacy.account_flag WHERE account_id = " + account);
                        default -> statements.add("UPDATE legacy.entry SET amount = amount + 1 WHERE id = "
                                + (1 + random.nextInt((int) Math.max(1, entryId - 1))));
                    }
                }
                for (String sql : statements) {
                    st.execute(sql);
                }
                c.commit();
            }
        }
    }

    private static void assertSameAsSource(PgDatabase legacy, PgDatabase app, String when) throws SQLException {
        String merged = """
                SELECT a.id, a.owner, a.balance, coalesce(f.flag, 'none') AS flag
                FROM legacy.account a LEFT JOIN legacy.account_flag f ON f.account_id = a.id""";
        assertEquals(queryString(legacy, "SELECT md5(string_agg(m::text, ',' ORDER BY m.id)) FROM (" + merged + ") m"),
                queryString(app, "SELECT md5(string_agg(m::text, ',' ORDER BY m.id)) FROM app.account m"),
                "app.account equals the legacy join " + when);
        assertEquals(digest(legacy, "legacy.entry", "id, account_id, amount", "id"),
                digest(app, "app.entry", "id, account_id, amount", "id"), "app.entry " + when);
        assertFalse(queryLong(app, "SELECT count(*) FROM app.entry") == 0, "the workload wrote entries");
    }

    private static boolean paused(PgDatabase app) {
        try {
            return queryLong(app, "SELECT count(*) FROM tandem.table_state WHERE target_table = 'app.entry'") > 0;
        } catch (SQLException e) {
            throw new IllegalStateException(e);
        }
    }
}
