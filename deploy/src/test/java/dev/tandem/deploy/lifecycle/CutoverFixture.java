package dev.tandem.deploy.lifecycle;

import dev.tandem.deploy.lifecycle.switchover.Gates;
import dev.tandem.deploy.lifecycle.switchover.SwitchSettings;
import dev.tandem.deploy.lifecycle.switchover.Switchover;
import static dev.tandem.deploy.lifecycle.CutoverIT.exec;
import static org.junit.jupiter.api.Assertions.assertEquals;

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
import dev.tandem.sync.route.Ordering;
import java.io.File;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Instant;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeMap;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;

/** Two databases with an account table, a mapping with its reverse, and the sync following the phase. */
final class CutoverFixture implements AutoCloseable {

    static final String MAPPING = """
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
    final String migration;
    final Ordering forwardOrdering;
    final PgDatabase legacy;
    final PgDatabase newDb;
    final PhaseStore store;
    final MappingSpec mapping;
    final Path mappingFile;
    final EmbeddedStack stack = SharedTestStack.get();
    SyncSupervisor follower;
    ScheduledExecutorService following;
    RouteFollowingClient lastClient;

    CutoverFixture(String migration, String reverseBalance) throws Exception {
        this(migration, reverseBalance, Ordering.TRANSACTIONAL);
    }

    /** A fixture whose forward sync applies with {@code forwardOrdering} (the reverse sync is always transactional). */
    CutoverFixture(String migration, String reverseBalance, Ordering forwardOrdering) throws Exception {
        this(migration, reverseBalance, forwardOrdering, List.of(), List.of(), "");
    }

    /**
     * The account tables plus more: {@code legacySql} and {@code newSql} run after the account tables are created, and
     * {@code moreTables} (entries of the mapping's {@code tables:} list) are appended to the mapping.
     */
    CutoverFixture(String migration, String reverseBalance, Ordering forwardOrdering, List<String> legacySql,
                   List<String> newSql, String moreTables) throws Exception {
        this.migration = migration;
        this.forwardOrdering = forwardOrdering;
        stack.postgres().createDatabase(migration + "_legacy");
        stack.postgres().createDatabase(migration + "_new");
        legacy = new PgDatabase("127.0.0.1", stack.postgres().port(), migration + "_legacy", "postgres", "");
        newDb = new PgDatabase("127.0.0.1", stack.postgres().port(), migration + "_new", "postgres", "");
        exec(legacy, "CREATE SCHEMA legacy", "CREATE TABLE legacy.account (id bigint PRIMARY KEY, owner text NOT NULL, "
                + "balance numeric(12,2) NOT NULL)", "INSERT INTO legacy.account SELECT g, 'owner ' || g, g * 1.25 "
                + "FROM generate_series(1, 500) g");
        exec(newDb, "CREATE SCHEMA app", "CREATE TABLE app.account (id bigint PRIMARY KEY, owner_name text NOT NULL, "
                + "balance_cents bigint NOT NULL)");
        exec(legacy, legacySql.toArray(String[]::new));
        exec(newDb, newSql.toArray(String[]::new));
        Path file = Files.createTempFile("mapping", ".yaml");
        Files.writeString(file, MAPPING.formatted(reverseBalance) + moreTables);
        mappingFile = file;
        mapping = MappingParser.parse(file);
        store = new PhaseStore(migration, newDb);
    }

    void startSync() throws Exception {
        startSync(false);
    }

    /** Starts the sync; with {@code recovering}, its supervisor also undoes orphaned switches, as `tandem run`'s does. */
    void startSync(boolean recovering) throws Exception {
        follower = new SyncSupervisor(store,
                () -> new Pipeline(new PipelineConfig(migration, legacy, newDb, mapping, stack.kafka().bootstrapServers())
                        .withOrdering(forwardOrdering)),
                () -> new Pipeline(new PipelineConfig(Sides.reverseName(migration), newDb, legacy,
                        ReverseMapping.of(mapping), stack.kafka().bootstrapServers())));
        if (recovering) {
            Sides sides = switchover(SwitchSettings.DEFAULTS).sides();
            follower.recovering(() -> Switchover.recoverIfOrphaned(sides, "tandem run"));
        }
        follower.follow(); // starts the forward sync: backfill, then streaming
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
        try (Connection l = legacy.connect("test"); Connection n = newDb.connect("test")) {
            forwardTables = MappingCompiler.compile(mapping, l, n);
            reverseTables = MappingCompiler.compile(ReverseMapping.of(mapping), n, l);
        }
        Sides sides = new Sides(migration, legacy, newDb, stack.kafka().bootstrapServers(), forwardTables, reverseTables);
        Gates gates = new Gates(sides, settings, () -> Optional.of(Instant.now()));
        return new Switchover(sides, settings, (table, keys) -> List.of(), gates, "test");
    }

    String legacyDigest() throws SQLException {
        return query(legacy, "SELECT md5(string_agg(id || '|' || owner || '|' || (balance * 100)::bigint, ',' ORDER BY id)) "
                + "FROM legacy.account");
    }

    String newDigest() throws SQLException {
        return query(newDb, "SELECT md5(string_agg(id || '|' || owner_name || '|' || balance_cents, ',' ORDER BY id)) "
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

    /**
     * The independent checker of a {@link RouteFollowingClient}'s writes, on each side: the accounts it inserted are
     * exactly the acknowledged ones, and each account it credited holds its starting balance plus one cent per
     * acknowledged credit; a write lost, doubled or applied without being acknowledged fails it.
     */
    void assertEachAcknowledgedWriteOnceOnBothSides(RouteFollowingClient client) throws SQLException {
        Set<Long> acknowledged = Set.copyOf(client.acknowledged);
        Map<Long, Long> expectedCents = new TreeMap<>();
        for (long id = 1; id <= RouteFollowingClient.CREDITED; id++) {
            expectedCents.put(id, id * 125); // the fixture's starting balance: id * 1.25
        }
        acknowledged.forEach(id -> expectedCents.merge(RouteFollowingClient.credited(id), 1L, Long::sum));
        for (boolean onLegacy : List.of(true, false)) {
            PgDatabase db = onLegacy ? legacy : newDb;
            String side = onLegacy ? "legacy" : "new";
            String table = onLegacy ? "legacy.account" : "app.account";
            Set<Long> inserted = new HashSet<>(ids(db, table));
            inserted.removeIf(id -> id < client.firstId);
            assertEquals(acknowledged, inserted, "the client's accounts on the " + side + " side (" + acknowledged.size()
                    + " acknowledged)");
            Map<Long, Long> cents = new TreeMap<>();
            try (Connection c = db.connect("test"); Statement st = c.createStatement();
                 ResultSet rs = st.executeQuery(onLegacy
                         ? "SELECT id, (balance * 100)::bigint FROM legacy.account WHERE id <= " + RouteFollowingClient.CREDITED
                         : "SELECT id, balance_cents FROM app.account WHERE id <= " + RouteFollowingClient.CREDITED)) {
                while (rs.next()) {
                    cents.put(rs.getLong(1), rs.getLong(2));
                }
            }
            assertEquals(expectedCents, cents, "credited balances on the " + side + " side: one cent per acknowledged "
                    + "credit, no more, no less");
        }
    }

    List<String> auditActions() throws SQLException {
        return store.recent(100).stream().map(PhaseStore.AuditEntry::action).toList();
    }

    /** Tries an application write on one side (rolled back) and reports whether the fence refused it. */
    boolean refusesWrites(boolean onLegacy) throws SQLException {
        try {
            exec(onLegacy ? legacy : newDb, "BEGIN", onLegacy ? "UPDATE legacy.account SET owner = owner WHERE id = 1"
                    : "UPDATE app.account SET owner_name = owner_name WHERE id = 1", "ROLLBACK");
            return false;
        } catch (SQLException e) {
            if ("40001".equals(e.getSQLState())) {
                return true;
            }
            throw e;
        }
    }

    /** Starts a {@link CutoverChild} that runs {@code operation} and halts at {@code failpoint}; its output goes to a log. */
    Process startChild(String operation, String failpoint) throws IOException {
        String java = ProcessHandle.current().info().command().orElse("java");
        File log = File.createTempFile(operation + "-child-" + failpoint, ".log");
        return new ProcessBuilder(List.of(java, "-Xmx256m", "-Dtandem.failpoint=" + failpoint, "-cp",
                System.getProperty("java.class.path"), CutoverChild.class.getName(), migration,
                Integer.toString(stack.postgres().port()), stack.kafka().bootstrapServers(), mappingFile.toString(), "30000",
                operation)).redirectErrorStream(true).redirectOutput(log).start();
    }

    /** A database of its own on the shared server. */
    static PgDatabase database(String name) {
        EmbeddedStack stack = SharedTestStack.get();
        stack.postgres().createDatabase(name);
        return new PgDatabase("127.0.0.1", stack.postgres().port(), name, "postgres", "");
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
        }
        // The shared server has a limited number of slots, and each one holds WAL: leave none behind.
        for (var capture : List.of(new dev.tandem.capture.CaptureConfig(migration, legacy, List.of("legacy.account"),
                stack.kafka().bootstrapServers()), new dev.tandem.capture.CaptureConfig(Sides.reverseName(migration), newDb,
                List.of("app.account"), stack.kafka().bootstrapServers()))) {
            new dev.tandem.capture.replication.ReplicationSetup(capture).drop();
        }
    }
}
