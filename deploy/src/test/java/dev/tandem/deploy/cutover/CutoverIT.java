package dev.tandem.deploy.cutover;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.tandem.capture.PgDatabase;
import dev.tandem.embedded.EmbeddedStack;
import dev.tandem.embedded.SharedTestStack;
import dev.tandem.sync.mapping.CompiledTable;
import dev.tandem.sync.mapping.MappingCompiler;
import dev.tandem.sync.mapping.MappingParser;
import dev.tandem.sync.mapping.MappingSpec;
import dev.tandem.sync.mapping.ReverseMapping;
import dev.tandem.sync.pipeline.Pipeline;
import dev.tandem.sync.pipeline.PipelineConfig;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.time.Instant;
import java.util.HashSet;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/**
 * Cutover and rollback on the real stack while an application keeps writing through the route: every
 * acknowledged write ends up on both sides, refused writes fail with a retriable error, and a write block
 * past its budget aborts with legacy writes restored.
 */
class CutoverIT {

    private static final String MAPPING = """
            tables:
              - target: app.account
                from: legacy.account a
                key:
                  id: a.id
                columns:
                  owner_name: a.owner
                  balance_cents: (a.balance * 100)::bigint
                reverse:
                  as: n
                  columns:
                    id: n.id
                    owner: n.owner_name
                    balance: %s
            """;

    @Test
    void cutoverAndRollbackUnderLoadLoseNoWrite() throws Exception {
        try (Fixture f = new Fixture("co", "(n.balance_cents / 100.0)::numeric(12,2)")) {
            f.startSync();
            RouteFollowingClient client = new RouteFollowingClient(f.store, f.legacy, f.fresh, 1_000);
            f.lastClient = client;
            try (client) {
                Thread.sleep(1_500);
                SwitchReport cutover = f.switchover(SwitchSettings.DEFAULTS).cutover(false);
                assertTrue(cutover.switched(), cutover.message() + " " + cutover.gates());
                assertEquals("new", f.store.phase().route());
                assertTrue(cutover.blockMillis() <= SwitchSettings.DEFAULT_BUDGET.toMillis(), cutover.toString());
                assertEquals(List.of("fence", "drain", "verify", "switch"), List.copyOf(cutover.phaseMillis().keySet()));

                awaitWritesToNew(client, 200);
                SwitchReport rollback = f.switchover(SwitchSettings.DEFAULTS).rollback(false);
                assertTrue(rollback.switched(), rollback.message());
                assertEquals("legacy", f.store.phase().route());
                long afterRollback = client.acknowledged.size();
                awaitTrue(() -> client.acknowledged.size() > afterRollback + 200, "the client writes to legacy again");
                assertTrue(client.unexpected.isEmpty(), "only retriable refusals: " + client.unexpected);
            }
            // Everything acknowledged on either side, before, between and after the switches, is on both sides.
            awaitTrue(() -> f.legacyDigest().equals(f.newDigest()), "both sides to converge");
            Set<Long> inLegacy = f.ids(f.legacy, "legacy.account");
            Set<Long> inNew = f.ids(f.fresh, "app.account");
            assertEquals(inLegacy, inNew);
            assertTrue(inLegacy.containsAll(f.lastClient.acknowledged), "acknowledged writes missing from legacy");
            List<String> actions = f.auditActions();
            assertTrue(actions.containsAll(List.of("cutover started", "cutover done", "rollback started", "rollback done")),
                    actions.toString());
        }
    }

    @Test
    void aWriteBlockPastItsBudgetAbortsAndReopensLegacy() throws Exception {
        try (Fixture f = new Fixture("coabort", "(n.balance_cents / 100.0)::numeric(12,2)")) {
            f.startSync();
            SwitchReport report = f.switchover(SwitchSettings.DEFAULTS.withBudget(Duration.ofMillis(1))).cutover(false);
            assertEquals("aborted", report.outcome(), report.message());
            assertEquals(Phase.SYNCING, f.store.phase());
            exec(f.legacy, "INSERT INTO legacy.account VALUES (9001, 'after abort', 1.00)"); // legacy takes writes again
            SQLException blocked = null;
            try {
                exec(f.fresh, "INSERT INTO app.account VALUES (9002, 'too early', 100)");
            } catch (SQLException e) {
                blocked = e;
            }
            assertTrue(blocked != null && "40001".equals(blocked.getSQLState()), "the new side stays closed: " + blocked);
            assertTrue(f.auditActions().contains("cutover aborted"), f.auditActions().toString());
        }
    }

