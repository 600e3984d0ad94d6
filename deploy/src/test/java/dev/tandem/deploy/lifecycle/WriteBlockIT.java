package dev.tandem.deploy.lifecycle;

import static dev.tandem.deploy.lifecycle.CutoverIT.awaitTrue;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.tandem.capture.PgDatabase;
import dev.tandem.deploy.lifecycle.switchover.SwitchReport;
import dev.tandem.deploy.lifecycle.switchover.SwitchSettings;
import dev.tandem.deploy.lifecycle.switchover.WriteBlock;
import dev.tandem.sync.route.Ordering;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;

/**
 * The write block against application transactions that write two mapped tables, half of them in one order and half
 * in the other: waiting out the writers in flight takes no lock they could queue behind, so no switch and no
 * application transaction ends in a deadlock, and no acknowledged write is lost.
 */
class WriteBlockIT {

    static final List<String> LEGACY_PURCHASE = List.of("CREATE TABLE legacy.purchase (id bigint PRIMARY KEY, "
            + "account_id bigint NOT NULL, amount numeric(12,2) NOT NULL)");
    static final List<String> NEW_PURCHASE = List.of("CREATE TABLE app.purchase (id bigint PRIMARY KEY, "
            + "account_id bigint NOT NULL, amount_cents bigint NOT NULL)");
    static final String PURCHASE_MAPPING = """
              - target: app.purchase
                from: legacy.purchase p
                key:
                  id: p.id
                columns:
                  account_id: p.account_id
                  amount_cents: (p.amount * 100)::bigint
                reverse:
                  as: n
                  columns:
                    id: n.id
                    account_id: n.account_id
                    amount: (n.amount_cents / 100.0)::numeric(12,2)
            """;
    private static final int CLIENTS = 4;
    private static final int SWITCHES = 3;

    @Test
    void transactionsWritingTwoTablesInEitherOrderNeitherDeadlockNorLoseAWrite() throws Exception {
        try (CutoverFixture f = new CutoverFixture("wbdl", "(n.balance_cents / 100.0)::numeric(12,2)", Ordering.TRANSACTIONAL,
                LEGACY_PURCHASE, NEW_PURCHASE, PURCHASE_MAPPING)) {
            f.startSync();
            List<PurchaseClient> clients = new ArrayList<>();
            for (int i = 0; i < CLIENTS; i++) {
                clients.add(new PurchaseClient(f.store, f.legacy, f.newDb, i, i % 2 == 0));
            }
            List<SwitchReport> reports = new ArrayList<>();
            try {
                awaitPurchases(clients, 200);
                // Longer than deadlock_timeout (1 s): a fence that could deadlock would be caught by the detector.
                SwitchSettings settings = new SwitchSettings(Duration.ofSeconds(5), Duration.ofSeconds(30),
                        SwitchSettings.DEFAULT_MAX_VERIFICATION_AGE, SwitchSettings.DEFAULT_ROUND_TRIP_SAMPLE);
                for (int i = 0; i < SWITCHES; i++) {
                    SwitchReport cutover = f.switchover(settings).cutover(false);
                    reports.add(cutover);
                    assertTrue(cutover.switched(), cutover.message() + " " + cutover.gates());
                    awaitPurchases(clients, 100);
                    SwitchReport rollback = f.switchover(settings).rollback(false);
                    reports.add(rollback);
                    assertTrue(rollback.switched(), rollback.message());
                    awaitPurchases(clients, 100);
                }
            } finally {
                for (PurchaseClient client : clients) {
                    client.close();
                }
            }
            for (PurchaseClient client : clients) {
                assertTrue(client.unexpected.isEmpty(), "only blocked-write refusals, no deadlock: " + client.unexpected);
            }
            Set<Long> acknowledged = ConcurrentHashMap.newKeySet();
            clients.forEach(c -> acknowledged.addAll(c.acknowledged));
            awaitTrue(() -> purchases(f.legacy, "legacy.purchase").equals(purchases(f.newDb, "app.purchase"))
                    && f.legacyDigest().equals(f.newDigest()), "both sides to converge");
            for (PgDatabase db : List.of(f.legacy, f.newDb)) {
                boolean legacy = db == f.legacy;
                assertEquals(acknowledged, purchases(db, legacy ? "legacy.purchase" : "app.purchase").keySet(),
                        "every acknowledged purchase, and only those, on the " + (legacy ? "legacy" : "new") + " side");
                assertEquals(expectedBalances(acknowledged), balances(db, legacy), "each purchase credited its account once");
            }
            System.out.println("write blocks (ms): " + reports.stream().map(r -> r.operation() + " " + r.phaseMillis()).toList());
        }
    }

