package dev.tandem.capture.envelope;

/** What a change did to one row; {@code READ} is a row copied by a snapshot rather than changed. */
public enum Operation {
    INSERT, UPDATE, DELETE, READ;

    /** True when the change leaves the row present (it carries an after-image). */
    public boolean upserts() {
        return this != DELETE;
    }
}
