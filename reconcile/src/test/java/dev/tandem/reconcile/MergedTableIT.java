package dev.tandem.reconcile;

import static dev.tandem.reconcile.ReconcileFixture.exec;
import static dev.tandem.reconcile.ReconcileFixture.queryLong;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.tandem.capture.PgDatabase;
import dev.tandem.embedded.SharedTestStack;
import dev.tandem.reconcile.repair.RepairReport;
import dev.tandem.reconcile.repair.Repairer;
import dev.tandem.sync.fence.SourceFence;
import dev.tandem.sync.mapping.MappingParser;
import dev.tandem.sync.pipeline.Pipeline;
import dev.tandem.sync.pipeline.PipelineConfig;
import java.io.StringReader;
import java.math.BigDecimal;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.time.Duration;
import java.util.Random;
import java.util.Set;
import org.junit.jupiter.api.Test;

/**
 * A table merged from three legacy tables: under random inserts, updates and deletes spread over all three (each
 * transaction touching one or several of them), the rows sync writes equal what the reconciler computes by joining
 * the legacy tables on the legacy side; a rogue write to the merged table is found with its key and repaired, and DDL on
 * a joined table pauses the merged table with the change named.
 */
class MergedTableIT {

    private static final String MAPPING = """
            tables:
              - target: app.customer
                from: legacy.account a
                join:
                  - from: legacy.profile p
                    on: { acct_id: a.id }
                  - from: legacy.balance b
                    on: { acct_id: a.id }
                key: { id: a.id }
                columns:
                  name: a.owner
                  email: lower(p.email)
                  tier: coalesce(p.tier, 'basic')
                  balance_cents: (coalesce(b.amount, 0) * 100)::bigint
                filter: NOT a.closed
            """;

    @Test
    void syncedMergeEqualsTheLegacyJoinAndRepairsDrift() throws Exception {
        PgDatabase legacy = ReconcileFixture.fresh("rc_merge_legacy");
        PgDatabase target = ReconcileFixture.fresh("rc_merge_new");
        exec(legacy, "CREATE SCHEMA legacy",
                "CREATE TABLE legacy.account (id int PRIMARY KEY, owner text NOT NULL, closed boolean NOT NULL DEFAULT false)",
                "CREATE TABLE legacy.profile (acct_id int PRIMARY KEY, tier text, email text)",
                "CREATE TABLE legacy.balance (acct_id int PRIMARY KEY, amount numeric(12,2) NOT NULL)",
                "INSERT INTO legacy.account SELECT g, 'owner ' || g, g % 17 = 0 FROM generate_series(1, 400) g",
                "INSERT INTO legacy.profile SELECT g, CASE WHEN g % 3 = 0 THEN 'gold' END, 'User' || g || '@X.test' "
                        + "FROM generate_series(1, 450, 2) g",
                "INSERT INTO legacy.balance SELECT g, g / 4.0 FROM generate_series(1, 400, 3) g");
        exec(target, "CREATE SCHEMA app", "CREATE TABLE app.customer (id int PRIMARY KEY, name text NOT NULL, email text, "
                + "tier text NOT NULL, balance_cents bigint NOT NULL)");
        PipelineConfig config = new PipelineConfig("merge", legacy, target, MappingParser.parse("merge.yaml", new StringReader(MAPPING)),
                SharedTestStack.get().kafka().bootstrapServers());
        try (Pipeline pipeline = new Pipeline(config)) {
            pipeline.start();
            long backfilled = queryLong(target, "SELECT count(*) FROM app.customer");
            assertEquals(400 - 400 / 17, backfilled, "every open account is merged by the backfill");
            randomWrites(legacy, 20261124L, 1_500);

            ReconcileSettings settings = new ReconcileSettings(Duration.ofMillis(300), 2_000, 5_000, 2, 3, Duration.ofSeconds(30),
                    200, 50, 1000, Duration.ZERO);
            Reconciler reconciler = new Reconciler("merge", legacy, target, pipeline.tables(), settings,
                    new SourceFence("merge", legacy, target));
            // Under writes to all three tables, a pass reports no drift: a merged row's version covers its joined rows.
            Thread writer = new Thread(() -> {
                try {
                    randomWrites(legacy, 7L, 1_000);
                } catch (Exception e) {
                    throw new IllegalStateException(e);
                }
            }, "merge-live-writes");
            writer.start();
            PassReport live = reconciler.verifyPass();
            writer.join();
            assertTrue(live.consistent(), "no drift reported while all three legacy tables change: " + live);
            PassReport clean = reconciler.verifyPass();
            assertTrue(clean.consistent(), "the merged rows equal the legacy join: " + clean);
            long merged = queryLong(target, "SELECT count(*) FROM app.customer");
            assertTrue(merged > 100 && clean.rowsCompared() >= merged, "rows compared: " + clean.rowsCompared() + " of " + merged);

            exec(target, "UPDATE app.customer SET tier = 'rogue' WHERE id = (SELECT min(id) FROM app.customer)");
            long rogueId = queryLong(target, "SELECT id FROM app.customer WHERE tier = 'rogue'");
            PassReport rogue = reconciler.verifyPass();
            assertEquals(Set.of("DIFFERENT [" + rogueId + "] [tier]"), ReconcileFixture.described(rogue.tables().get(0).drift()));

            Repairer repairer = new Repairer(reconciler, legacy, target, new SourceFence("merge", legacy, target),
                    Duration.ofSeconds(30));
            RepairReport repaired = repairer.repair(pipeline.tables().get(0), rogue.tables().get(0).drift(), false);
            assertTrue(repaired.remaining().isEmpty(), "repair recomputed the row from the legacy tables: " + repaired);
            assertTrue(reconciler.verifyPass().consistent());

            // DDL on a joined legacy table stops the line loudly: the merged table pauses naming the change, nothing is lost.
            exec(legacy, "ALTER TABLE legacy.profile ADD COLUMN nickname text",
                    "INSERT INTO legacy.profile VALUES (1000, 'gold', 'x@X.test', 'nick') ON CONFLICT (acct_id) DO NOTHING");
            long deadline = System.nanoTime() + Duration.ofSeconds(60).toNanos();
            while (queryLong(target, "SELECT count(*) FROM tandem.table_state WHERE target_table = 'app.customer'") == 0) {
                assertTrue(System.nanoTime() < deadline, "app.customer did not pause on the changed legacy.profile");
                Thread.sleep(100);
            }
            assertEquals(1, queryLong(target, "SELECT count(*) FROM tandem.table_state WHERE target_table = 'app.customer' "
                    + "AND reason LIKE '%legacy.profile changed shape%columns added [nickname]%--rebackfill%'"));
            assertTrue(queryLong(target, "SELECT count(*) FROM tandem.parked_change WHERE target_table = 'app.customer'") >= 1,
                    "the change is parked, not dropped");
            assertNull(pipeline.failure());
        }
    }

