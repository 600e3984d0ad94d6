package dev.tandem.deploy.lifecycle;

import dev.tandem.capture.PgDatabase;
import java.sql.Connection;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.List;
import java.util.Set;
import java.util.concurrent.Callable;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;

/**
 * An application writing continuously through whichever side the route names: each write inserts a new
 * account and credits an existing one; a write refused by the fence is retried after re-reading the route.
 * It remembers every write the database acknowledged, to prove none is lost.
 */
final class RouteFollowingClient implements AutoCloseable {

    private final Callable<Boolean> writesToNew;
    private final PgDatabase legacy;
    private final PgDatabase newDb;
    private final AtomicBoolean stop = new AtomicBoolean();
    private final Thread thread;
    final Set<Long> acknowledged = ConcurrentHashMap.newKeySet();
    final AtomicLong refused = new AtomicLong();
    final AtomicLong writtenToNew = new AtomicLong();
    final List<Throwable> unexpected = new CopyOnWriteArrayList<>();
    private final AtomicLong nextId;
    /** The first account id this client inserts; every id from here on is its own. */
    final long firstId;
    /** Accounts 1 to this number receive the credits. */
    static final long CREDITED = 50;

    RouteFollowingClient(PhaseStore route, PgDatabase legacy, PgDatabase newDb, long firstId) {
        this(() -> route.phase().route().equals("new"), legacy, newDb, firstId);
    }

    /** A client that asks {@code writesToNew} (a feature flag, say) which side to write to before each write. */
    RouteFollowingClient(Callable<Boolean> writesToNew, PgDatabase legacy, PgDatabase newDb, long firstId) {
        this.writesToNew = writesToNew;
        this.legacy = legacy;
        this.newDb = newDb;
        this.firstId = firstId;
        this.nextId = new AtomicLong(firstId);
        this.thread = new Thread(this::run, "route-following-client");
        thread.start();
    }

    private void run() {
        while (!stop.get()) {
            long id = nextId.get();
            try {
                boolean toNew = writesToNew.call();
                try (Connection c = (toNew ? newDb : legacy).connect("app")) {
                    c.setAutoCommit(false);
                    try (Statement st = c.createStatement()) {
                        if (toNew) {
                            st.execute("INSERT INTO app.account (id, owner_name, balance_cents) VALUES (" + id + ", 'n" + id + "', 100)");
                            st.execute("UPDATE app.account SET balance_cents = balance_cents + 1 WHERE id = " + credited(id));
                        } else {
                            st.execute("INSERT INTO legacy.account (id, owner, balance) VALUES (" + id + ", 'l" + id + "', 1.00)");
                            st.execute("UPDATE legacy.account SET balance = balance + 0.01 WHERE id = " + credited(id));
                        }
                    }
                    c.commit();
                }
                acknowledged.add(id);
                if (toNew) {
                    writtenToNew.incrementAndGet();
                }
                nextId.incrementAndGet();
                Thread.sleep(2);
            } catch (SQLException e) {
                if ("40001".equals(e.getSQLState())) {
                    refused.incrementAndGet(); // fenced: re-read the route and retry the same write
                } else {
                    unexpected.add(e);
                    return;
                }
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return;
            } catch (Exception e) {
                unexpected.add(e);
                return;
            }
        }
    }

    /** The account the write with this id credits. */
    static long credited(long id) {
        return id % CREDITED + 1;
    }

    @Override
    public void close() throws InterruptedException {
        stop.set(true);
        thread.join(10_000);
    }
}
