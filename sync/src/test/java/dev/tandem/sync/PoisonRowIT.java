package dev.tandem.sync;

import static dev.tandem.sync.TestDatabases.awaitTrue;
import static dev.tandem.sync.TestDatabases.exec;
import static dev.tandem.sync.TestDatabases.queryLong;
import static dev.tandem.sync.TestDatabases.queryString;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.tandem.capture.PgDatabase;
import dev.tandem.sync.control.TableStates;
import dev.tandem.sync.mapping.TableMapping;
import dev.tandem.sync.pipeline.Pipeline;
import dev.tandem.sync.pipeline.PipelineConfig;
import java.sql.Connection;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * Bad input stops the line loudly: a row the target rejects pauses that table (others go on),
 * later changes wait behind it in order, and resume or skip carry on from there. DDL on a captured
 * table pauses it with the change named.
 */
class PoisonRowIT {

    @Test
    void rejectedRowPausesItsTableUntilResumedOrSkipped() throws Exception {
        PgDatabase legacy = TestDatabases.fresh("poison_legacy");
        PgDatabase app = TestDatabases.fresh("poison_app");
        exec(legacy, "CREATE SCHEMA legacy",
                "CREATE TABLE legacy.line (id int PRIMARY KEY, qty int NOT NULL)",
                "CREATE TABLE legacy.note (id int PRIMARY KEY, body text)",
                "INSERT INTO legacy.line VALUES (1, 5)");
        exec(app, "CREATE SCHEMA app",
                "CREATE TABLE app.line (id int PRIMARY KEY, qty int NOT NULL CONSTRAINT positive CHECK (qty > 0))",
                "CREATE TABLE app.note (id int PRIMARY KEY, body text)");
        PipelineConfig config = new PipelineConfig("poison", legacy, app, List.of(
                new TableMapping("legacy.line", "app.line", Map.of()),
                new TableMapping("legacy.note", "app.note", Map.of())), TestDatabases.stack().kafka().bootstrapServers());
        TableStates states = new TableStates("poison");
        try (Pipeline pipeline = new Pipeline(config)) {
            pipeline.start();
            exec(legacy, "INSERT INTO legacy.line VALUES (2, 7)", "INSERT INTO legacy.line VALUES (3, -1)");
            awaitTrue(Duration.ofSeconds(60), "app.line to be paused", () -> state(app, "app.line") != null);
            String reason = queryString(app, "SELECT reason FROM tandem.table_state WHERE target_table = 'app.line'");
            assertTrue(reason.contains("{id=3}") && reason.contains("positive") && reason.contains("tandem resume"), reason);
            assertEquals(1, queryLong(app, "SELECT count(*) FROM app.line"), "nothing of the rejected batch is applied");
            List<String> deadLetters = deadLetterKeys(config.capture().deadLetterTopic());
            assertTrue(deadLetters.stream().anyMatch(k -> k.equals("app.line:{id=3}")), "dead letters: " + deadLetters);

            exec(legacy, "UPDATE legacy.line SET qty = 9 WHERE id = 1", "INSERT INTO legacy.note VALUES (1, 'other tables go on')");
            awaitTrue(Duration.ofSeconds(60), "app.note to keep syncing", () -> count(app, "app.note") == 1);
            assertEquals("5", queryString(app, "SELECT qty FROM app.line WHERE id = 1"), "later changes wait behind the bad one");

            exec(app, "ALTER TABLE app.line DROP CONSTRAINT positive");
            try (Connection c = app.connect("operator")) {
                states.request(c, "app.line", TableStates.State.RESUME, "constraint dropped");
            }
            awaitTrue(Duration.ofSeconds(60), "app.line to resume", () -> state(app, "app.line") == null);
            assertEquals("9", queryString(app, "SELECT qty FROM app.line WHERE id = 1"));
            assertEquals(3, queryLong(app, "SELECT count(*) FROM app.line"));

            exec(app, "ALTER TABLE app.line ADD CONSTRAINT small CHECK (qty < 100)");
            exec(legacy, "INSERT INTO legacy.line VALUES (4, 1000)", "INSERT INTO legacy.line VALUES (5, 50)");
            awaitTrue(Duration.ofSeconds(60), "app.line to be paused again", () -> state(app, "app.line") != null);
            try (Connection c = app.connect("operator")) {
                states.request(c, "app.line", TableStates.State.SKIP, "order 4 is a test row");
            }
            awaitTrue(Duration.ofSeconds(60), "app.line to resume after the skip", () -> state(app, "app.line") == null);
            assertEquals(0, queryLong(app, "SELECT count(*) FROM app.line WHERE id = 4"));
            assertEquals(1, queryLong(app, "SELECT count(*) FROM app.line WHERE id = 5"));
            assertEquals(1, queryLong(app, "SELECT count(*) FROM tandem.decision WHERE decision = 'skipped' AND detail LIKE '%id=4%'"));

            exec(legacy, "ALTER TABLE legacy.note ADD COLUMN author text", "INSERT INTO legacy.note VALUES (2, 'x', 'me')");
            awaitTrue(Duration.ofSeconds(60), "app.note to pause on the new column", () -> state(app, "app.note") != null);
            String drift = queryString(app, "SELECT reason FROM tandem.table_state WHERE target_table = 'app.note'");
            assertTrue(drift.contains("columns added [author]"), drift);
            assertEquals(0, queryLong(app, "SELECT count(*) FROM app.note WHERE id = 2"));
            assertEquals(1, queryLong(app, "SELECT count(*) FROM tandem.parked_change WHERE target_table = 'app.note'"));
            assertNull(pipeline.failure());
        }
    }

    /** Keys of the dead-letter topic's records whose table header is set, read from the beginning. */
    private static List<String> deadLetterKeys(String topic) throws InterruptedException {
        java.util.Properties props = new java.util.Properties();
        props.put("bootstrap.servers", TestDatabases.stack().kafka().bootstrapServers());
        List<String> keys = new java.util.ArrayList<>();
        try (var consumer = new org.apache.kafka.clients.consumer.KafkaConsumer<byte[], byte[]>(props,
                new org.apache.kafka.common.serialization.ByteArrayDeserializer(),
                new org.apache.kafka.common.serialization.ByteArrayDeserializer())) {
            var partition = new org.apache.kafka.common.TopicPartition(topic, 0);
            consumer.assign(List.of(partition));
            consumer.seekToBeginning(List.of(partition));
            long deadline = System.nanoTime() + Duration.ofSeconds(30).toNanos();
            while (keys.isEmpty() && System.nanoTime() < deadline) {
                for (var record : consumer.poll(Duration.ofMillis(200))) {
                    if (record.headers().lastHeader("tandem.table") != null && record.headers().lastHeader("tandem.reason") != null) {
                        keys.add(new String(record.key(), java.nio.charset.StandardCharsets.UTF_8));
                    }
                }
            }
        }
        return keys;
    }

    private static String state(PgDatabase db, String table) {
        try {
            return queryString(db, "SELECT state FROM tandem.table_state WHERE target_table = '" + table + "'");
        } catch (Exception e) {
            throw new IllegalStateException(e);
        }
    }

    private static long count(PgDatabase db, String table) {
        try {
            return queryLong(db, "SELECT count(*) FROM " + table);
        } catch (Exception e) {
            throw new IllegalStateException(e);
        }
    }
}
