package dev.tandem.sync.pipeline;

/** The migration's replication slot is gone or invalidated: streaming on would skip changes. */
public final class SlotLostException extends IllegalStateException {

    public SlotLostException(String message) {
        super(message);
    }
}
