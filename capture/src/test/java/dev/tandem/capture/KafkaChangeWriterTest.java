package dev.tandem.capture;

import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.tandem.capture.envelope.ChangeEnvelope;
import dev.tandem.capture.envelope.Operation;
import dev.tandem.capture.envelope.SourcePosition;
import java.nio.charset.StandardCharsets;
import java.util.LinkedHashMap;
import java.util.Set;
import org.junit.jupiter.api.Test;

class KafkaChangeWriterTest {

    private static final SourcePosition AT = new SourcePosition(100, 120, 571, 1);

    @Test
    void aChangeIsKeyedByTableAndKeyValuesAsAList() {
        // The per-key router partitions by these bytes: they must stay what they were.
        assertEquals("legacy.item:[42]", key(ChangeEnvelope.change(AT, 0, "legacy.item", Operation.INSERT,
                map("item_id", "42"), null, map("item_id", "42"), Set.of())));
        assertEquals("s.t:[1, Zürich, null]", key(ChangeEnvelope.change(AT, 0, "s.t", Operation.DELETE,
                map("a", "1", "b", "Zürich", "c", null), null, null, Set.of())));
        LinkedHashMap<String, String> several = map("a", "1", "b", "Zürich", "c", null);
        assertEquals("s.t:" + several.values(), key(ChangeEnvelope.change(AT, 0, "s.t", Operation.DELETE,
                several, null, null, Set.of())));
    }

    @Test
    void aMarkerIsKeyedByItsTransaction() {
        assertEquals("tx:571", key(ChangeEnvelope.begin(AT, 0)));
    }

    private static String key(ChangeEnvelope envelope) {
        return new String(KafkaChangeWriter.keyOf(envelope), StandardCharsets.UTF_8);
    }

    private static LinkedHashMap<String, String> map(String... keysAndValues) {
        LinkedHashMap<String, String> map = new LinkedHashMap<>();
        for (int i = 0; i < keysAndValues.length; i += 2) {
            map.put(keysAndValues[i], keysAndValues[i + 1]);
        }
        return map;
    }
}
