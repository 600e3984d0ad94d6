package dev.tandem.capture;

import static org.junit.jupiter.api.Assertions.assertDoesNotThrow;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.tandem.capture.envelope.ChangeEnvelope;
import dev.tandem.capture.envelope.Operation;
import dev.tandem.capture.envelope.SourcePosition;
import java.util.LinkedHashMap;
import java.util.Set;
import org.junit.jupiter.api.Test;

class ValueSizeLimitTest {

    private static final long MIB = 1 << 20;

    @Test
    void theDefaultHeapPassesA64MiBByteaAndRefusesAChangeItCannotHoldNamingTableKeyAndFix() {
        LinkedHashMap<String, String> key = new LinkedHashMap<>();
        key.put("id", "42");
        ChangeEnvelope change = ChangeEnvelope.change(new SourcePosition(1, 2, 3, 4), 0, "public.doc", Operation.INSERT,
                key, null, key, Set.of());
        // a 64 MiB bytea is 128 MiB of hex text, plus the envelope around it
        assertDoesNotThrow(() -> ValueSizeLimit.check(change, 128 * MIB + 200, 512 * MIB));
        IllegalStateException e = assertThrows(IllegalStateException.class,
                () -> ValueSizeLimit.check(change, 200 * MIB, 512 * MIB));
        assertTrue(e.getMessage().contains("public.doc") && e.getMessage().contains("{id=42}")
                && e.getMessage().contains("-Xmx664m"), e.getMessage());
    }
}
