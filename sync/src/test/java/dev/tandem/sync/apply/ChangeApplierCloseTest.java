package dev.tandem.sync.apply;

import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;

import dev.tandem.capture.PgDatabase;
import dev.tandem.sync.route.Ordering;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * An applier closed before its thread ran (a standby taking over right after it started its appliers) closes its
 * consumer once, on the closing thread, and its run then ends without touching it.
 */
class ChangeApplierCloseTest {

    @Test
    void closedBeforeItsThreadRanItEndsWithoutFailing() {
        ApplierConfig config = new ApplierConfig("close_early", new PgDatabase("127.0.0.1", 1, "none", "none", ""),
                "127.0.0.1:1", "tandem.close_early.changes", "tandem.close_early.dead-letters", 10, Duration.ofMillis(10),
                Ordering.TRANSACTIONAL, null);
        ChangeApplier applier = new ChangeApplier(config, List.of());
        applier.close();
        applier.run();
        assertNull(applier.failure(), "the run used the consumer close() had released");
        assertFalse(applier.isRunning());
    }
}
