package dev.tandem.sync;

import static dev.tandem.sync.TestDatabases.awaitTrue;
import static dev.tandem.sync.TestDatabases.digest;
import static dev.tandem.sync.TestDatabases.exec;
import static dev.tandem.sync.TestDatabases.queryLong;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.tandem.capture.PgDatabase;
import dev.tandem.sync.mapping.TableMapping;
import dev.tandem.sync.pipeline.Pipeline;
import dev.tandem.sync.pipeline.PipelineConfig;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;

/**
 * Real faults under a running write workload: the walsender and the applier's connection are
 * terminated, a capture process is killed with SIGKILL (so it replays what it had not flushed),
 * the applier is stopped and restarted. A history table on the target
 * records every version each row went through; a lost or doubled change shows up there.
 */
class RestartIT {

    @Test
    void faultsLoseNothingAndApplyNothingTwice() throws Exception {
        PgDatabase legacy = TestDatabases.fresh("restart_legacy");
        PgDatabase app = TestDatabases.fresh("restart_app");
        exec(legacy, "CREATE SCHEMA legacy",
                "CREATE TABLE legacy.account (id int PRIMARY KEY, version int NOT NULL, balance numeric(12,2) NOT NULL)",
                "INSERT INTO legacy.account SELECT g, 1, 100 FROM generate_series(1, 200) g");
        exec(app, "CREATE SCHEMA app",
                "CREATE TABLE app.account (account_id int PRIMARY KEY, version int NOT NULL, balance numeric(12,2) NOT NULL)");
        HistoryChecks.recordHistory(app, "app.account", "account_id");

        PipelineConfig config = new PipelineConfig("restart", legacy, app,
                List.of(new TableMapping("legacy.account", "app.account", Map.of("id", "account_id"))),
                TestDatabases.stack().kafka().bootstrapServers())
                .withCaptureOffsetFlush(Duration.ofMinutes(10)); // a capture restart replays everything it streamed
        AtomicBoolean writing = new AtomicBoolean(true);
        AtomicLong transactions = new AtomicLong();
        Thread workload = new Thread(() -> write(legacy, writing, transactions), "workload");
        try (Pipeline pipeline = new Pipeline(config)) {
            pipeline.start();
            workload.start();
            awaitTrue(Duration.ofSeconds(30), "first changes applied", () -> applied(pipeline) > 50);

            terminate(legacy, "walsender");
            awaitMoreApplied(pipeline, "the walsender was terminated");

            terminate(app, "tandem-applier-restart");
            awaitMoreApplied(pipeline, "the applier's connection was terminated");

            // Capture moves to its own process, which is killed twice without warning.
            pipeline.stopCapture();
            for (int kill = 1; kill <= 2; kill++) {
                try (CaptureProcess capture = CaptureProcess.start(config.capture(), CaptureProcess.logFile("capture-" + kill))) {
                    awaitMoreApplied(pipeline, "capture process " + kill + " started");
                    capture.kill();
                }
            }
            pipeline.restartCapture();
            awaitTrue(Duration.ofSeconds(60), "the replayed transactions to reach the applier",
                    () -> pipeline.applyStats().replaysSkipped() > 0);

            pipeline.stopApplier(); // stopped and restarted mid-stream: resumes from the stored position
            Thread.sleep(300);
            pipeline.startApplier();

            writing.set(false);
            workload.join();
            String expected = digest(legacy, "legacy.account", "id, version, balance", "id");
            awaitTrue(Duration.ofSeconds(90), "app.account to equal legacy.account",
                    () -> expected.equals(digest(app, "app.account", "account_id, version, balance", "account_id")));
            assertNull(pipeline.failure());
        } finally {
            writing.set(false);
        }

        assertTrue(transactions.get() > 100, "workload ran " + transactions.get() + " transactions");
        HistoryChecks.assertNoDuplicateOrRegression(app, "app");
    }

    private static void awaitMoreApplied(Pipeline pipeline, String after) throws InterruptedException {
        long before = applied(pipeline);
        awaitTrue(Duration.ofSeconds(60), "apply to go on after " + after, () -> applied(pipeline) > before + 50);
    }

    private static long applied(Pipeline pipeline) {
        return pipeline.applyStats() == null ? 0 : pipeline.applyStats().changesApplied();
    }

    /** Terminates the backends of one kind: the walsender, or a connection by application name. */
    private static void terminate(PgDatabase db, String who) throws Exception {
        String where = who.equals("walsender") ? "backend_type = 'walsender'" : "application_name = '" + who + "'";
        long terminated = queryLong(db, "SELECT count(pg_terminate_backend(pid)) FROM pg_stat_activity WHERE " + where
                + " AND datname = current_database()");
        assertTrue(terminated > 0, "no " + who + " backend to terminate");
    }

    private static void write(PgDatabase legacy, AtomicBoolean writing, AtomicLong transactions) {
        try (Connection c = legacy.connect("workload");
             PreparedStatement update = c.prepareStatement(
                     "UPDATE legacy.account SET version = version + 1, balance = balance + ? WHERE id = ?")) {
            c.setAutoCommit(false);
            ThreadLocalRandom random = ThreadLocalRandom.current();
            while (writing.get()) {
                for (int i = 0; i < 1 + random.nextInt(5); i++) {
                    update.setBigDecimal(1, java.math.BigDecimal.valueOf(random.nextInt(-500, 500), 2));
                    update.setInt(2, 1 + random.nextInt(200));
                    update.executeUpdate();
                }
                c.commit();
                transactions.incrementAndGet();
                Thread.sleep(2);
            }
        } catch (Exception e) {
            throw new IllegalStateException("workload failed", e);
        }
    }
}
