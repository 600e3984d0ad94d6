package dev.tandem.sync;

import static dev.tandem.sync.TestDatabases.awaitTrue;
import static dev.tandem.sync.TestDatabases.digest;
import static dev.tandem.sync.TestDatabases.exec;
import static dev.tandem.sync.TestDatabases.queryLong;
import static dev.tandem.sync.TestDatabases.queryString;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.tandem.capture.PgDatabase;
import dev.tandem.sync.backfill.BackfillSettings;
import dev.tandem.sync.pipeline.Pipeline;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.time.Duration;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;

/**
 * A tandem process is killed with SIGKILL in the middle of its chunked backfill (while a workload
 * updates and inserts rows, or on an idle source); the next start resumes the same generation: chunks already copied are
 * not copied again, the rest is copied under a new snapshot, and in the end the new table equals
 * the legacy one while the history kept by a trigger shows no version applied twice or backwards.
 */
class BackfillResumeIT {

    private static final int ROWS = 40_000;
    private static final long CHUNK_ROWS = 2_000;
    private static final String COPIED = "SELECT count(*) FROM tandem.backfill_chunk WHERE copied_at IS NOT NULL";

    @Test
    void aKilledBackfillResumesWithTheChunksLeft() throws Exception {
        killAndResume("resume", true);
    }

    /** Without writes the capture has nothing to move it past the new snapshot but tandem's own message. */
    @Test
    void aKilledBackfillResumesOnAnIdleSource() throws Exception {
        killAndResume("resume_idle", false);
    }

    private static void killAndResume(String migration, boolean withWorkload) throws Exception {
        PgDatabase legacy = TestDatabases.fresh(migration + "_legacy");
        PgDatabase app = TestDatabases.fresh(migration + "_app");
        exec(legacy, "CREATE SCHEMA legacy",
                "CREATE TABLE legacy.account (id int PRIMARY KEY, version int NOT NULL, balance numeric(12,2) NOT NULL)",
                "INSERT INTO legacy.account SELECT g, 1, 100 FROM generate_series(1, " + ROWS + ") g");
        exec(app, "CREATE SCHEMA app",
                "CREATE TABLE app.account (account_id int PRIMARY KEY, version int NOT NULL, balance numeric(12,2) NOT NULL)");
        HistoryChecks.recordHistory(app, "app.account", "account_id");

        AtomicBoolean writing = new AtomicBoolean(true);
        AtomicLong transactions = new AtomicLong();
        Thread workload = new Thread(() -> write(legacy, writing, transactions), "workload");
        if (withWorkload) {
            workload.start();
        }
        Path log = Path.of("target", migration + "-killed.log");
        try {
            // throttled so that the kill surely lands inside the backfill
            try (PipelineProcess killed = PipelineProcess.start(migration, legacy, app,
                    BackfillSettings.DEFAULTS.withChunkRows(CHUNK_ROWS).withRowsPerSecond(6_000), log)) {
                awaitTrue(Duration.ofSeconds(120), "6 chunks copied by the first process (log: " + log + ")", () -> {
                    assertTrue(killed.isAlive(), "the first process died on its own; see " + log);
                    return copied(app) >= 6;
                });
                killed.kill();
            }
            long copiedBeforeKill = copied(app);
            long planned = queryLong(app, "SELECT count(*) FROM tandem.backfill_chunk WHERE migration = '" + migration + "'");
            assertTrue(planned >= 15, "planned " + planned + " chunks");
            assertTrue(copiedBeforeKill < planned, "the kill came after the backfill finished");
            assertEquals("f", queryString(app, "SELECT backfill_done FROM tandem.migration WHERE migration = '" + migration + "'"));
            String generation = queryString(app, "SELECT generation FROM tandem.migration WHERE migration = '" + migration + "'");
            String doneBefore = doneChunks(app);
            String firstSnapshot = queryString(app, "SELECT min(snapshot_lsn) FROM tandem.backfill_chunk "
                    + "WHERE migration = '" + migration + "'");
            Thread.sleep(1_000); // changes pile up between the kill and the restart

            try (Pipeline pipeline = new Pipeline(PipelineProcess.config(migration, legacy, app,
                    TestDatabases.stack().kafka().bootstrapServers(), BackfillSettings.DEFAULTS.withChunkRows(CHUNK_ROWS)))) {
                pipeline.start();
                assertEquals(generation, queryString(app, "SELECT generation FROM tandem.migration WHERE migration = '" + migration + "'"),
                        "the resume started a new backfill generation");
                assertEquals(planned, copied(app), "every chunk copied after the resume");
                assertEquals(doneBefore, queryString(app, "SELECT string_agg(chunk || '@' || copied_at, ',' ORDER BY chunk) "
                        + "FROM tandem.backfill_chunk WHERE migration = '" + migration + "' AND snapshot_lsn = '" + firstSnapshot + "'"),
                        "chunks copied before the kill were copied again");
                assertEquals(planned - copiedBeforeKill, queryLong(app, "SELECT count(*) FROM tandem.backfill_chunk "
                        + "WHERE migration = '" + migration + "' AND snapshot_lsn <> '" + firstSnapshot + "'"));
                assertEquals(planned, pipeline.backfillProgress().overall().chunksDone(), "progress counts every chunk");
                assertTrue(pipeline.rowsBackfilled() < ROWS, "the resumed run copied " + pipeline.rowsBackfilled()
                        + " rows: more than the chunks left");
                Thread.sleep(1_000);
                writing.set(false);
                if (withWorkload) {
                    workload.join();
                }
                String expected = digest(legacy, "legacy.account", "id, version, balance", "id");
                awaitTrue(Duration.ofSeconds(90), "app.account to equal legacy.account",
                        () -> expected.equals(digest(app, "app.account", "account_id, version, balance", "account_id")));
                assertNull(pipeline.failure());
            }
            assertTrue(Files.readString(log).contains("starting backfill"), "the first process did not start the backfill");
        } finally {
            writing.set(false);
            if (withWorkload) {
                workload.join();
            }
        }
        if (withWorkload) {
            assertTrue(transactions.get() > 100, "workload ran " + transactions.get() + " transactions");
            assertNotEquals(0, queryLong(app, "SELECT count(*) FROM app.history WHERE version > 1"),
                    "the stream applied no update");
        }
        HistoryChecks.assertNoDuplicateOrRegression(app, "app");
    }

