package dev.tandem.sync.control;

import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

class AppliedPositionTest {

    @Test
    void coversEarlierTransactionsAndItself() {
        AppliedPosition applied = new AppliedPosition(50, 1000, 77);
        assertTrue(applied.covers(999, 80));
        assertTrue(applied.covers(1000, 77));
        assertFalse(applied.covers(1000, 78), "same order key, other transaction");
        assertFalse(applied.covers(1001, 76));
    }

    @Test
    void theStartCoversNothing() {
        assertFalse(AppliedPosition.START.covers(0, 0));
        assertFalse(AppliedPosition.START.covers(1, 1));
    }
}
