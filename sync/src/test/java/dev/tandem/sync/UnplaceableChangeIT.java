package dev.tandem.sync;

import static dev.tandem.sync.TestDatabases.awaitTrue;
import static dev.tandem.sync.TestDatabases.exec;
import static dev.tandem.sync.TestDatabases.queryLong;
import static dev.tandem.sync.TestDatabases.queryString;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.tandem.capture.KafkaChangeWriter;
import dev.tandem.capture.PgDatabase;
import dev.tandem.capture.envelope.ChangeEnvelope;
import dev.tandem.capture.envelope.EnvelopeCodec;
import dev.tandem.capture.envelope.Operation;
import dev.tandem.capture.envelope.SourcePosition;
import dev.tandem.sync.control.TableStates;
import dev.tandem.sync.mapping.TableMapping;
import dev.tandem.sync.pipeline.Pipeline;
import dev.tandem.sync.pipeline.PipelineConfig;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.Statement;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.junit.jupiter.api.Test;

/**
 * A change the sync receives but cannot place stops its table loudly: a change of an operation tandem does not
 * handle (what capture makes of a Debezium operation it does not know, or a later version's) pauses the table it
 * feeds, with the reason, while other tables go on; later changes of the table wait behind it, and a skip drops it.
 * Debezium's own operations (c, u, d, t and tandem's fences, m) travel the real pipeline in the scenarios, TruncateIT
 * and FenceIT; no captured source can make Debezium emit an unknown one, so this test writes it into the change log.
 */
class UnplaceableChangeIT {

    @Test
    void aChangeOfAnUnhandledOperationPausesItsTableUntilSkipped() throws Exception {
        PgDatabase legacy = TestDatabases.fresh("unplaceable_legacy");
        PgDatabase app = TestDatabases.fresh("unplaceable_app");
        exec(legacy, "CREATE SCHEMA legacy", "CREATE TABLE legacy.note (id int PRIMARY KEY, body text NOT NULL)",
                "CREATE TABLE legacy.other (id int PRIMARY KEY, body text NOT NULL)",
                "INSERT INTO legacy.other VALUES (1, 'one')");
        exec(app, "CREATE SCHEMA app", "CREATE TABLE app.note (id int PRIMARY KEY, body text NOT NULL)",
                "CREATE TABLE app.other (id int PRIMARY KEY, body text NOT NULL)");
        String kafka = TestDatabases.stack().kafka().bootstrapServers();
        try (Pipeline pipeline = new Pipeline(new PipelineConfig("unplaceable", legacy, app,
                List.of(new TableMapping("legacy.note", "app.note", Map.of()),
                        new TableMapping("legacy.other", "app.other", Map.of())), kafka))) {
            pipeline.start();
            exec(legacy, "INSERT INTO legacy.note VALUES (1, 'before')");
            awaitTrue(Duration.ofSeconds(60), "the first note to arrive",
                    () -> count(app, "SELECT count(*) FROM app.note") == 1);

            injectUnknownChange(app, kafka);
            exec(legacy, "INSERT INTO legacy.note VALUES (3, 'after')", "UPDATE legacy.other SET body = 'moved' WHERE id = 1");
            awaitTrue(Duration.ofSeconds(60), "app.note to pause", () -> count(app,
                    "SELECT count(*) FROM tandem.table_state WHERE target_table = 'app.note'") == 1);
            String reason = queryString(app, "SELECT reason FROM tandem.table_state WHERE target_table = 'app.note'");
            assertTrue(reason.contains("the change to key {id=2}") && reason.contains("legacy.note sent a change of an "
                    + "operation this tandem does not handle") && reason.contains("tandem skip --table app.note"), reason);
            awaitTrue(Duration.ofSeconds(60), "other tables to go on",
                    () -> count(app, "SELECT count(*) FROM app.other WHERE body = 'moved'") == 1);
            assertEquals(0, queryLong(app, "SELECT count(*) FROM app.note WHERE id IN (2, 3)"),
                    "neither the unknown change nor the later one was applied");

            try (Connection c = app.connect("operator")) {
                new TableStates("unplaceable").request(c, "app.note", TableStates.State.SKIP, "test: nothing to carry");
            }
            awaitTrue(Duration.ofSeconds(60), "the later note to arrive after the skip",
                    () -> count(app, "SELECT count(*) FROM app.note WHERE id = 3") == 1);
            assertEquals(0, queryLong(app, "SELECT count(*) FROM app.note WHERE id = 2"), "the skipped change stays out");
            assertEquals(0, queryLong(app, "SELECT count(*) FROM tandem.table_state WHERE target_table = 'app.note'"));
            assertNull(pipeline.failure());
        }
    }

    /**
     * Writes one source transaction carrying a change of operation UNKNOWN into the change log, placed just after the
     * last applied transaction (same commit-order key, a larger transaction id), so it is neither a replay nor ahead
     * of the transactions the source commits next.
     */
    private static void injectUnknownChange(PgDatabase app, String kafka) throws Exception {
        String topic;
        long txOrder;
        long txId;
        try (Connection c = app.connect("test"); Statement st = c.createStatement();
             ResultSet rs = st.executeQuery("SELECT topic, tx_order, tx_id FROM tandem.applied_position "
                     + "WHERE migration = 'unplaceable'")) {
            rs.next();
            topic = rs.getString(1);
            txOrder = rs.getLong(2);
            txId = rs.getLong(3) + 1_000_000;
        }
        LinkedHashMap<String, String> key = new LinkedHashMap<>(Map.of("id", "2"));
        LinkedHashMap<String, String> after = new LinkedHashMap<>(key);
        after.put("body", "unknown");
        long now = System.currentTimeMillis();
        List<ChangeEnvelope> tx = List.of(
                ChangeEnvelope.begin(new SourcePosition(txOrder, 0, txId, 0), now),
                ChangeEnvelope.change(new SourcePosition(txOrder, 0, txId, 1), now, "legacy.note", Operation.UNKNOWN, key,
                        null, after, Set.of()),
                ChangeEnvelope.commit(new SourcePosition(txOrder, 0, txId, 0), now, 1));
        try (KafkaProducer<byte[], byte[]> producer = new KafkaProducer<>(
                KafkaChangeWriter.producerProperties(kafka, "test-injector"), new ByteArraySerializer(),
                new ByteArraySerializer())) {
            for (ChangeEnvelope envelope : tx) {
                producer.send(new ProducerRecord<>(topic, 0, KafkaChangeWriter.keyOf(envelope), EnvelopeCodec.encode(envelope)))
                        .get();
            }
        }
    }

    private static long count(PgDatabase db, String sql) {
        try {
            return queryLong(db, sql);
        } catch (java.sql.SQLException e) {
            throw new IllegalStateException(e);
        }
    }
}
