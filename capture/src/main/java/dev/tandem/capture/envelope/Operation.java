package dev.tandem.capture.envelope;

/**
 * What a change did: to one row ({@code READ} is a row copied by a snapshot rather than changed), or, for
 * {@code TRUNCATE}, to every row of its table at once (the change carries no key and no image). {@code UNKNOWN} is a
 * change capture received but could not classify (or a later tandem's operation this one does not know): the
 * applier pauses the tables it feeds rather than guess. Constants are only ever added at the end: the change log
 * stores the ordinal.
 */
public enum Operation {
    INSERT, UPDATE, DELETE, READ, TRUNCATE, UNKNOWN;

    /** True when the change leaves the row present (it carries an after-image). */
    public boolean upserts() {
        return this == INSERT || this == UPDATE || this == READ;
    }
}
