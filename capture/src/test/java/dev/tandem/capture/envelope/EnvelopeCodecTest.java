package dev.tandem.capture.envelope;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

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
