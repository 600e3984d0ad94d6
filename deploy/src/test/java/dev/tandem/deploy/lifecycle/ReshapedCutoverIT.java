package dev.tandem.deploy.lifecycle;

import dev.tandem.deploy.lifecycle.switchover.Gates;
import dev.tandem.deploy.lifecycle.switchover.SwitchReport;
import dev.tandem.deploy.lifecycle.switchover.Switchover;
import static dev.tandem.deploy.lifecycle.CutoverFixture.query;
import static dev.tandem.deploy.lifecycle.CutoverIT.awaitTrue;
import static dev.tandem.deploy.lifecycle.CutoverIT.exec;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.tandem.capture.CaptureConfig;
import dev.tandem.capture.PgDatabase;
import dev.tandem.capture.replication.ReplicationSetup;
import dev.tandem.embedded.EmbeddedStack;
import dev.tandem.embedded.SharedTestStack;
import dev.tandem.sync.mapping.MappingCompiler;
import dev.tandem.sync.mapping.MappingParser;
import dev.tandem.sync.mapping.MappingSpec;
import dev.tandem.sync.mapping.ReverseMapping;
import dev.tandem.sync.pipeline.Pipeline;
import dev.tandem.sync.pipeline.PipelineConfig;
import java.io.StringReader;
import java.sql.Connection;
import java.time.Instant;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/**
 * Mappings that change the table structure can be cut over and rolled back. A legacy table split into two new
 * tables comes back as a merge of them (join state seeded at the return slot's snapshot); a new table merged from
 * two legacy tables comes back as a split into both (the joined one with a filter saying which new rows have a row
 * there). Writes on the new side to either part, both, or a delete reach the legacy rows, and after the rollback
 * legacy's writes flow forward again.
 */
class ReshapedCutoverIT {

    private static final String SPLIT = """
            tables:
              - target: app.customer
                from: legacy.customer c
                key: { id: c.id }
                columns: { name: c.name }
                reverse:
                  columns: { id: n.id, name: n.name }
              - target: app.customer_contact
                from: legacy.customer c
                key: { customer_id: c.id }
                columns: { email: lower(c.email), phone: c.phone }
                reverse:
                  columns: { id: n.customer_id, email: n.email, phone: n.phone }
            """;
    /** The legacy table as the new side would write it back: the two new tables joined by key. */
    private static final String SPLIT_AS_LEGACY = "SELECT md5(string_agg(c.id || '|' || c.name || '|' || coalesce(t.email, '-') "
            + "|| '|' || coalesce(t.phone, '-'), ',' ORDER BY c.id)) FROM app.customer c "
            + "LEFT JOIN app.customer_contact t ON t.customer_id = c.id";
    private static final String SPLIT_LEGACY = "SELECT md5(string_agg(id || '|' || name || '|' || coalesce(email, '-') || '|' "
            + "|| coalesce(phone, '-'), ',' ORDER BY id)) FROM legacy.customer";

    private static final String MERGE = """
            tables:
              - target: app.member
                from: legacy.member m
                join:
                  - from: legacy.loyalty y
                    on: { member_id: m.id }
                key: { id: m.id }
                columns: { name: m.name, points: y.points, tier: y.tier }
                reverse:
                  columns: { id: n.id, name: n.name }
                  joins:
                    - target: legacy.loyalty
                      columns: { member_id: n.id, points: n.points, tier: n.tier }
                      %s
            """;
    private static final String MERGE_AS_LEGACY = "SELECT md5(string_agg(id || '|' || name || '|' || coalesce(points::text, '-') "
            + "|| '|' || coalesce(tier, '-'), ',' ORDER BY id)) FROM app.member";
    private static final String MERGE_LEGACY = "SELECT md5(string_agg(m.id || '|' || m.name || '|' || coalesce(y.points::text, '-') "
            + "|| '|' || coalesce(y.tier, '-'), ',' ORDER BY m.id)) FROM legacy.member m LEFT JOIN legacy.loyalty y "
            + "ON y.member_id = m.id";

