package dev.tandem.reconcile;

import static dev.tandem.reconcile.ReconcileFixture.exec;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.tandem.capture.PgDatabase;
import dev.tandem.embedded.SharedTestStack;
import dev.tandem.reconcile.order.ChangeLogChanges;
import dev.tandem.sync.fence.SourceFence;
import dev.tandem.sync.mapping.MappingParser;
import dev.tandem.sync.pipeline.Pipeline;
import dev.tandem.sync.pipeline.PipelineConfig;
import java.io.StringReader;
import java.sql.Array;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * In repeated passes, the chunks whose key range changed since the previous pass verified them (as the change log
 * tells) are verified first, the most changed first, then the others in key order; with no change, passes walk the
 * key in order.
 */
class ChangedFirstIT {

    static final String MAPPING = """
            tables:
              - target: app.item
                from: legacy.item i
                key: { id: i.id }
                columns: { v: i.v }
            """;

    @Test
    void chunksChangedSinceTheirVerificationGoFirst() throws Exception {
        PgDatabase legacy = ReconcileFixture.fresh("rc_order_legacy");
        PgDatabase target = ReconcileFixture.fresh("rc_order_new");
        exec(legacy, "CREATE SCHEMA legacy", "CREATE TABLE legacy.item (id int PRIMARY KEY, v int NOT NULL)",
                "INSERT INTO legacy.item SELECT g, g FROM generate_series(1, 10000) g");
        exec(target, "CREATE SCHEMA app", "CREATE TABLE app.item (id int PRIMARY KEY, v int)");
        String kafka = SharedTestStack.get().kafka().bootstrapServers();
        PipelineConfig config = new PipelineConfig("order", legacy, target, MappingParser.parse("order.yaml", new StringReader(MAPPING)),
                kafka);
        try (Pipeline pipeline = new Pipeline(config)) {
            pipeline.start();
            SourceFence fence = new SourceFence("order", legacy, target);
            Reconciler reconciler = changedFirst("order", pipeline, legacy, target, fence);

            PassReport first = reconciler.verifyPass();
            assertTrue(first.consistent(), first::toString);
            List<String> firstOrder = verifiedUppers(target, first.passId());
            assertEquals(List.of("1000", "2000", "3000", "4000", "5000", "6000", "7000", "8000", "9000", "10000", "+"), firstOrder,
                    "a first pass walks the key in order");

            exec(legacy, "UPDATE legacy.item SET v = -v WHERE id = 7500", "UPDATE legacy.item SET v = -v WHERE id IN (3200, 3300)",
                    "DELETE FROM legacy.item WHERE id = 3400", "INSERT INTO legacy.item VALUES (20000, 1)");
            fence.await(Duration.ofSeconds(30));
            PassReport second = reconciler.verifyPass();
            assertTrue(second.consistent(), second::toString);
            assertEquals(10_000, second.rowsCompared());
            assertEquals(List.of("4000", "8000", "+", "1000", "2000", "3000", "5000", "6000", "7000", "9000", "10000"),
                    verifiedUppers(target, second.passId()),
                    "(3000, 4000] with 3 changed keys (a delete among them), then (7000, 8000] and the open-ended chunk with one "
                            + "each (in key order), then the rest in key order");

            PassReport third = reconciler.verifyPass();
            assertTrue(third.consistent(), third::toString);
            List<String> thirdOrder = verifiedUppers(target, third.passId());
            assertEquals("+", thirdOrder.get(thirdOrder.size() - 1), "nothing changed: key order again " + thirdOrder);
            for (int i = 1; i < thirdOrder.size() - 1; i++) {
                assertTrue(Integer.parseInt(thirdOrder.get(i - 1)) < Integer.parseInt(thirdOrder.get(i)),
                        "nothing changed: key order again " + thirdOrder);
            }
            assertNull(pipeline.failure());
        }
    }

