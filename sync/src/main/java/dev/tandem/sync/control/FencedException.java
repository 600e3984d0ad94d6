package dev.tandem.sync.control;

/** Another applier owns the migration's applied position; this one must stop writing. */
public final class FencedException extends java.sql.SQLException {

    public FencedException(String message) {
        super(message, "TDM01");
    }
}