    /**
     * The shape that deadlocked with {@code LOCK TABLE a, b IN SHARE MODE}: a transaction has written b, the block is set
     * and the wait begins, then the transaction writes a. It must meet the block (40001) at once, and the wait must end
     * with it; a transaction that stays open makes the wait fail naming it.
     */
    @Test
    void aWriterOfTwoTablesMeetsTheBlockInsteadOfDeadlockingAndAnOpenOneIsNamed() throws Exception {
        PgDatabase db = CutoverFixture.database("wbunit");
        CutoverIT.exec(db, "DROP SCHEMA IF EXISTS app CASCADE", "CREATE SCHEMA app", "CREATE TABLE app.a (id int PRIMARY KEY, n int)",
                "CREATE TABLE app.b (id int PRIMARY KEY, n int)", "INSERT INTO app.a VALUES (1, 0)", "INSERT INTO app.b VALUES (1, 0)");
        List<String> tables = List.of("app.a", "app.b");
        WriteBlock writes = new WriteBlock("wbunit");
        try (Connection tandem = db.connect("tandem"); Connection app = db.connect("app")) {
            writes.install(tandem, tables);
            writes.open(tandem);
            app.setAutoCommit(false);
            try (Statement st = app.createStatement()) {
                st.execute("UPDATE app.b SET n = n + 1");
                writes.block(tandem);
                var waiting = java.util.concurrent.CompletableFuture.runAsync(() -> {
                    try {
                        writes.awaitInFlightWriters(tandem, tables, Duration.ofSeconds(5));
                    } catch (SQLException | InterruptedException e) {
                        throw new IllegalStateException(e);
                    }
                });
                Thread.sleep(50); // let the wait start (nothing it does can block the application)
                long started = System.nanoTime();
                SQLException refused = org.junit.jupiter.api.Assertions.assertThrows(SQLException.class,
                        () -> st.execute("UPDATE app.a SET n = n + 1"));
                assertEquals(WriteBlock.BLOCKED_SQLSTATE, refused.getSQLState(), refused.getMessage());
                assertTrue(System.nanoTime() - started < java.util.concurrent.TimeUnit.MILLISECONDS.toNanos(500),
                        "the second write met the block at once instead of queueing behind a lock");
                app.rollback();
                waiting.get(2, java.util.concurrent.TimeUnit.SECONDS);
            }
            // a writer that stays open is named when the wait runs out
            writes.open(tandem);
            try (Statement st = app.createStatement()) {
                st.execute("UPDATE app.a SET n = n + 1");
                writes.block(tandem);
                SQLException timedOut = org.junit.jupiter.api.Assertions.assertThrows(SQLException.class,
                        () -> writes.awaitInFlightWriters(tandem, tables, Duration.ofMillis(200)));
                assertEquals("55P03", timedOut.getSQLState());
                int pid = app.unwrap(org.postgresql.PGConnection.class).getBackendPID();
                assertTrue(timedOut.getMessage().contains("pid " + pid), timedOut.getMessage());
                app.rollback();
            }
            writes.uninstall(tandem, tables);
        }
    }

    private static void awaitPurchases(List<PurchaseClient> clients, long more) throws Exception {
        long target = clients.stream().mapToLong(c -> c.acknowledged.size()).sum() + more;
        awaitTrue(() -> clients.stream().mapToLong(c -> c.acknowledged.size()).sum() >= target
                || clients.stream().anyMatch(c -> !c.unexpected.isEmpty()), more + " more purchases");
        for (PurchaseClient client : clients) {
            assertTrue(client.unexpected.isEmpty(), "the client failed: " + client.unexpected);
        }
    }

    private static Map<Long, Long> expectedBalances(Set<Long> purchases) {
        Map<Long, Long> cents = new TreeMap<>();
        for (long id = 1; id <= PurchaseClient.ACCOUNTS; id++) {
            cents.put(id, id * 125);
        }
        purchases.forEach(id -> cents.merge(PurchaseClient.account(id), 100L, Long::sum));
        return cents;
    }

