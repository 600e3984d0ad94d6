package dev.tandem.reconcile.chunk;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import java.util.Optional;
import java.util.stream.IntStream;
import org.junit.jupiter.api.Test;

/** Boundaries step through the sample by rows per key, continue only from the last one given, and end with its last key. */
class KeySampleTest {

    private static KeySample tens() {
        // keys 10, 20, ..., 100, each standing for 10 rows
        return new KeySample(null, IntStream.rangeClosed(1, 10).mapToObj(i -> List.of(String.valueOf(i * 10))).toList(), 10);
    }

    @Test
    void boundariesStepByRowsPerKey() {
        KeySample sample = tens();
        assertTrue(sample.continuesFrom(null));
        assertEquals(Optional.of(List.of("30")), sample.after(30));
        assertTrue(sample.continuesFrom(List.of("30")));
        assertFalse(sample.continuesFrom(null));
        assertEquals(Optional.of(List.of("40")), sample.after(4), "at least one key per chunk");
        assertEquals(Optional.of(List.of("80")), sample.after(40));
        assertEquals(Optional.of(List.of("100")), sample.after(50), "the sample's last key when it ends sooner");
        assertTrue(sample.continuesFrom(List.of("100")));
        assertEquals(Optional.empty(), sample.after(10), "past the last sampled key the key is walked");
    }

    @Test
    void rowsPerKeyMustBePositive() {
        assertThrows(IllegalArgumentException.class, () -> new KeySample(null, List.of(), 0));
    }
}
