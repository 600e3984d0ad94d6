package dev.tandem.reconcile;

import static dev.tandem.reconcile.ReconcileFixture.exec;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.tandem.capture.PgDatabase;
import dev.tandem.embedded.SharedTestStack;
import dev.tandem.sync.fence.SourceFence;
import dev.tandem.sync.mapping.MappingParser;
import dev.tandem.sync.pipeline.Pipeline;
import dev.tandem.sync.pipeline.PipelineConfig;
import java.io.StringReader;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.time.Duration;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.Test;

/**
 * With a running pipeline and a concurrent write workload, passes report zero differences (the fence rechecks absorb
 * the lag), while a rogue write into the target during the same workload is reported with exactly its key.
 */
class LiveWorkloadIT {

    static final String MAPPING = """
            tables:
              - target: app.acct
                from: legacy.account a
                key: { acct_id: a.id }
                columns: { owner: upper(a.owner), balance_cents: "(a.balance * 100)::bigint" }
                filter: NOT a.closed
            """;

    @Test
    void noFalseAlarmsUnderLiveWritesAndRealDriftIsFound() throws Exception {
        PgDatabase legacy = ReconcileFixture.fresh("rc_live_legacy");
        PgDatabase target = ReconcileFixture.fresh("rc_live_new");
        exec(legacy, "CREATE SCHEMA legacy",
                "CREATE TABLE legacy.account (id bigint PRIMARY KEY, owner text, balance numeric(12,2), closed boolean NOT NULL DEFAULT false)",
                "INSERT INTO legacy.account SELECT g, 'owner ' || g, g / 7.0, g % 13 = 0 FROM generate_series(1, 20000) g");
        exec(target, "CREATE SCHEMA app", "CREATE TABLE app.acct (acct_id bigint PRIMARY KEY, owner text, balance_cents bigint)");
        PipelineConfig config = new PipelineConfig("live", legacy, target, MappingParser.parse("live.yaml", new StringReader(MAPPING)),
                SharedTestStack.get().kafka().bootstrapServers());
        AtomicBoolean stop = new AtomicBoolean();
        AtomicLong writes = new AtomicLong();
        AtomicReference<Throwable> workloadFailure = new AtomicReference<>();
        try (Pipeline pipeline = new Pipeline(config)) {
            pipeline.start();
            Thread workload = new Thread(() -> writeUntilStopped(legacy, stop, writes, workloadFailure), "live-workload");
            workload.start();
            try {
                ReconcileSettings settings = new ReconcileSettings(Duration.ofMillis(300), 2_000, 5_000, 2, 3, Duration.ofSeconds(30),
                        200, 50, 1000, Duration.ZERO);
                Reconciler reconciler = new Reconciler("live", legacy, target, pipeline.tables(), settings,
                        new SourceFence("live", legacy, target));
                for (int pass = 0; pass < 2; pass++) {
                    PassReport report = reconciler.verifyPass();
                    assertTrue(report.consistent(), "no difference may be reported under live writes: " + report);
                    assertTrue(report.rowsCompared() > 15_000);
                }
                exec(target, "UPDATE app.acct SET owner = 'ROGUE' WHERE acct_id = 42");
                PassReport rogue = reconciler.verifyPass();
                assertEquals(Set.of("DIFFERENT [42] [owner]"), ReconcileFixture.described(rogue.tables().get(0).drift()),
                        "only the rogue write is drift: " + rogue);
            } finally {
                stop.set(true);
                workload.join();
            }
            assertTrue(writes.get() > 100, "the workload wrote while the passes ran: " + writes.get());
            assertEquals(null, workloadFailure.get());
            assertEquals(null, pipeline.failure());
        }
    }

    /** Updates, inserts and deletes at about 200 transactions per second on keys above 1000. */
    private static void writeUntilStopped(PgDatabase legacy, AtomicBoolean stop, AtomicLong writes, AtomicReference<Throwable> failure) {
        long nextId = 20_001;
        try (Connection c = legacy.connect("live-workload");
             PreparedStatement update = c.prepareStatement("UPDATE legacy.account SET owner = md5(random()::text), balance = balance + 1.5, "
                     + "closed = random() < 0.1 WHERE id = ?");
             PreparedStatement insert = c.prepareStatement("INSERT INTO legacy.account VALUES (?, 'new', 3.25, false)");
             PreparedStatement delete = c.prepareStatement("DELETE FROM legacy.account WHERE id = ?")) {
            while (!stop.get()) {
                ThreadLocalRandom random = ThreadLocalRandom.current();
                long id = 1001 + random.nextLong(19_000);
                int op = random.nextInt(10);
                if (op < 7) {
                    update.setLong(1, id);
                    update.executeUpdate();
                } else if (op < 9) {
                    insert.setLong(1, nextId++);
                    insert.executeUpdate();
                } else {
                    delete.setLong(1, id);
                    delete.executeUpdate();
                }
                writes.incrementAndGet();
                Thread.sleep(5);
            }
        } catch (Exception e) {
            failure.set(e);
        }
    }
}
