package dev.tandem.sync;

import static dev.tandem.sync.TestDatabases.awaitTrue;
import static dev.tandem.sync.TestDatabases.digest;
import static dev.tandem.sync.TestDatabases.exec;
import static dev.tandem.sync.TestDatabases.queryLong;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.tandem.capture.PgDatabase;
import dev.tandem.sync.mapping.TableMapping;
import dev.tandem.sync.pipeline.Pipeline;
import dev.tandem.sync.pipeline.PipelineConfig;
import dev.tandem.sync.route.Ordering;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * The servers tandem depends on go away under a write workload: the Kafka broker is stopped and
 * restarted, then PostgreSQL (legacy and new databases alike) is restarted. The pipeline keeps
 * running in-process and must catch up with nothing lost or applied twice. Large transactions
 * (a multi-row INSERT and a COPY of thousands of rows, each sharing one commit) are part of the load.
 */
class InfrastructureRestartIT {

    /** Both orderings: per-key adds the router and a consumer group, both of which must ride out the broker's absence. */
    @ParameterizedTest
    @ValueSource(strings = {"transactional", "per-key"})
    void brokerAndDatabaseRestartsLoseAndDoubleNothing(String ordering) throws Exception {
        Ordering order = Ordering.parse(ordering, 4, 2);
        String migration = order.perKey() ? "infra_pk" : "infra";
        PgDatabase legacy = TestDatabases.fresh(migration + "_legacy");
        PgDatabase app = TestDatabases.fresh(migration + "_app");
        exec(legacy, "CREATE SCHEMA legacy",
                "CREATE TABLE legacy.account (id int PRIMARY KEY, version int NOT NULL, note text)",
                "INSERT INTO legacy.account SELECT g, 1, 'n' FROM generate_series(1, 1000) g");
        exec(app, "CREATE SCHEMA app",
                "CREATE TABLE app.account (id int PRIMARY KEY, version int NOT NULL, note text)");
        HistoryChecks.recordHistory(app, "app.account", "id");
        PipelineConfig config = new PipelineConfig(migration, legacy, app,
                List.of(new TableMapping("legacy.account", "app.account", Map.of())),
                TestDatabases.stack().kafka().bootstrapServers()).withOrdering(order);
        AtomicBoolean writing = new AtomicBoolean(true);
        AtomicLong committed = new AtomicLong();
        Thread workload = new Thread(() -> write(legacy, writing, committed), "workload");
        try (Pipeline pipeline = new Pipeline(config)) {
            pipeline.start();
            workload.start();
            HistoryChecks.awaitApplied(pipeline, 200);

            TestDatabases.stack().kafka().stop();
            Thread.sleep(3_000); // writes go on in the legacy database while the broker is down
            TestDatabases.stack().kafka().restart();
            HistoryChecks.awaitApplied(pipeline, 200);

            exec(legacy, "INSERT INTO legacy.account SELECT g, 1, 'bulk' FROM generate_series(100001, 105000) g",
                    "COPY legacy.account FROM PROGRAM 'seq 200001 208000 | sed \"s/$/\\t1\\tcopied/\"'");
            TestDatabases.stack().postgres().restart();
            HistoryChecks.awaitApplied(pipeline, 200);

            writing.set(false);
            workload.join();
            String expected = digest(legacy, "legacy.account", "id, version, note", "id");
            awaitTrue(Duration.ofSeconds(120), "app.account to equal legacy.account",
                    () -> expected.equals(digest(app, "app.account", "id, version, note", "id")));
            assertNull(pipeline.failure());
        } finally {
            writing.set(false);
        }
        assertTrue(committed.get() > 100, "workload committed " + committed.get());
        assertEquals(14_000, queryLong(app, "SELECT count(*) FROM app.account"));
        HistoryChecks.assertNoDuplicateOrRegression(app, "app");
    }


    /** Updates random accounts; survives the database restart by reconnecting, counting only commits. */
    private static void write(PgDatabase legacy, AtomicBoolean writing, AtomicLong committed) {
        while (writing.get()) {
            try (Connection c = legacy.connect("workload");
                 PreparedStatement update = c.prepareStatement("UPDATE legacy.account SET version = version + 1 WHERE id = ?")) {
                c.setAutoCommit(false);
                while (writing.get()) {
                    for (int i = 0; i < 3; i++) {
                        update.setInt(1, 1 + ThreadLocalRandom.current().nextInt(1000));
                        update.executeUpdate();
                    }
                    c.commit();
                    committed.incrementAndGet();
                    Thread.sleep(3);
                }
            } catch (java.sql.SQLException e) {
                sleep(200); // the database is restarting: reconnect
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return;
            }
        }
    }

    private static void sleep(long millis) {
        try {
            Thread.sleep(millis);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
