package dev.tandem.capture.debezium;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.tandem.capture.envelope.ChangeEnvelope;
import dev.tandem.capture.envelope.EnvelopeKind;
import dev.tandem.capture.envelope.Operation;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.apache.kafka.connect.data.Schema;
import org.apache.kafka.connect.data.SchemaBuilder;
import org.apache.kafka.connect.data.Struct;
import org.apache.kafka.connect.source.SourceRecord;
import org.junit.jupiter.api.Test;

class RecordMapperTest {

    private static final String PREFIX = "tandem_orders";

    private static final Schema TX = SchemaBuilder.struct()
            .field("status", Schema.STRING_SCHEMA).field("id", Schema.STRING_SCHEMA)
            .field("event_count", Schema.OPTIONAL_INT64_SCHEMA).field("ts_ms", Schema.INT64_SCHEMA).build();
    private static final Schema KEY = SchemaBuilder.struct().field("id", Schema.INT64_SCHEMA).build();
    private static final Schema ROW = SchemaBuilder.struct().optional()
            .field("id", Schema.INT64_SCHEMA).field("note", Schema.OPTIONAL_STRING_SCHEMA)
            .field("nums", SchemaBuilder.array(Schema.OPTIONAL_INT32_SCHEMA).optional().build()).build();
    private static final Schema SOURCE = SchemaBuilder.struct()
            .field("schema", Schema.STRING_SCHEMA).field("table", Schema.STRING_SCHEMA)
            .field("sequence", Schema.OPTIONAL_STRING_SCHEMA).field("lsn", Schema.OPTIONAL_INT64_SCHEMA)
            .field("txId", Schema.OPTIONAL_INT64_SCHEMA).field("ts_ms", Schema.OPTIONAL_INT64_SCHEMA).build();
    private static final Schema BLOCK = SchemaBuilder.struct().optional()
            .field("id", Schema.STRING_SCHEMA).field("total_order", Schema.INT64_SCHEMA)
            .field("data_collection_order", Schema.INT64_SCHEMA).build();
    private static final Schema ENVELOPE = SchemaBuilder.struct()
            .field("before", ROW).field("after", ROW).field("source", SOURCE).field("op", Schema.STRING_SCHEMA)
            .field("transaction", BLOCK).build();

    @Test
    void lastCommitLsnIsTheFirstElementOfDebeziumsSequence() {
        assertEquals(123, RecordMapper.lastCommitLsn("[\"123\",\"456\"]"));
        assertEquals(123, RecordMapper.lastCommitLsn("[\"123\", \"456\"]"));
        assertEquals(123, RecordMapper.lastCommitLsn("[\"123\"]"));
        assertEquals(0x1_0000_0000L + 0x16B3748, RecordMapper.lastCommitLsn("[\"4318771016\",\"4318771200\"]"));
    }

    @Test
    void missingLastCommitLsnIsZero() {
        assertEquals(0, RecordMapper.lastCommitLsn("[null, \"456\"]"));
        assertEquals(0, RecordMapper.lastCommitLsn("[]"));
        assertEquals(0, RecordMapper.lastCommitLsn("[null,\"456\"]"));
        assertEquals(0, RecordMapper.lastCommitLsn("[null,null]"));
        assertEquals(0, RecordMapper.lastCommitLsn(null));
    }

    @Test
    void txIdIsTheXidBeforeTheColon() {
        assertEquals(571, RecordMapper.parseTxId("571:53195832"));
        assertEquals(571, RecordMapper.parseTxId("571"));
        assertEquals(4_294_967_295L, RecordMapper.parseTxId("4294967295:1"));
        assertThrows(NumberFormatException.class, () -> RecordMapper.parseTxId("tx:1"));
    }

