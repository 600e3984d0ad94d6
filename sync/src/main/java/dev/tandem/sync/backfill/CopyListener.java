package dev.tandem.sync.backfill;

/** Told about rows as a COPY streams them, in small batches; may block to throttle the copy. */
@FunctionalInterface
public interface CopyListener {

    /** {@code rows} more rows went through. */
    void copied(int rows) throws InterruptedException;
}
