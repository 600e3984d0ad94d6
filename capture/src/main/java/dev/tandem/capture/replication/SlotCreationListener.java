package dev.tandem.capture.replication;

import java.util.List;

/**
 * Hears what a slot creation waits for, so it can be shown beyond the log (the status reads it): called on the
 * watch's thread after every check while the creation runs, then once on the creating thread when it ended.
 * Implementations must not throw: a report that fails must not stop the creation.
 */
public interface SlotCreationListener {

    /** Hears nothing. */
    SlotCreationListener NONE = new SlotCreationListener() {
        @Override
        public void waiting(String slotName, List<OpenTransaction> open) {
        }

        @Override
        public void ended(String slotName) {
        }
    };

    /** The transactions the creation of {@code slotName} waits for now (empty when none). */
    void waiting(String slotName, List<OpenTransaction> open);

    /** The creation of {@code slotName} returned or failed: nothing is waited for any more. */
    void ended(String slotName);
}