    @Test
    void beginChangesAndCommitShareTheTransactionsPlace() {
        RecordMapper mapper = new RecordMapper(PREFIX);
        // As Debezium emits them: lsn_commit is the previous commit (1000) until this one's END, where it is 2000.
        ChangeEnvelope begin = mapper.map(marker("BEGIN", 571, null, 1000)).orElseThrow();
        ChangeEnvelope first = mapper.map(change("c", 571, 1, 1000, 1500, null, row(7, "x", List.of(1, 2)))).orElseThrow();
        ChangeEnvelope second = mapper.map(change("u", 571, 2, 1000, 1600, null, row(7, "y", null))).orElseThrow();
        ChangeEnvelope commit = mapper.map(marker("END", 571, 2L, 2000)).orElseThrow();
        // The next transaction began earlier (smaller xid) but committed later.
        ChangeEnvelope next = mapper.map(marker("BEGIN", 570, null, 2000)).orElseThrow();

        assertEquals(EnvelopeKind.BEGIN, begin.kind());
        assertEquals(EnvelopeKind.COMMIT, commit.kind());
        assertEquals(2, commit.eventCount());
        for (ChangeEnvelope e : List.of(first, second, commit)) {
            assertTrue(e.position().sameTransaction(begin.position()), e + " belongs to " + begin);
            assertEquals(1000, e.position().txOrder());
        }
        for (ChangeEnvelope e : List.of(begin, first, second, commit)) {
            assertTrue(next.position().compareTo(e.position()) > 0, next.position() + " comes after " + e.position());
        }
        assertEquals(2000, next.position().txOrder());
    }

    @Test
    void commitWithoutItsBeginFallsBackToTheOffset() {
        RecordMapper mapper = new RecordMapper(PREFIX);
        mapper.map(marker("BEGIN", 571, null, 1000));
        ChangeEnvelope orphan = mapper.map(marker("END", 999, 0L, 3000)).orElseThrow();
        assertEquals(3000, orphan.position().txOrder());
    }

    @Test
    void changeCarriesTableOperationKeyImagesAndPosition() {
        ChangeEnvelope insert = new RecordMapper(PREFIX)
                .map(change("c", 571, 3, 1000, 1500, null, row(7, null, List.of(1, 2)))).orElseThrow();
        assertEquals("app.orders", insert.table());
        assertEquals(Operation.INSERT, insert.operation());
        assertEquals(Map.of("id", "7"), insert.key());
        assertEquals(List.of("id", "note", "nums"), List.copyOf(insert.after().keySet()));
        assertNull(insert.after().get("note"));
        assertEquals("{\"1\",\"2\"}", insert.after().get("nums"));
        assertNull(insert.before());
        assertEquals(1000, insert.position().txOrder());
        assertEquals(1500, insert.position().lsn());
        assertEquals(571, insert.position().txId());
        assertEquals(3, insert.position().orderInTx());
    }

    @Test
    void changesOfTablesWithDifferentLayoutsInterleave() {
        // Fields are resolved once per schema: each record must still be read with its own schema's fields.
        Schema otherRow = SchemaBuilder.struct().optional()
                .field("code", Schema.STRING_SCHEMA).field("id", Schema.INT64_SCHEMA).build();
        Schema otherEnvelope = SchemaBuilder.struct()
                .field("op", Schema.STRING_SCHEMA).field("transaction", BLOCK).field("source", SOURCE)
                .field("after", otherRow).field("before", otherRow).build();
        RecordMapper mapper = new RecordMapper(PREFIX);
        for (int i = 0; i < 3; i++) {
            ChangeEnvelope order = mapper.map(change("c", 571, 2 * i + 1, 1000, 1500, null, row(i, "n" + i, null))).orElseThrow();
            assertEquals("app.orders", order.table());
            assertEquals(List.of("id", "note", "nums"), List.copyOf(order.after().keySet()));
            assertEquals(String.valueOf(i), order.after().get("id"));
            assertEquals(2 * i + 1, order.position().orderInTx());

            Struct source = new Struct(SOURCE).put("schema", "app").put("table", "codes")
                    .put("sequence", "[\"1000\",\"1700\"]").put("lsn", 1700L).put("txId", 571L).put("ts_ms", 5L);
            Struct value = new Struct(otherEnvelope).put("op", "u").put("source", source)
                    .put("after", new Struct(otherRow).put("code", "c" + i).put("id", (long) i))
                    .put("transaction", new Struct(BLOCK).put("id", "571:1700").put("total_order", 2L * i + 2)
                            .put("data_collection_order", 1L));
            ChangeEnvelope code = mapper.map(new SourceRecord(Map.of(), Map.of("lsn", 1700L), PREFIX + ".app.codes", 0,
                    KEY, key(i), otherEnvelope, value)).orElseThrow();
            assertEquals("app.codes", code.table());
            assertEquals(Operation.UPDATE, code.operation());
            assertEquals(List.of("code", "id"), List.copyOf(code.after().keySet()));
            assertEquals("c" + i, code.after().get("code"));
            assertEquals(2 * i + 2, code.position().orderInTx());
            assertEquals(1700, code.position().lsn());
            assertEquals(5, code.commitTimeMs());
        }
    }