    @Test
    void writesToEitherPartOfASplitFlowBackAfterACutover() throws Exception {
        Sync sync = new Sync("split_co", SPLIT, new String[] {"CREATE SCHEMA legacy", "CREATE TABLE legacy.customer (id bigint "
                + "PRIMARY KEY, name text NOT NULL, email text, phone text)", "INSERT INTO legacy.customer SELECT g, 'name ' || g, "
                + "'c' || g || '@x.test', CASE WHEN g % 3 = 0 THEN NULL ELSE '+41 ' || g END FROM generate_series(1, 300) g"},
                new String[] {"CREATE SCHEMA app", "CREATE TABLE app.customer (id bigint PRIMARY KEY, name text NOT NULL)",
                        "CREATE TABLE app.customer_contact (customer_id bigint PRIMARY KEY, email text, phone text)"});
        sync.run(SPLIT_LEGACY, SPLIT_AS_LEGACY, () -> {
            assertEquals("1", query(sync.legacy, "SELECT count(*) FROM pg_tables WHERE schemaname = 'tandem_state' "
                    + "AND tablename = 'split_co_reverse/app.customer_contact'"), "the reverse join state is seeded");
            exec(sync.newDb, "UPDATE app.customer SET name = 'renamed' WHERE id = 1",
                    "UPDATE app.customer_contact SET email = 'new@x.test' WHERE customer_id = 2",
                    "BEGIN", "INSERT INTO app.customer VALUES (1001, 'born on the new side')",
                    "INSERT INTO app.customer_contact VALUES (1001, 'b@x.test', '+1')", "COMMIT",
                    "INSERT INTO app.customer VALUES (1002, 'no contact yet')",
                    "DELETE FROM app.customer_contact WHERE customer_id = 3",
                    "DELETE FROM app.customer_contact WHERE customer_id = 4", "DELETE FROM app.customer WHERE id = 4");
            awaitTrue(() -> query(sync.legacy, SPLIT_LEGACY).equals(query(sync.newDb, SPLIT_AS_LEGACY)),
                    "the new side's writes to reach legacy");
            assertEquals("renamed|new@x.test|born on the new side|-", query(sync.legacy, "SELECT (SELECT name FROM legacy.customer "
                    + "WHERE id = 1) || '|' || (SELECT email FROM legacy.customer WHERE id = 2) || '|' || (SELECT name FROM "
                    + "legacy.customer WHERE id = 1001) || '|' || coalesce((SELECT email FROM legacy.customer WHERE id = 3), '-')"));
            assertEquals("0", query(sync.legacy, "SELECT count(*) FROM legacy.customer WHERE id = 4"));
        }, "UPDATE legacy.customer SET phone = '+99' WHERE id = 1002");
    }

    @Test
    void writesToAMergedTableFlowBackIntoBothLegacyTables() throws Exception {
        String[] legacyDdl = {"CREATE SCHEMA legacy", "CREATE TABLE legacy.member (id bigint PRIMARY KEY, name text NOT NULL)",
                "CREATE TABLE legacy.loyalty (member_id bigint PRIMARY KEY, points int NOT NULL, tier text)",
                "INSERT INTO legacy.member SELECT g, 'member ' || g FROM generate_series(1, 300) g",
                "INSERT INTO legacy.loyalty SELECT g, g * 10, CASE WHEN g % 4 = 0 THEN 'gold' END FROM generate_series(1, 300, 2) g"};
        String[] newDdl = {"CREATE SCHEMA app", "CREATE TABLE app.member (id bigint PRIMARY KEY, name text NOT NULL, points int, "
                + "tier text)"};

        // Without a filter every member would get a loyalty row back: the round-trip gate refuses, naming the fix.
        Sync unfiltered = new Sync("merge_nf", MERGE.formatted(""), legacyDdl, newDdl);
        SwitchReport refused = unfiltered.refusedCutover();
        assertFalse(refused.switched(), refused.message());
        assertTrue(refused.message().contains("legacy.loyalty would get") && refused.message().contains("'filter:'"),
                refused.message());

        Sync sync = new Sync("merge_co", MERGE.formatted("filter: n.points IS NOT NULL"), legacyDdl, newDdl);
        sync.run(MERGE_LEGACY, MERGE_AS_LEGACY, () -> {
            exec(sync.newDb, "UPDATE app.member SET points = 7, tier = 'silver' WHERE id = 1",
                    "UPDATE app.member SET points = 5 WHERE id = 2",
                    "UPDATE app.member SET points = NULL, tier = NULL WHERE id = 3",
                    "UPDATE app.member SET name = 'renamed' WHERE id = 5",
                    "INSERT INTO app.member VALUES (1001, 'new with points', 1, 'gold')",
                    "INSERT INTO app.member VALUES (1002, 'new without', NULL, NULL)",
                    "DELETE FROM app.member WHERE id = 7");
            awaitTrue(() -> query(sync.legacy, MERGE_LEGACY).equals(query(sync.newDb, MERGE_AS_LEGACY)),
                    "the new side's writes to reach both legacy tables");
            assertEquals("7|5|0|1|0", query(sync.legacy, "SELECT (SELECT points FROM legacy.loyalty WHERE member_id = 1) || '|' || "
                    + "(SELECT points FROM legacy.loyalty WHERE member_id = 2) || '|' || (SELECT count(*) FROM legacy.loyalty "
                    + "WHERE member_id = 3) || '|' || (SELECT count(*) FROM legacy.loyalty WHERE member_id = 1001) || '|' || "
                    + "(SELECT count(*) FROM legacy.member WHERE id = 7)"),
                    "a loyalty row is updated, created for a member that had none, and deleted when the new row has no points");
        }, "INSERT INTO legacy.loyalty VALUES (1002, 3, NULL)");
    }

