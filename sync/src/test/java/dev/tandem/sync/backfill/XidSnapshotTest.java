package dev.tandem.sync.backfill;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

class XidSnapshotTest {

    @Test
    void seesFinishedTransactionsOnly() {
        XidSnapshot snapshot = XidSnapshot.parse("100:110:103,107");
        assertTrue(snapshot.sees(99));
        assertTrue(snapshot.sees(102));
        assertFalse(snapshot.sees(103), "in progress when the snapshot was taken");
        assertTrue(snapshot.sees(109));
        assertFalse(snapshot.sees(110), "started after the snapshot");
        assertFalse(snapshot.sees(200));
        assertEquals("100:110:103,107", snapshot.toString());
    }

    @Test
    void widensThirtyTwoBitIdsAcrossAnEpoch() {
        long epoch = 1L << 32;
        XidSnapshot snapshot = XidSnapshot.parse((epoch + 5) + ":" + (epoch + 20) + ":");
        assertTrue(snapshot.sees(epoch - 10 & 0xFFFFFFFFL), "a transaction from the end of the previous epoch");
        assertTrue(snapshot.sees(6));
        assertFalse(snapshot.sees(25));
        XidSnapshot atEpochEnd = XidSnapshot.parse((epoch - 20) + ":" + (epoch - 10) + ":");
        assertFalse(atEpochEnd.sees(3), "a transaction started after the snapshot, in the next epoch");
        assertTrue(atEpochEnd.sees(epoch - 30 & 0xFFFFFFFFL));
    }

    @Test
    void refusesWhatIsNotASnapshot() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> XidSnapshot.parse("100-110"));
        assertTrue(e.getMessage().contains("xmin:xmax:xip"), e.getMessage());
    }
}