    @Test
    void unchangedToastValuesAreListedNotCarried() {
        List<Integer> intArrayPlaceholder = new ArrayList<>();
        for (byte b : PgTextValues.UNAVAILABLE.getBytes(StandardCharsets.UTF_8)) {
            intArrayPlaceholder.add((int) b);
        }
        ChangeEnvelope update = new RecordMapper(PREFIX)
                .map(change("u", 571, 1, 1000, 1500, null, row(7, PgTextValues.UNAVAILABLE, intArrayPlaceholder)))
                .orElseThrow();
        assertEquals(Set.of("note", "nums"), update.unavailable());
        assertNull(update.after().get("note"));
        assertNull(update.after().get("nums"));
        assertEquals("7", update.after().get("id"));
    }

    @Test
    void deleteHasNoAfterImage() {
        ChangeEnvelope delete = new RecordMapper(PREFIX)
                .map(change("d", 571, 1, 1000, 1500, row(7, null, null), null)).orElseThrow();
        assertEquals(Operation.DELETE, delete.operation());
        assertNull(delete.after());
        assertEquals(Map.of("id", "7"), delete.image());
    }

    @Test
    void recordsWithoutAChangeAreSkipped() {
        RecordMapper mapper = new RecordMapper(PREFIX);
        assertTrue(mapper.map(new SourceRecord(Map.of(), Map.of(), PREFIX + ".app.orders", 0, KEY, key(7), null, null)).isEmpty(),
                "tombstone");
        Schema heartbeat = SchemaBuilder.struct().field("ts_ms", Schema.INT64_SCHEMA).build();
        assertTrue(mapper.map(new SourceRecord(Map.of(), Map.of(), "__debezium-heartbeat." + PREFIX, 0, null, null,
                heartbeat, new Struct(heartbeat).put("ts_ms", 1L))).isEmpty(), "heartbeat");
    }

    @Test
    void onlyTandemsTransactionalFencesAreCarried() {
        RecordMapper mapper = new RecordMapper(PREFIX);
        ChangeEnvelope fence = mapper.map(message("tandem.fence", "m1/abc", 571L)).orElseThrow();
        assertEquals(EnvelopeKind.FENCE, fence.kind());
        assertEquals("m1/abc", fence.fenceId());
        assertEquals(571, fence.position().txId());
        assertTrue(mapper.map(message("someone.else", "x", 571L)).isEmpty(), "another application's message");
        assertTrue(mapper.map(message("tandem.fence", "m1/nudge", null)).isEmpty(), "a fence outside any transaction");
    }

