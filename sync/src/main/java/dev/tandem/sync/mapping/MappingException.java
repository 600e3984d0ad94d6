package dev.tandem.sync.mapping;

/** A mapping that does not fit the databases; the message names the table, the column and the fix. */
public final class MappingException extends IllegalArgumentException {

    public MappingException(String message) {
        super(message);
    }
}