    @Test
    void aLossyReverseMappingIsRefusedNamingTheColumn() throws Exception {
        try (Fixture f = new Fixture("colossy", "(n.balance_cents / 100)::numeric(12,2)")) { // integer division drops cents
            f.startSync();
            exec(f.legacy, "UPDATE legacy.account SET balance = balance + 0.37");
            SwitchReport report = f.switchover(SwitchSettings.DEFAULTS).cutover(false);
            assertEquals("refused", report.outcome(), report.message());
            GateResult roundTrip = report.gates().stream().filter(g -> g.gate().equals("reverse round trip")).findFirst()
                    .orElseThrow();
            assertFalse(roundTrip.passed());
            assertTrue(roundTrip.detail().contains("legacy.account.balance"), roundTrip.detail());
            assertEquals(Phase.SYNCING, f.store.phase());
        }
    }

    @Test
    void ofTwoConcurrentCutoversExactlyOneProceeds() throws Exception {
        try (Fixture f = new Fixture("coboth", "(n.balance_cents / 100.0)::numeric(12,2)")) {
            f.startSync();
            var pool = Executors.newFixedThreadPool(2);
            try {
                var first = pool.submit(() -> f.switchover(SwitchSettings.DEFAULTS).cutover(false));
                var second = pool.submit(() -> f.switchover(SwitchSettings.DEFAULTS).cutover(false));
                int switched = 0;
                int refused = 0;
                for (var outcome : List.of(first, second)) {
                    try {
                        switched += outcome.get().switched() ? 1 : 0;
                    } catch (java.util.concurrent.ExecutionException e) {
                        assertTrue(e.getCause() instanceof IllegalStateException, String.valueOf(e.getCause()));
                        String message = e.getCause().getMessage();
                        assertTrue(message.contains("in progress") || message.contains("starts only from"), message);
                        refused++;
                    }
                }
                assertEquals(1, switched);
                assertEquals(1, refused);
            } finally {
                pool.shutdownNow();
            }
        }
    }

    private static void awaitWritesToNew(RouteFollowingClient client, long writes) throws Exception {
        awaitTrue(() -> client.writtenToNew.get() >= writes, writes + " writes on the new side");
    }

    interface Check {
        boolean ok() throws Exception;
    }

    static void awaitTrue(Check check, String what) throws Exception {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
        while (!check.ok()) {
            if (System.nanoTime() > deadline) {
                throw new AssertionError("timed out waiting for " + what);
            }
            Thread.sleep(50);
        }
    }

    static void exec(PgDatabase db, String... sql) throws SQLException {
        try (Connection c = db.connect("test"); Statement st = c.createStatement()) {
            for (String s : sql) {
                st.execute(s);
            }
        }
    }

    /** Two databases, a mapping with its reverse, the forward pipeline and a direction follower. */
    static final class Fixture implements AutoCloseable {
        final String migration;
        final PgDatabase legacy;
        final PgDatabase fresh;
        final CutoverStore store;
        final MappingSpec mapping;
        final EmbeddedStack stack = SharedTestStack.get();
        Pipeline forward;
        DirectionFollower follower;
        ScheduledExecutorService following;
        RouteFollowingClient lastClient;

