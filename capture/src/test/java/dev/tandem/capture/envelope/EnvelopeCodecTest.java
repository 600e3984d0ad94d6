package dev.tandem.capture.envelope;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNotSame;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.Test;

class EnvelopeCodecTest {

    private static final SourcePosition AT = new SourcePosition(0x1_0000_0000L + 0x16B3748, 0x1_0000_0000L + 0x16B3800, 571, 3);

    @Test
    void transactionMarkersRoundTrip() {
        ChangeEnvelope begin = ChangeEnvelope.begin(new SourcePosition(100, 120, 571, 0), 1_709_251_199_123L);
        ChangeEnvelope commit = ChangeEnvelope.commit(new SourcePosition(100, 180, 571, 0), 1_709_251_199_123L, 42);
        assertEquals(begin, roundTrip(begin));
        assertEquals(commit, roundTrip(commit));
        assertEquals(42, roundTrip(commit).eventCount());
        assertNull(roundTrip(begin).table());
    }

    @Test
    void changeRoundTripsWithNullsNonAsciiAndColumnOrder() {
        LinkedHashMap<String, String> key = map("id", "17", "région", "Zürich");
        LinkedHashMap<String, String> before = map("zeta", "1", "id", "17", "région", "Zürich", "note", null);
        LinkedHashMap<String, String> after = map("zeta", "2", "id", "17", "région", "Zürich", "note", "東京 ✓ \"q\" \\ \n\t\u0000",
                "empty", "", "amount", "1.5000", "blob", "\\x00ff", "tags", "{\"a,b\",NULL}");
        ChangeEnvelope change = ChangeEnvelope.change(AT, 1_709_251_199_123L, "legacy.items", Operation.UPDATE,
                key, before, after, Set.of("doc", "big_text"));

        ChangeEnvelope decoded = roundTrip(change);

        assertEquals(change, decoded);
        assertEquals(List.copyOf(after.keySet()), List.copyOf(decoded.after().keySet()), "column order");
        assertEquals(List.copyOf(before.keySet()), List.copyOf(decoded.before().keySet()), "column order");
        assertTrue(decoded.after().containsKey("id"));
        assertTrue(decoded.before().containsKey("note") && decoded.before().get("note") == null, "SQL NULL kept as a null entry");
        assertEquals("", decoded.after().get("empty"), "empty string is not NULL");
        assertEquals(Set.of("doc", "big_text"), decoded.unavailable());
        assertEquals(AT, decoded.position());
        assertEquals(0, decoded.position().compareTo(AT));
    }

    @Test
    void deleteRoundTripsWithoutAfterImage() {
        ChangeEnvelope delete = ChangeEnvelope.change(AT, 5, "legacy.items", Operation.DELETE,
                map("id", "9"), map("id", "9", "note", null), null, Set.of());
        ChangeEnvelope decoded = roundTrip(delete);
        assertEquals(delete, decoded);
        assertNull(decoded.after());
        assertEquals(map("id", "9"), decoded.image());
    }

    @Test
    void truncateRoundTripsWithAnEmptyKeyInBothForms() {
        ChangeEnvelope truncate = ChangeEnvelope.change(AT, 5, "legacy.items", Operation.TRUNCATE, new LinkedHashMap<>(),
                null, null, Set.of());
        assertEquals(truncate, roundTrip(truncate));
        assertEquals(truncate, EnvelopeCodec.decode(EnvelopeCodec.encodeJson(truncate)));
        assertEquals(Operation.TRUNCATE, Operation.values()[4], "the change log stores the ordinal: append, never insert");
    }

    @Test
    void anOperationOfALaterVersionReadsAsUnknown() {
        ChangeEnvelope delete = ChangeEnvelope.change(AT, 5, "legacy.items", Operation.DELETE, map("id", "9"), null, null,
                Set.of());
        byte[] bytes = EnvelopeCodec.encode(delete);
        int operationAt = 2 + 1 + 5 * 8 + 4 + "legacy.items".length(); // header, kind, longs, table
        assertEquals(Operation.DELETE.ordinal(), bytes[operationAt]);
        bytes[operationAt] = 42;
        assertEquals(Operation.UNKNOWN, EnvelopeCodec.decode(bytes).operation());
    }

    @Test
    void theChangeLogIsBinaryAndDeadLettersAreJson() {
        ChangeEnvelope change = ChangeEnvelope.change(AT, 0, "s.t", Operation.INSERT, map("id", "1"), null,
                map("id", "1", "name", "Zürich"), Set.of());
        byte[] binary = EnvelopeCodec.encode(change);
        assertEquals('T', binary[0]);
        String json = new String(EnvelopeCodec.encodeJson(change), StandardCharsets.UTF_8);
        assertTrue(json.startsWith("{") && json.contains("Zürich") && json.contains("\"kind\":\"CHANGE\""), json);
        assertTrue(binary.length < json.getBytes(StandardCharsets.UTF_8).length, "binary is the smaller form");
    }

    @Test
    void jsonWrittenBeforeTheBinaryFormStillDecodes() {
        ChangeEnvelope change = ChangeEnvelope.change(AT, 7, "s.t", Operation.UPDATE, map("id", "1"), map("id", "1", "n", null),
                map("id", "1", "n", "x"), Set.of("big"));
        assertEquals(change, EnvelopeCodec.decode(EnvelopeCodec.encodeJson(change)));
        assertEquals(change, EnvelopeCodec.decode(EnvelopeCodec.encode(change)));
    }

