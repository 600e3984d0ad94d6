package dev.tandem.deploy.bench;

import dev.tandem.capture.PgDatabase;
import dev.tandem.deploy.lifecycle.PhaseStore;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The cutover part's heavier application, shaped like pgbench's TPC-B transaction and run as fast as the machine
 * allows from {@link #CONNECTIONS} connections: each transaction updates an account, reads it back, updates its teller
 * and branch and inserts a history row whose key comes from the side's own sequence, on the side the route names,
 * retried there after the write block refused it.
 */
final class PgbenchWorkload implements Workload {

    private static final Logger log = LoggerFactory.getLogger(PgbenchWorkload.class);
    static final int CONNECTIONS = 4;
    static final int ACCOUNTS = 100_000;
    static final int TELLERS = 10;
    static final int BRANCHES = 1;

    private final PhaseStore route;
    private final PgDatabase legacy;
    private final PgDatabase newDb;
    private final AtomicBoolean stop = new AtomicBoolean();
    private final AtomicLong committed = new AtomicLong();
    private final AtomicLong refused = new AtomicLong();
    private final List<Thread> threads = new ArrayList<>();

    PgbenchWorkload(PhaseStore route, PgDatabase legacy, PgDatabase newDb) {
        this.route = route;
        this.legacy = legacy;
        this.newDb = newDb;
        for (int i = 0; i < CONNECTIONS; i++) {
            Thread thread = new Thread(this::run, "bench-pgbench-workload-" + i);
            threads.add(thread);
            thread.start();
        }
    }

    /** The legacy schema: pgbench's tables, {@code filler char(n)} columns and a {@code bigserial} history key. */
    static List<String> legacySchema() {
        return List.of("CREATE SCHEMA legacy",
                "CREATE TABLE legacy.branches (bid int PRIMARY KEY, bbalance int NOT NULL, filler char(88))",
                "CREATE TABLE legacy.tellers (tid int PRIMARY KEY, bid int NOT NULL, tbalance int NOT NULL, filler char(84))",
                "CREATE TABLE legacy.accounts (aid int PRIMARY KEY, bid int NOT NULL, abalance int NOT NULL, filler char(84))",
                "CREATE TABLE legacy.history (id bigserial PRIMARY KEY, tid int, bid int, aid int, delta int, "
                        + "mtime timestamp, filler char(22))",
                "INSERT INTO legacy.branches SELECT g, 0, '' FROM generate_series(1, " + BRANCHES + ") g",
                "INSERT INTO legacy.tellers SELECT g, (g - 1) % " + BRANCHES + " + 1, 0, '' FROM generate_series(1, " + TELLERS + ") g",
                "INSERT INTO legacy.accounts SELECT g, (g - 1) % " + BRANCHES + " + 1, 0, '' FROM generate_series(1, " + ACCOUNTS + ") g");
    }

    /** The new schema: the same tables, the history key {@code GENERATED ALWAYS AS IDENTITY}. */
    static List<String> newSchema() {
        return List.of("CREATE SCHEMA app",
                "CREATE TABLE app.branches (bid int PRIMARY KEY, bbalance int NOT NULL, filler char(88))",
                "CREATE TABLE app.tellers (tid int PRIMARY KEY, bid int NOT NULL, tbalance int NOT NULL, filler char(84))",
                "CREATE TABLE app.accounts (aid int PRIMARY KEY, bid int NOT NULL, abalance int NOT NULL, filler char(84))",
                "CREATE TABLE app.history (id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY, tid int, bid int, aid int, "
                        + "delta int, mtime timestamp, filler char(22))");
    }

    /** Every table copied as it is, with an identity reverse (the char(n) fillers go through the round-trip gate). */
    static String mapping() {
        StringBuilder yaml = new StringBuilder("tables:\n");
        for (List<String> table : List.of(List.of("branches", "bid", "bbalance", "filler"),
                List.of("tellers", "tid", "bid", "tbalance", "filler"), List.of("accounts", "aid", "bid", "abalance", "filler"),
                List.of("history", "id", "tid", "bid", "aid", "delta", "mtime", "filler"))) {
            yaml.append("  - target: app.").append(table.get(0)).append('\n')
                    .append("    from: legacy.").append(table.get(0)).append(" t\n")
                    .append("    copy_same_named: true\n")
                    .append("    reverse:\n      as: n\n      columns:\n");
            table.subList(1, table.size()).forEach(c -> yaml.append("        ").append(c).append(": n.").append(c).append('\n'));
        }
        return yaml.toString();
    }

    @Override
    public long committed() {
        return committed.get();
    }

    @Override
    public long refused() {
        return refused.get();
    }

    private void run() {
        try (Connection toLegacy = legacy.connect("bench-app"); Connection toNew = newDb.connect("bench-app")) {
            toLegacy.setAutoCommit(false);
            toNew.setAutoCommit(false);
            Statements onLegacy = new Statements(toLegacy, "legacy");
            Statements onNew = new Statements(toNew, "app");
            boolean toNewSide = route.phase(toNew).route().equals("new");
            toNew.commit();
            while (!stop.get()) {
                Connection c = toNewSide ? toNew : toLegacy;
                try {
                    (toNewSide ? onNew : onLegacy).transaction();
                    c.commit();
                    committed.incrementAndGet();
                } catch (SQLException e) {
                    c.rollback();
                    if (!"40001".equals(e.getSQLState())) {
                        throw e;
                    }
                    refused.incrementAndGet();
                    toNewSide = route.phase(toNew).route().equals("new"); // the route lives in the new database
                    toNew.commit();
                }
            }
        } catch (SQLException e) {
            log.error("bench cutover: the pgbench-shaped application failed: {}", e.getMessage(), e);
        }
    }

    /** pgbench's TPC-B statements against one side. */
    private static final class Statements {
        private final PreparedStatement account;
        private final PreparedStatement read;
        private final PreparedStatement teller;
        private final PreparedStatement branch;
        private final PreparedStatement history;

        Statements(Connection c, String schema) throws SQLException {
            account = c.prepareStatement("UPDATE " + schema + ".accounts SET abalance = abalance + ? WHERE aid = ?");
            read = c.prepareStatement("SELECT abalance FROM " + schema + ".accounts WHERE aid = ?");
            teller = c.prepareStatement("UPDATE " + schema + ".tellers SET tbalance = tbalance + ? WHERE tid = ?");
            branch = c.prepareStatement("UPDATE " + schema + ".branches SET bbalance = bbalance + ? WHERE bid = ?");
            history = c.prepareStatement("INSERT INTO " + schema + ".history (tid, bid, aid, delta, mtime) "
                    + "VALUES (?, ?, ?, ?, CURRENT_TIMESTAMP)");
        }

        void transaction() throws SQLException {
            ThreadLocalRandom random = ThreadLocalRandom.current();
            int aid = random.nextInt(1, ACCOUNTS + 1);
            int tid = random.nextInt(1, TELLERS + 1);
            int bid = random.nextInt(1, BRANCHES + 1);
            int delta = random.nextInt(-5000, 5001);
            account.setInt(1, delta);
            account.setInt(2, aid);
            account.executeUpdate();
            read.setInt(1, aid);
            read.executeQuery().close();
            teller.setInt(1, delta);
            teller.setInt(2, tid);
            teller.executeUpdate();
            branch.setInt(1, delta);
            branch.setInt(2, bid);
            branch.executeUpdate();
            history.setInt(1, tid);
            history.setInt(2, bid);
            history.setInt(3, aid);
            history.setInt(4, delta);
            history.executeUpdate();
        }
    }

    @Override
    public void close() throws InterruptedException {
        stop.set(true);
        for (Thread thread : threads) {
            thread.join(10_000);
        }
    }
}
