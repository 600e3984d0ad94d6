package dev.tandem.deploy.lifecycle;

import static dev.tandem.deploy.lifecycle.CutoverIT.awaitTrue;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.tandem.capture.PgDatabase;
import dev.tandem.deploy.lifecycle.switchover.SequenceColumns;
import dev.tandem.deploy.lifecycle.switchover.SwitchReport;
import dev.tandem.sync.route.Ordering;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
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
 * Keys from sequences on both sides: legacy {@code bigserial}, new {@code GENERATED ALWAYS AS IDENTITY}. The sync writes
 * the identity column, and each switch moves the opening side's sequence past the keys the sync wrote there, so an
 * application inserting without keys through the route never hits a unique violation.
 */
class SequenceCarryIT {

    @Test
    void anApplicationInsertingWithoutKeysThroughCutoverAndRollbackHitsNoUniqueViolation() throws Exception {
        try (CutoverFixture f = new CutoverFixture("seqs", "(n.balance_cents / 100.0)::numeric(12,2)", Ordering.TRANSACTIONAL,
                List.of("CREATE TABLE legacy.event (id bigserial PRIMARY KEY, note text NOT NULL)",
                        "INSERT INTO legacy.event (note) SELECT 'before ' || g FROM generate_series(1, 300) g"),
                List.of("CREATE TABLE app.event (id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY, note text NOT NULL)"),
                """
                  - target: app.event
                    from: legacy.event e
                    key:
                      id: e.id
                    columns:
                      note: e.note
                    reverse:
                      as: n
                      columns:
                        id: n.id
                        note: n.note
                """)) {
            f.startSync();
            EventClient client = new EventClient(f.store, f.legacy, f.newDb);
            try (client) {
                client.await(100);
                SwitchReport cutover = f.switchover(CutoverIT.LOOSE).cutover(false);
                assertTrue(cutover.switched(), cutover.message() + " " + cutover.gates());
                SequenceColumns.Moved moved = cutover.sequences().stream()
                        .filter(m -> m.backed().table().equals("app.event")).findFirst().orElseThrow();
                assertEquals("identity always", moved.backed().kind());
                assertTrue(moved.nextAfter() > moved.max() + 1000 - 1, moved.toString());
                client.await(200);
                SwitchReport rollback = f.switchover(CutoverIT.LOOSE).rollback(false);
                assertTrue(rollback.switched(), rollback.message());
                assertEquals("serial", rollback.sequences().stream().filter(m -> m.backed().table().equals("legacy.event"))
                        .findFirst().orElseThrow().backed().kind());
                client.await(200);
            }
            assertTrue(client.unexpected.isEmpty(), "no unique violation on either side: " + client.unexpected);
            assertTrue(client.onNew.get() >= 200, "the client inserted on the new side: " + client.onNew.get());
            awaitTrue(() -> events(f.legacy, "legacy.event").equals(events(f.newDb, "app.event")), "both sides to converge");
            Map<Long, String> legacy = events(f.legacy, "legacy.event");
            assertTrue(legacy.values().containsAll(client.acknowledged), "every acknowledged insert on both sides");
            assertEquals(300 + client.acknowledged.size(), legacy.size());
            List<String> actions = f.auditActions();
            assertTrue(actions.contains("sequence set"), "each value set is in the audit log: " + actions);
        }
    }

    private static Map<Long, String> events(PgDatabase db, String table) throws SQLException {
        Map<Long, String> rows = new TreeMap<>();
        try (Connection c = db.connect("test"); Statement st = c.createStatement();
             ResultSet rs = st.executeQuery("SELECT id, note FROM " + table)) {
            while (rs.next()) {
                rows.put(rs.getLong(1), rs.getString(2));
            }
        }
        return rows;
    }

    /** Inserts events without keys on the side the route names; a blocked insert is retried, anything else recorded. */
    private static final class EventClient implements AutoCloseable {
        private final PhaseStore route;
        private final PgDatabase legacy;
        private final PgDatabase newDb;
        private final AtomicBoolean stop = new AtomicBoolean();
        private final Thread thread;
        final Set<String> acknowledged = ConcurrentHashMap.newKeySet();
        final List<Throwable> unexpected = new CopyOnWriteArrayList<>();
        final AtomicLong onNew = new AtomicLong();

        EventClient(PhaseStore route, PgDatabase legacy, PgDatabase newDb) {
            this.route = route;
            this.legacy = legacy;
            this.newDb = newDb;
            this.thread = new Thread(this::run, "event-client");
            thread.start();
        }

        void await(long more) throws Exception {
            long target = acknowledged.size() + more;
            awaitTrue(() -> acknowledged.size() >= target || !unexpected.isEmpty(), more + " more events");
            assertTrue(unexpected.isEmpty(), "the client failed: " + unexpected);
        }

        private void run() {
            long n = 0;
            try (Connection l = legacy.connect("app"); Connection nw = newDb.connect("app")) {
                while (!stop.get()) {
                    boolean toNew = route.phase().route().equals("new");
                    String note = "event " + n;
                    try (PreparedStatement ps = (toNew ? nw : l).prepareStatement("INSERT INTO "
                            + (toNew ? "app.event" : "legacy.event") + " (note) VALUES (?)")) {
                        ps.setString(1, note);
                        ps.executeUpdate();
                        acknowledged.add(note);
                        if (toNew) {
                            onNew.incrementAndGet();
                        }
                        n++;
                        Thread.sleep(2);
                    } catch (SQLException e) {
                        if (!"40001".equals(e.getSQLState())) {
                            throw e;
                        }
                    }
                }
            } catch (SQLException | RuntimeException e) {
                unexpected.add(e);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }

        @Override
        public void close() throws InterruptedException {
            stop.set(true);
            thread.join(10_000);
        }
    }
}