    @Test
    void aTruncatedBinaryEnvelopeIsRefused() {
        byte[] whole = EnvelopeCodec.encode(ChangeEnvelope.commit(AT, 1, 3));
        byte[] cut = Arrays.copyOf(whole, whole.length - 4);
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> EnvelopeCodec.decode(cut));
        assertTrue(e.getMessage().startsWith("not a tandem change envelope"), e.getMessage());
    }

    @Test
    void garbageIsRefusedWithTheBytesInTheMessage() {
        IllegalArgumentException notJson = assertThrows(IllegalArgumentException.class,
                () -> EnvelopeCodec.decode("not json at all".getBytes(StandardCharsets.UTF_8)));
        assertTrue(notJson.getMessage().contains("not a tandem change envelope") && notJson.getMessage().contains("not json at all"),
                notJson.getMessage());
        assertNotNull(notJson.getCause());

        IllegalArgumentException wrongShape = assertThrows(IllegalArgumentException.class,
                () -> EnvelopeCodec.decode("{\"kind\":\"CHANGE\"}".getBytes(StandardCharsets.UTF_8)));
        assertTrue(wrongShape.getMessage().contains("not a tandem change envelope"), wrongShape.getMessage());

        IllegalArgumentException unknownKind = assertThrows(IllegalArgumentException.class,
                () -> EnvelopeCodec.decode("{\"kind\":\"ROLLBACK\",\"position\":{}}".getBytes(StandardCharsets.UTF_8)));
        assertTrue(unknownKind.getMessage().contains("ROLLBACK"), unknownKind.getMessage());

        assertThrows(IllegalArgumentException.class, () -> EnvelopeCodec.decode(new byte[0]));
        byte[] binary = {(byte) 0xff, 0x00, (byte) 0xfe, 0x01};
        assertThrows(IllegalArgumentException.class, () -> EnvelopeCodec.decode(binary));
    }

    @Test
    void theBinaryLayoutIsTheDocumentedOne() throws IOException {
        // Change logs and parked changes written by earlier versions must keep reading: the bytes may not move.
        LinkedHashMap<String, String> after = map("id", "17", "région", "東京 𝄞 \uD800", "note", null);
        ChangeEnvelope change = ChangeEnvelope.change(AT, 1_709_251_199_123L, "legacy.items", Operation.UPDATE,
                map("id", "17"), null, after, Set.of("doc"));
        ByteArrayOutputStream expected = new ByteArrayOutputStream();
        DataOutputStream out = new DataOutputStream(expected);
        out.writeByte('T');
        out.writeByte(1);
        out.writeByte(EnvelopeKind.CHANGE.ordinal());
        out.writeLong(AT.txOrder());
        out.writeLong(AT.lsn());
        out.writeLong(AT.txId());
        out.writeLong(AT.orderInTx());
        out.writeLong(1_709_251_199_123L);
        writeString(out, "legacy.items");
        out.writeByte(Operation.UPDATE.ordinal());
        out.writeInt(1);
        writeString(out, "id");
        writeString(out, "17");
        out.writeInt(-1);
        out.writeInt(3);
        for (var entry : after.entrySet()) {
            writeString(out, entry.getKey());
            writeString(out, entry.getValue());
        }
        out.writeInt(1);
        writeString(out, "doc");
        out.writeLong(0);
        assertArrayEquals(expected.toByteArray(), EnvelopeCodec.encode(change));
    }

    @Test
    void decodedNamesAreSharedAndValuesAreNot() {
        ChangeEnvelope change = ChangeEnvelope.change(AT, 0, "legacy.items", Operation.INSERT, map("id", "1"), null,
                map("id", "1", "name", "x"), Set.of());
        ChangeEnvelope first = roundTrip(change);
        ChangeEnvelope second = roundTrip(change);
        assertSame(first.table(), second.table());
        List<String> firstColumns = List.copyOf(first.after().keySet());
        List<String> secondColumns = List.copyOf(second.after().keySet());
        for (int i = 0; i < firstColumns.size(); i++) {
            assertSame(firstColumns.get(i), secondColumns.get(i), "column " + firstColumns.get(i));
        }
        assertNotSame(first.after().get("name"), second.after().get("name"));
    }

    @Test
    void aLengthPastTheEndIsRefused() {
        byte[] bytes = EnvelopeCodec.encode(ChangeEnvelope.change(AT, 0, "s.t", Operation.INSERT, map("id", "1"), null,
                map("id", "1"), Set.of()));
        bytes[2 + 1 + 40 + 3] = 0x7f; // the table name's length, now far beyond the array
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> EnvelopeCodec.decode(bytes));
        assertTrue(e.getMessage().startsWith("not a tandem change envelope"), e.getMessage());
    }

    private static void writeString(DataOutputStream out, String value) throws IOException {
        if (value == null) {
            out.writeInt(-1);
            return;
        }
        byte[] utf8 = value.getBytes(StandardCharsets.UTF_8);
        out.writeInt(utf8.length);
        out.write(utf8);
    }

    private static ChangeEnvelope roundTrip(ChangeEnvelope envelope) {
        return EnvelopeCodec.decode(EnvelopeCodec.encode(envelope));
    }

    private static LinkedHashMap<String, String> map(String... keysAndValues) {
        LinkedHashMap<String, String> map = new LinkedHashMap<>();
        for (int i = 0; i < keysAndValues.length; i += 2) {
            map.put(keysAndValues[i], keysAndValues[i + 1]);
        }
        return map;
    }
}