    @Test
    void truncateIsATableWideChangeWithoutKeyOrImages() {
        SourceRecord keyed = change("t", 571, 3, 1000, 1500, null, null);
        // Debezium's truncate records carry no key
        SourceRecord truncate = new SourceRecord(keyed.sourcePartition(), keyed.sourceOffset(), keyed.topic(), 0, null,
                null, ENVELOPE, keyed.value());
        ChangeEnvelope change = new RecordMapper(PREFIX).map(truncate).orElseThrow();
        assertEquals(EnvelopeKind.CHANGE, change.kind());
        assertEquals(Operation.TRUNCATE, change.operation());
        assertEquals("app.orders", change.table());
        assertEquals(Map.of(), change.key());
        assertNull(change.before());
        assertNull(change.after());
        assertEquals(3, change.position().orderInTx());
        assertEquals(571, change.position().txId());
    }

    @Test
    void anUnknownOperationTravelsAsUnknownSoTheApplierPausesItsTables() {
        ChangeEnvelope change = new RecordMapper(PREFIX).map(change("x", 571, 1, 1000, 1500, null, row(7, "y", null)))
                .orElseThrow();
        assertEquals(Operation.UNKNOWN, change.operation());
        assertEquals("app.orders", change.table());
        assertEquals(Map.of("id", "7"), change.key());
        assertEquals(571, change.position().txId());
    }

    /** A logical decoding message as Debezium emits it: {@code txId} null for a non-transactional one. */
    private static SourceRecord message(String prefix, String content, Long txId) {
        Schema messageSchema = SchemaBuilder.struct().field("prefix", Schema.STRING_SCHEMA)
                .field("content", Schema.BYTES_SCHEMA).build();
        Schema envelope = SchemaBuilder.struct().field("op", Schema.STRING_SCHEMA).field("source", SOURCE)
                .field("transaction", BLOCK).field("message", messageSchema).build();
        Struct source = new Struct(SOURCE).put("schema", "").put("table", "").put("sequence", "[\"1000\",\"1600\"]")
                .put("lsn", 1600L).put("txId", txId).put("ts_ms", 1_700_000_000_000L);
        Struct value = new Struct(envelope).put("op", "m").put("source", source)
                .put("transaction", txId == null ? null : new Struct(BLOCK).put("id", txId + ":1600").put("total_order", 1L)
                        .put("data_collection_order", 1L))
                .put("message", new Struct(messageSchema).put("prefix", prefix)
                        .put("content", content.getBytes(StandardCharsets.UTF_8)));
        return new SourceRecord(Map.of("server", PREFIX), Map.of("lsn", 1600L), PREFIX + ".message", 0, null, null,
                envelope, value);
    }

    private static SourceRecord marker(String status, long txId, Long eventCount, long lsnCommit) {
        Struct value = new Struct(TX).put("status", status).put("id", txId + ":" + (lsnCommit + 8))
                .put("event_count", eventCount).put("ts_ms", 1_700_000_000_000L);
        return new SourceRecord(Map.of("server", PREFIX), Map.of("lsn", lsnCommit + 8, "lsn_commit", lsnCommit),
                PREFIX + ".transaction", 0, null, null, TX, value);
    }

    private static SourceRecord change(String op, long txId, long order, long lastCommit, long lsn, Struct before, Struct after) {
        Struct source = new Struct(SOURCE).put("schema", "app").put("table", "orders")
                .put("sequence", "[\"" + lastCommit + "\",\"" + lsn + "\"]").put("lsn", lsn).put("txId", txId)
                .put("ts_ms", 1_700_000_000_000L);
        Struct value = new Struct(ENVELOPE).put("before", before).put("after", after).put("source", source).put("op", op)
                .put("transaction", new Struct(BLOCK).put("id", txId + ":" + lsn).put("total_order", order)
                        .put("data_collection_order", order));
        return new SourceRecord(Map.of("server", PREFIX), Map.of("lsn", lsn), PREFIX + ".app.orders", 0, KEY, key(7),
                ENVELOPE, value);
    }

    private static Struct key(long id) {
        return new Struct(KEY).put("id", id);
    }

    private static Struct row(long id, String note, List<Integer> nums) {
        return new Struct(ROW).put("id", id).put("note", note).put("nums", nums);
    }
}