    /** Random single- and multi-table transactions over keys 1..500 (rows appear and disappear in any table). */
    private static void randomWrites(PgDatabase legacy, long seed, int transactions) throws Exception {
        Random random = new Random(seed);
        try (Connection c = legacy.connect("merge-workload");
             PreparedStatement account = c.prepareStatement("INSERT INTO legacy.account VALUES (?, ?, ?) "
                     + "ON CONFLICT (id) DO UPDATE SET owner = EXCLUDED.owner, closed = EXCLUDED.closed");
             PreparedStatement profile = c.prepareStatement("INSERT INTO legacy.profile VALUES (?, ?, ?) "
                     + "ON CONFLICT (acct_id) DO UPDATE SET tier = EXCLUDED.tier, email = EXCLUDED.email");
             PreparedStatement balance = c.prepareStatement("INSERT INTO legacy.balance VALUES (?, ?) "
                     + "ON CONFLICT (acct_id) DO UPDATE SET amount = EXCLUDED.amount");
             PreparedStatement dropAccount = c.prepareStatement("DELETE FROM legacy.account WHERE id = ?");
             PreparedStatement dropProfile = c.prepareStatement("DELETE FROM legacy.profile WHERE acct_id = ?");
             PreparedStatement dropBalance = c.prepareStatement("DELETE FROM legacy.balance WHERE acct_id = ?")) {
            c.setAutoCommit(false);
            for (int tx = 0; tx < transactions; tx++) {
                int statements = 1 + random.nextInt(3);
                for (int s = 0; s < statements; s++) {
                    int id = 1 + random.nextInt(500);
                    PreparedStatement ps;
                    switch (random.nextInt(6)) {
                        case 0 -> {
                            ps = account;
                            ps.setInt(1, id);
                            ps.setString(2, "owner " + random.nextInt(1000));
                            ps.setBoolean(3, random.nextInt(10) == 0);
                        }
                        case 1 -> {
                            ps = profile;
                            ps.setInt(1, id);
                            ps.setString(2, random.nextBoolean() ? null : "tier" + random.nextInt(4));
                            ps.setString(3, random.nextInt(5) == 0 ? null : "Mail" + random.nextInt(99) + "@X.test");
                        }
                        case 2 -> {
                            ps = balance;
                            ps.setInt(1, id);
                            ps.setBigDecimal(2, BigDecimal.valueOf(random.nextInt(100_000), 2));
                        }
                        case 3 -> ps = dropAccount;
                        case 4 -> ps = dropProfile;
                        default -> ps = dropBalance;
                    }
                    if (ps == dropAccount || ps == dropProfile || ps == dropBalance) {
                        ps.setInt(1, id);
                    }
                    ps.executeUpdate();
                }
                c.commit();
            }
        }
    }
}