    private static Map<Long, Long> balances(PgDatabase db, boolean legacy) throws SQLException {
        return longs(db, legacy ? "SELECT id, (balance * 100)::bigint FROM legacy.account WHERE id <= " + PurchaseClient.ACCOUNTS
                : "SELECT id, balance_cents FROM app.account WHERE id <= " + PurchaseClient.ACCOUNTS);
    }

    private static Map<Long, Long> purchases(PgDatabase db, String table) throws SQLException {
        return longs(db, "SELECT id, account_id FROM " + table);
    }

    private static Map<Long, Long> longs(PgDatabase db, String sql) throws SQLException {
        Map<Long, Long> rows = new TreeMap<>();
        try (Connection c = db.connect("test"); Statement st = c.createStatement(); ResultSet rs = st.executeQuery(sql)) {
            while (rs.next()) {
                rows.put(rs.getLong(1), rs.getLong(2));
            }
        }
        return rows;
    }

    /**
     * An application connection recording purchases through the route: each transaction inserts a purchase and
     * credits its account, purchase first or account first; a blocked write rolls back and is retried.
     */
    static final class PurchaseClient implements AutoCloseable {

        static final long ACCOUNTS = 50;
        private static final long IDS_PER_CLIENT = 1_000_000;

        private final PhaseStore route;
        private final PgDatabase legacy;
        private final PgDatabase newDb;
        private final boolean purchaseFirst;
        private final AtomicBoolean stop = new AtomicBoolean();
        private final AtomicLong nextId;
        private final Thread thread;
        final Set<Long> acknowledged = ConcurrentHashMap.newKeySet();
        final List<Throwable> unexpected = new CopyOnWriteArrayList<>();

        PurchaseClient(PhaseStore route, PgDatabase legacy, PgDatabase newDb, int index, boolean purchaseFirst) {
            this.route = route;
            this.legacy = legacy;
            this.newDb = newDb;
            this.purchaseFirst = purchaseFirst;
            this.nextId = new AtomicLong((index + 1) * IDS_PER_CLIENT);
            this.thread = new Thread(this::run, "purchase-client-" + index);
            thread.start();
        }

        static long account(long purchase) {
            return purchase % ACCOUNTS + 1;
        }

        private void run() {
            Connection legacyConnection = null;
            Connection newConnection = null;
            try {
                legacyConnection = legacy.connect("app");
                newConnection = newDb.connect("app");
                legacyConnection.setAutoCommit(false);
                newConnection.setAutoCommit(false);
                while (!stop.get()) {
                    long id = nextId.get();
                    boolean toNew = route.phase().route().equals("new");
                    Connection c = toNew ? newConnection : legacyConnection;
                    try {
                        write(c, toNew, id);
                        c.commit();
                        acknowledged.add(id);
                        nextId.incrementAndGet();
                        Thread.sleep(3); // a pace the sync keeps up with on a shared two-core machine
                    } catch (SQLException e) {
                        c.rollback();
                        if (!"40001".equals(e.getSQLState())) {
                            throw e;
                        }
                    }
                }
            } catch (SQLException | RuntimeException e) {
                unexpected.add(e);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            } finally {
                for (Connection c : new Connection[] {legacyConnection, newConnection}) {
                    try {
                        if (c != null) {
                            c.close();
                        }
                    } catch (SQLException e) {
                        unexpected.add(e);
                    }
                }
            }
        }

        private void write(Connection c, boolean toNew, long id) throws SQLException {
            String purchase = toNew ? "INSERT INTO app.purchase (id, account_id, amount_cents) VALUES (?, ?, 100)"
                    : "INSERT INTO legacy.purchase (id, account_id, amount) VALUES (?, ?, 1.00)";
            String credit = toNew ? "UPDATE app.account SET balance_cents = balance_cents + 100 WHERE id = ?"
                    : "UPDATE legacy.account SET balance = balance + 1.00 WHERE id = ?";
            try (PreparedStatement insert = c.prepareStatement(purchase); PreparedStatement update = c.prepareStatement(credit)) {
                insert.setLong(1, id);
                insert.setLong(2, account(id));
                update.setLong(1, account(id));
                if (purchaseFirst) {
                    insert.executeUpdate();
                    update.executeUpdate();
                } else {
                    update.executeUpdate();
                    insert.executeUpdate();
                }
            }
        }

        @Override
        public void close() throws InterruptedException {
            stop.set(true);
            thread.join(10_000);
        }
    }
}
