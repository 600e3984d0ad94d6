package dev.tandem.sync;

import static dev.tandem.sync.TestDatabases.awaitTrue;
import static dev.tandem.sync.TestDatabases.digest;
import static dev.tandem.sync.TestDatabases.exec;
import static dev.tandem.sync.TestDatabases.queryLong;
import static dev.tandem.sync.TestDatabases.queryString;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;

import dev.tandem.capture.PgDatabase;
import dev.tandem.sync.mapping.TableMapping;
import dev.tandem.sync.pipeline.Pipeline;
import dev.tandem.sync.pipeline.PipelineConfig;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** Legacy → Kafka → new schema on the real stack: backfill, then inserts, updates, deletes of every carried type. */
class PipelineIT {

    private static final String LEGACY_COLUMNS = "id, amount, created, born, ref, doc, blob, tags, counts, note, stamp, flag, ratio";
    private static final String NEW_COLUMNS = "item_id, amount_exact, created_at, birth_date, ref, doc, blob, tags, counts, remark, stamp, flag, ratio";

    @Test
    void everyTypeRoundTripsThroughBackfillAndStream() throws Exception {
        PgDatabase legacy = TestDatabases.fresh("pipe_legacy");
        PgDatabase app = TestDatabases.fresh("pipe_app");
        exec(legacy, """
                CREATE SCHEMA legacy;
                CREATE TABLE legacy.items (
                    id bigint PRIMARY KEY, amount numeric(14,4), created timestamptz, born date, ref uuid, doc jsonb,
                    blob bytea, tags text[], counts int[], note text, stamp timestamp, flag boolean, ratio double precision)""");
        exec(app, """
                CREATE SCHEMA app;
                CREATE TABLE app.item (
                    item_id bigint PRIMARY KEY, amount_exact numeric(14,4), created_at timestamptz, birth_date date,
                    ref uuid, doc jsonb, blob bytea, tags text[], counts int[], remark text, stamp timestamp, flag boolean,
                    ratio double precision, migrated_note text DEFAULT 'n/a')""");
        exec(legacy, insert(1, "1.5000"), insert(2, "-0.0001"),
                "INSERT INTO legacy.items (id) VALUES (3)"); // all NULLs

        TableMapping mapping = new TableMapping("legacy.items", "app.item",
                Map.of("id", "item_id", "amount", "amount_exact", "created", "created_at", "born", "birth_date",
                        "note", "remark"));
        PipelineConfig config = new PipelineConfig("pipe", legacy, app, List.of(mapping),
                TestDatabases.stack().kafka().bootstrapServers());
        try (Pipeline pipeline = new Pipeline(config)) {
            pipeline.start();
            assertEquals(3, pipeline.rowsBackfilled());

            exec(legacy, insert(4, "99999999.9999"), insert(5, "0.1000"),
                    "UPDATE legacy.items SET note = 'it''s \"quoted\" – ünïcødé ✓ \\\\ back', tags = ARRAY['a,b', NULL, '{x}'] WHERE id = 1",
                    "UPDATE legacy.items SET amount = amount * 3, doc = '{\"nested\": {\"k\": [1, 2.50, null]}}' WHERE id = 2",
                    "DELETE FROM legacy.items WHERE id = 5",
                    "UPDATE legacy.items SET id = 30 WHERE id = 3",
                    "BEGIN; INSERT INTO legacy.items (id, note) VALUES (6, ''); UPDATE legacy.items SET note = NULL WHERE id = 6; COMMIT");

            String expected = digest(legacy, "legacy.items", LEGACY_COLUMNS, "id");
            awaitTrue(Duration.ofSeconds(60), "app.item to equal legacy.items",
                    () -> expected.equals(digest(app, "app.item", NEW_COLUMNS, "item_id")));
            assertNull(pipeline.failure());
        }
        assertEquals("5", expected(legacy));
        assertEquals("0", queryString(app, "SELECT count(*) FROM app.item WHERE migrated_note IS DISTINCT FROM 'n/a'"));
        assertEquals(1, queryLong(app, "SELECT count(*) FROM tandem.applied_position WHERE migration = 'pipe' AND tx_order > 0"));
    }

    private static String expected(PgDatabase legacy) throws Exception {
        return queryString(legacy, "SELECT count(*) FROM legacy.items");
    }

    private static String insert(long id, String amount) {
        return "INSERT INTO legacy.items VALUES (" + id + ", " + amount + ", '2024-02-29 23:59:59.123456+05:30', "
                + "'0044-03-15', gen_random_uuid(), '{\"a\": 1, \"b\": \"x\\\"y\"}', '\\x00ff10'::bytea, "
                + "ARRAY['plain', 'with space', 'quote\"d'], ARRAY[1, NULL, -3], 'Zürich – 東京', "
                + "'1999-12-31 23:59:59.999999', true, 0.1)";
    }
}