    @FunctionalInterface
    private interface Step {
        void run() throws Exception;
    }

    /** Two databases with a mapping, the sync following the phase, and the cutover and rollback around a step. */
    private static final class Sync {

        final String migration;
        final PgDatabase legacy;
        final PgDatabase newDb;
        final MappingSpec mapping;
        final EmbeddedStack stack = SharedTestStack.get();

        Sync(String migration, String mappingText, String[] legacyDdl, String[] newDdl) throws Exception {
            this.migration = migration;
            stack.postgres().createDatabase(migration + "_legacy");
            stack.postgres().createDatabase(migration + "_new");
            legacy = new PgDatabase("127.0.0.1", stack.postgres().port(), migration + "_legacy", "postgres", "");
            newDb = new PgDatabase("127.0.0.1", stack.postgres().port(), migration + "_new", "postgres", "");
            exec(legacy, legacyDdl);
            exec(newDb, newDdl);
            mapping = MappingParser.parse(migration + ".yaml", new StringReader(mappingText));
        }

        /** Syncs, cuts over, runs {@code onNewSide}, rolls back, writes {@code legacyWrite} and awaits it on the new side. */
        void run(String legacyDigest, String newDigest, Step onNewSide, String legacyWrite) throws Exception {
            following(() -> {
                awaitTrue(() -> query(legacy, legacyDigest).equals(query(newDb, newDigest)), "the forward sync to copy");
                SwitchReport cutover = switchover().cutover(false);
                assertTrue(cutover.switched(), cutover.message() + " " + cutover.gates());
                assertTrue(cutover.gates().toString().contains("come back unchanged"), cutover.gates().toString());
                onNewSide.run();
                SwitchReport rollback = switchover().rollback(false);
                assertTrue(rollback.switched(), rollback.message());
                exec(legacy, legacyWrite);
                awaitTrue(() -> query(legacy, legacyDigest).equals(query(newDb, newDigest)), "legacy's writes to flow forward again");
            });
        }

        /** A cutover once the forward sync copied everything, expected to be refused. */
        SwitchReport refusedCutover() throws Exception {
            SwitchReport[] report = new SwitchReport[1];
            following(() -> {
                Thread.sleep(500);
                report[0] = switchover().cutover(false);
            });
            return report[0];
        }

        private void following(Step step) throws Exception {
            String kafka = stack.kafka().bootstrapServers();
            PhaseStore store = new PhaseStore(migration, newDb);
            ScheduledExecutorService following = Executors.newSingleThreadScheduledExecutor();
            try (SyncSupervisor follower = new SyncSupervisor(store,
                    () -> new Pipeline(new PipelineConfig(migration, legacy, newDb, mapping, kafka)),
                    () -> new Pipeline(new PipelineConfig(Sides.reverseName(migration), newDb, legacy, ReverseMapping.of(mapping),
                            kafka)))) {
                follower.follow();
                following.scheduleWithFixedDelay(() -> {
                    try {
                        follower.follow();
                    } catch (Exception e) {
                        throw new IllegalStateException(e);
                    }
                }, 0, 100, TimeUnit.MILLISECONDS);
                step.run();
            } finally {
                following.shutdownNow();
                following.awaitTermination(10, TimeUnit.SECONDS);
                Sides sides = sides();
                for (CaptureConfig capture : List.of(sides.forwardCapture(), sides.reverseCapture())) {
                    new ReplicationSetup(capture).drop(); // the shared server has few slots: leave none behind
                }
            }
        }

        private Sides sides() throws Exception {
            try (Connection l = legacy.connect("test"); Connection n = newDb.connect("test")) {
                return new Sides(migration, legacy, newDb, stack.kafka().bootstrapServers(), MappingCompiler.compile(mapping, l, n),
                        MappingCompiler.compile(ReverseMapping.of(mapping), n, l));
            }
        }

        private Switchover switchover() throws Exception {
            Sides sides = sides();
            return new Switchover(sides, CutoverIT.LOOSE, (table, keys) -> List.of(),
                    new Gates(sides, CutoverIT.LOOSE, () -> Optional.of(Instant.now())), "test");
        }
    }
}
