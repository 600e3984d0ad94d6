package dev.tandem.deploy.cutover;

import static dev.tandem.deploy.cutover.CutoverFixture.query;
import static dev.tandem.deploy.cutover.CutoverIT.awaitTrue;
import static dev.tandem.deploy.cutover.CutoverIT.exec;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.tandem.capture.CaptureConfig;
import dev.tandem.capture.PgDatabase;
import dev.tandem.capture.replication.ReplicationSetup;
import dev.tandem.embedded.EmbeddedStack;
import dev.tandem.embedded.SharedTestStack;
import dev.tandem.sync.mapping.CompiledTable;
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
 * A legacy table split into two new tables can be cut over and rolled back: the reverse sync merges the two new
 * tables back into the legacy table by key, from join state seeded at the return slot's snapshot, so writes made on
 * the new side to either table (or both, or a delete) reach the legacy row.
 */
class SplitCutoverIT {

    private static final String MAPPING = """
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
    private static final String NEW_AS_LEGACY = "SELECT md5(string_agg(c.id || '|' || c.name || '|' || coalesce(t.email, '-') "
            + "|| '|' || coalesce(t.phone, '-'), ',' ORDER BY c.id)) FROM app.customer c "
            + "LEFT JOIN app.customer_contact t ON t.customer_id = c.id";
    private static final String LEGACY = "SELECT md5(string_agg(id || '|' || name || '|' || coalesce(email, '-') || '|' "
            + "|| coalesce(phone, '-'), ',' ORDER BY id)) FROM legacy.customer";

    @Test
    void writesToEitherPartOfASplitFlowBackAfterACutover() throws Exception {
        EmbeddedStack stack = SharedTestStack.get();
        String migration = "split_co";
        stack.postgres().createDatabase(migration + "_legacy");
        stack.postgres().createDatabase(migration + "_new");
        PgDatabase legacy = new PgDatabase("127.0.0.1", stack.postgres().port(), migration + "_legacy", "postgres", "");
        PgDatabase fresh = new PgDatabase("127.0.0.1", stack.postgres().port(), migration + "_new", "postgres", "");
        exec(legacy, "CREATE SCHEMA legacy", "CREATE TABLE legacy.customer (id bigint PRIMARY KEY, name text NOT NULL, "
                + "email text, phone text)", "INSERT INTO legacy.customer SELECT g, 'name ' || g, 'c' || g || '@x.test', "
                + "CASE WHEN g % 3 = 0 THEN NULL ELSE '+41 ' || g END FROM generate_series(1, 300) g");
        exec(fresh, "CREATE SCHEMA app", "CREATE TABLE app.customer (id bigint PRIMARY KEY, name text NOT NULL)",
                "CREATE TABLE app.customer_contact (customer_id bigint PRIMARY KEY, email text, phone text)");
        MappingSpec mapping = MappingParser.parse("split.yaml", new StringReader(MAPPING));
        String kafka = stack.kafka().bootstrapServers();
        CutoverStore store = new CutoverStore(migration, fresh);
        ScheduledExecutorService following = Executors.newSingleThreadScheduledExecutor();
        try (DirectionFollower follower = new DirectionFollower(store,
                () -> new Pipeline(new PipelineConfig(migration, legacy, fresh, mapping, kafka)),
                () -> new Pipeline(new PipelineConfig(Sides.reverseName(migration), fresh, legacy, ReverseMapping.of(mapping),
                        kafka)))) {
            follower.follow();
            following.scheduleWithFixedDelay(() -> {
                try {
                    follower.follow();
                } catch (Exception e) {
                    throw new IllegalStateException(e);
                }
            }, 0, 100, TimeUnit.MILLISECONDS);
            awaitTrue(() -> query(legacy, LEGACY).equals(query(fresh, NEW_AS_LEGACY)), "the forward sync to copy the split");

            SwitchReport cutover = switchover(migration, legacy, fresh, mapping, kafka).cutover(false);
            assertTrue(cutover.switched(), cutover.message() + " " + cutover.gates());
            assertTrue(cutover.gates().toString().contains("come back unchanged"), cutover.gates().toString());
            assertEquals(1, Long.parseLong(query(legacy, "SELECT count(*) FROM pg_tables WHERE schemaname = 'tandem_state' "
                    + "AND tablename = 'split_co_reverse/app.customer_contact'")), "the reverse join state is seeded");

            exec(fresh, "UPDATE app.customer SET name = 'renamed' WHERE id = 1",
                    "UPDATE app.customer_contact SET email = 'new@x.test' WHERE customer_id = 2",
                    "BEGIN", "INSERT INTO app.customer VALUES (1001, 'born on the new side')",
                    "INSERT INTO app.customer_contact VALUES (1001, 'b@x.test', '+1')", "COMMIT",
                    "INSERT INTO app.customer VALUES (1002, 'no contact yet')",
                    "DELETE FROM app.customer_contact WHERE customer_id = 3",
                    "DELETE FROM app.customer_contact WHERE customer_id = 4", "DELETE FROM app.customer WHERE id = 4");
            awaitTrue(() -> query(legacy, LEGACY).equals(query(fresh, NEW_AS_LEGACY)), "the new side's writes to reach legacy");
            assertEquals("renamed|new@x.test|born on the new side|-", query(legacy, "SELECT (SELECT name FROM legacy.customer "
                    + "WHERE id = 1) || '|' || (SELECT email FROM legacy.customer WHERE id = 2) || '|' || (SELECT name FROM "
                    + "legacy.customer WHERE id = 1001) || '|' || coalesce((SELECT email FROM legacy.customer WHERE id = 3), '-')"));
            assertEquals("0", query(legacy, "SELECT count(*) FROM legacy.customer WHERE id = 4"));

            SwitchReport rollback = switchover(migration, legacy, fresh, mapping, kafka).rollback(false);
            assertTrue(rollback.switched(), rollback.message());
            exec(legacy, "UPDATE legacy.customer SET phone = '+99' WHERE id = 1002");
            awaitTrue(() -> query(legacy, LEGACY).equals(query(fresh, NEW_AS_LEGACY)), "legacy's writes to reach the new side again");
        } finally {
            following.shutdownNow();
            following.awaitTermination(10, TimeUnit.SECONDS);
            for (CaptureConfig capture : List.of(new CaptureConfig(migration, legacy, List.of("legacy.customer"), kafka),
                    new CaptureConfig(Sides.reverseName(migration), fresh, List.of("app.customer", "app.customer_contact"), kafka))) {
                new ReplicationSetup(capture).drop();
            }
        }
    }

    private static Switchover switchover(String migration, PgDatabase legacy, PgDatabase fresh, MappingSpec mapping, String kafka)
            throws Exception {
        List<CompiledTable> forward;
        List<CompiledTable> reverse;
        try (Connection l = legacy.connect("test"); Connection n = fresh.connect("test")) {
            forward = MappingCompiler.compile(mapping, l, n);
            reverse = MappingCompiler.compile(ReverseMapping.of(mapping), n, l);
        }
        Sides sides = new Sides(migration, legacy, fresh, kafka, forward, reverse);
        return new Switchover(sides, CutoverIT.LOOSE, (table, keys) -> List.of(),
                new Gates(sides, CutoverIT.LOOSE, () -> Optional.of(Instant.now())), "test");
    }
}
