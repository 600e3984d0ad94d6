package dev.tandem.deploy;

import static org.junit.jupiter.api.Assertions.assertEquals;

import org.junit.jupiter.api.Test;

/** The terminal progress bar: proportional, clamped, with the percentage. */
class ProgressLineTest {

    @Test
    void theBarFillsInProportionAndStaysWithinItsWidth() {
        assertEquals("[----------]   0%", ProgressLine.bar(0, 10));
        assertEquals("[#####-----]  50%", ProgressLine.bar(0.5, 10));
        assertEquals("[##########] 100%", ProgressLine.bar(1, 10));
        assertEquals("[##########] 100%", ProgressLine.bar(1.7, 10), "an estimate below the rows copied");
        assertEquals("[----------]   0%", ProgressLine.bar(-0.2, 10));
        assertEquals("[###-------]  33%", ProgressLine.bar(1.0 / 3, 10));
    }
}