        Fixture(String migration, String reverseBalance) throws Exception {
            this.migration = migration;
            stack.postgres().createDatabase(migration + "_legacy");
            stack.postgres().createDatabase(migration + "_new");
            legacy = new PgDatabase("127.0.0.1", stack.postgres().port(), migration + "_legacy", "postgres", "");
            fresh = new PgDatabase("127.0.0.1", stack.postgres().port(), migration + "_new", "postgres", "");
            exec(legacy, "CREATE SCHEMA legacy", "CREATE TABLE legacy.account (id bigint PRIMARY KEY, owner text NOT NULL, "
                    + "balance numeric(12,2) NOT NULL)", "INSERT INTO legacy.account SELECT g, 'owner ' || g, g * 1.25 "
                    + "FROM generate_series(1, 500) g");
            exec(fresh, "CREATE SCHEMA app", "CREATE TABLE app.account (id bigint PRIMARY KEY, owner_name text NOT NULL, "
                    + "balance_cents bigint NOT NULL)");
            Path file = Files.createTempFile("mapping", ".yaml");
            Files.writeString(file, MAPPING.formatted(reverseBalance));
            mapping = MappingParser.parse(file);
            store = new CutoverStore(migration, fresh);
        }

        void startSync() throws Exception {
            forward = new Pipeline(new PipelineConfig(migration, legacy, fresh, mapping, stack.kafka().bootstrapServers()));
            forward.start();
            follower = new DirectionFollower(store, forward, () -> new Pipeline(new PipelineConfig(
                    Sides.reverseName(migration), fresh, legacy, ReverseMapping.of(mapping), stack.kafka().bootstrapServers())));
            following = Executors.newSingleThreadScheduledExecutor();
            following.scheduleWithFixedDelay(() -> {
                if (Thread.currentThread().isInterrupted()) {
                    return;
                }
                try {
                    follower.follow();
                } catch (Exception e) {
                    throw new IllegalStateException(e);
                }
            }, 0, 100, TimeUnit.MILLISECONDS);
        }

        Switchover switchover(SwitchSettings settings) throws SQLException {
            List<CompiledTable> forwardTables;
            List<CompiledTable> reverseTables;
            try (Connection l = legacy.connect("test"); Connection n = fresh.connect("test")) {
                forwardTables = MappingCompiler.compile(mapping, l, n);
                reverseTables = MappingCompiler.compile(ReverseMapping.of(mapping), n, l);
            }
            Sides sides = new Sides(migration, legacy, fresh, stack.kafka().bootstrapServers(), forwardTables, reverseTables);
            Gates gates = new Gates(sides, settings, () -> Optional.of(Instant.now()));
            return new Switchover(sides, settings, (table, keys) -> List.of(), gates, "test");
        }

        String legacyDigest() throws SQLException {
            return query(legacy, "SELECT md5(string_agg(id || '|' || owner || '|' || (balance * 100)::bigint, ',' ORDER BY id)) "
                    + "FROM legacy.account");
        }

        String newDigest() throws SQLException {
            return query(fresh, "SELECT md5(string_agg(id || '|' || owner_name || '|' || balance_cents, ',' ORDER BY id)) "
                    + "FROM app.account");
        }

        Set<Long> ids(PgDatabase db, String table) throws SQLException {
            Set<Long> ids = new HashSet<>();
            try (Connection c = db.connect("test"); Statement st = c.createStatement();
                 ResultSet rs = st.executeQuery("SELECT id FROM " + table)) {
                while (rs.next()) {
                    ids.add(rs.getLong(1));
                }
            }
            return ids;
        }

        List<String> auditActions() throws SQLException {
            return store.recent(100).stream().map(CutoverStore.AuditEntry::action).toList();
        }

        static String query(PgDatabase db, String sql) throws SQLException {
            try (Connection c = db.connect("test"); Statement st = c.createStatement(); ResultSet rs = st.executeQuery(sql)) {
                rs.next();
                return rs.getString(1);
            }
        }

        @Override
        public void close() throws Exception {
            if (following != null) {
                following.shutdown();
                following.awaitTermination(10, TimeUnit.SECONDS);
            }
            if (follower != null) {
                follower.close();
            } else if (forward != null) {
                forward.close();
            }
        }
    }
}