    static final String MERGED_MAPPING = """
            tables:
              - target: app.item
                from: legacy.item i
                join:
                  - from: legacy.item_note n
                    on: { item_id: i.id }
                key: { id: i.id }
                columns: { v: i.v, note: n.body }
            """;

    @Test
    void aChangeToAJoinedRowPutsTheMergedRowsChunkFirst() throws Exception {
        PgDatabase legacy = ReconcileFixture.fresh("rc_order_merge_legacy");
        PgDatabase target = ReconcileFixture.fresh("rc_order_merge_new");
        exec(legacy, "CREATE SCHEMA legacy", "CREATE TABLE legacy.item (id int PRIMARY KEY, v int NOT NULL)",
                "CREATE TABLE legacy.item_note (item_id int PRIMARY KEY, body text NOT NULL)",
                "INSERT INTO legacy.item SELECT g, g FROM generate_series(1, 10000) g",
                "INSERT INTO legacy.item_note SELECT g, 'note ' || g FROM generate_series(1, 10000, 10) g");
        exec(target, "CREATE SCHEMA app", "CREATE TABLE app.item (id int PRIMARY KEY, v int, note text)");
        String kafka = SharedTestStack.get().kafka().bootstrapServers();
        PipelineConfig config = new PipelineConfig("order_merge", legacy, target,
                MappingParser.parse("order.yaml", new StringReader(MERGED_MAPPING)), kafka);
        try (Pipeline pipeline = new Pipeline(config)) {
            pipeline.start();
            SourceFence fence = new SourceFence("order_merge", legacy, target);
            Reconciler reconciler = changedFirst("order_merge", pipeline, legacy, target, fence);
            assertTrue(reconciler.verifyPass().consistent());

            // Only the joined table changes: notes of items in (5000, 6000] and one in (2000, 3000].
            exec(legacy, "UPDATE legacy.item_note SET body = 'edited' WHERE item_id IN (5001, 5011)",
                    "INSERT INTO legacy.item_note VALUES (5002, 'new')", "DELETE FROM legacy.item_note WHERE item_id = 2001");
            fence.await(Duration.ofSeconds(30));
            PassReport second = reconciler.verifyPass();
            assertTrue(second.consistent(), second::toString);
            List<String> order = verifiedUppers(target, second.passId());
            assertEquals(List.of("6000", "3000"), order.subList(0, 2),
                    "the chunks of the merged rows whose joined rows changed go first, the most changed first: " + order);
            assertNull(pipeline.failure());
        }
    }

    /** A reconciler with 1 000-row chunks, one at a time, ordering chunks by the migration's change log. */
    private static Reconciler changedFirst(String migration, Pipeline pipeline, PgDatabase legacy, PgDatabase target,
                                           SourceFence fence) {
        ReconcileSettings settings = new ReconcileSettings(Duration.ofSeconds(30), 1_000, 1_000, 1, 3, Duration.ofSeconds(30),
                100, 10, 1000, Duration.ZERO);
        return new Reconciler(migration, legacy, target, pipeline.tables(), settings, fence)
                .changedFirst(new ChangeLogChanges(migration, SharedTestStack.get().kafka().bootstrapServers(),
                        Duration.ofSeconds(20)));
    }

    /** The upper bound of each chunk of a pass ({@code +} for open-ended), in the order the chunks were verified. */
    private static List<String> verifiedUppers(PgDatabase target, long pass) throws Exception {
        List<String> uppers = new ArrayList<>();
        try (Connection c = target.connect("test");
             PreparedStatement ps = c.prepareStatement("SELECT upper_bound FROM tandem.reconcile_chunk WHERE pass_id = ? "
                     + "ORDER BY verified_at, chunk_no")) {
            ps.setLong(1, pass);
            try (ResultSet rs = ps.executeQuery()) {
                while (rs.next()) {
                    Array upper = rs.getArray(1);
                    uppers.add(upper == null ? "+" : ((String[]) upper.getArray())[0]);
                }
            }
        }
        return uppers;
    }
}
