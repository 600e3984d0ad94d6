package dev.tandem.sync.control;

/** Another applier owns the migration's applied position; this one must stop writing. */
public final class PositionTakenException extends java.sql.SQLException {

    public PositionTakenException(String message) {
        super(message, "TDM01");
    }
}