    private static long copied(PgDatabase app) {
        try {
            return queryLong(app, COPIED);
        } catch (Exception e) {
            return 0; // the control schema is not there yet
        }
    }

    private static String doneChunks(PgDatabase app) throws Exception {
        String done = queryString(app, "SELECT string_agg(chunk || '@' || copied_at, ',' ORDER BY chunk) "
                + "FROM tandem.backfill_chunk WHERE copied_at IS NOT NULL");
        return done == null ? "" : done;
    }

    private static void write(PgDatabase legacy, AtomicBoolean writing, AtomicLong transactions) {
        try (Connection c = legacy.connect("workload");
             PreparedStatement update = c.prepareStatement(
                     "UPDATE legacy.account SET version = version + 1, balance = balance + ? WHERE id = ?");
             PreparedStatement insert = c.prepareStatement("INSERT INTO legacy.account VALUES (?, 1, 0)")) {
            c.setAutoCommit(false);
            ThreadLocalRandom random = ThreadLocalRandom.current();
            int next = ROWS + 1;
            while (writing.get()) {
                for (int i = 0; i < 1 + random.nextInt(5); i++) {
                    update.setBigDecimal(1, java.math.BigDecimal.valueOf(random.nextInt(-500, 500), 2));
                    update.setInt(2, 1 + random.nextInt(next - 1));
                    update.executeUpdate();
                }
                insert.setInt(1, next++);
                insert.executeUpdate();
                c.commit();
                transactions.incrementAndGet();
                Thread.sleep(2);
            }
        } catch (Exception e) {
            throw new IllegalStateException("workload failed", e);
        }
    }
}
