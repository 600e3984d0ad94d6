package dev.tandem.capture.envelope;

/**
 * What a change did: to one row ({@code READ} is a row copied by a snapshot rather than changed), or, for
 * {@code TRUNCATE}, to every row of its table at once (the change carries no key and no image). Constants are only
 * ever added at the end: the change log stores the ordinal.
 */
public enum Operation {
    INSERT, UPDATE, DELETE, READ, TRUNCATE;

    /** True when the change leaves the row present (it carries an after-image). */
    public boolean upserts() {
        return this == INSERT || this == UPDATE || this == READ;
    }
}
