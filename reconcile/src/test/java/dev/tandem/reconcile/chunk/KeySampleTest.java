package dev.tandem.reconcile.chunk;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import java.util.Optional;
import java.util.stream.IntStream;
import org.junit.jupiter.api.Test;

/** Boundaries step through the sample by rows per key, continue from the last one given or from any sampled key, and end with its last key. */
class KeySampleTest {

    private static KeySample tens() {
        // keys 10, 20, ..., 100, each standing for 10 rows
        return new KeySample(null, IntStream.rangeClosed(1, 10).mapToObj(i -> List.of(String.valueOf(i * 10))).toList(), 10);
    }

    @Test
    void boundariesStepByRowsPerKey() {
        KeySample sample = tens();
        assertTrue(sample.seek(null));
        assertEquals(Optional.of(List.of("30")), sample.after(30));
        assertTrue(sample.seek(List.of("30")));
        assertEquals(Optional.of(List.of("40")), sample.after(4), "at least one key per chunk");
        assertEquals(Optional.of(List.of("80")), sample.after(40));
        assertEquals(Optional.of(List.of("100")), sample.after(50), "the sample's last key when it ends sooner");
        assertTrue(sample.seek(List.of("100")));
        assertEquals(Optional.empty(), sample.after(10), "past the last sampled key the key is walked");
    }

    @Test
    void seeksToABoundaryAnotherInstanceReadOffTheSameSample() {
        KeySample sample = tens();
        assertTrue(sample.seek(List.of("50")), "a sampled key: continue after it");
        assertEquals(Optional.of(List.of("70")), sample.after(20));
        assertTrue(sample.seek(null), "back to where the sample starts");
        assertEquals(Optional.of(List.of("20")), sample.after(20));
    }

    @Test
    void cannotSeekToAKeyItDidNotSample() {
        KeySample sample = new KeySample(List.of("5"), List.of(List.of("10"), List.of("20")), 10);
        assertFalse(sample.seek(List.of("15")), "a walked boundary, not in the sample");
        assertFalse(sample.seek(null), "before where the sample starts");
        assertTrue(sample.seek(List.of("5")));
        assertEquals(Optional.of(List.of("10")), sample.after(10));
    }

    @Test
    void rowsPerKeyMustBePositive() {
        assertThrows(IllegalArgumentException.class, () -> new KeySample(null, List.of(), 0));
    }
}
