package dev.tandem.sync.apply;

/**
 * A change that cannot be applied to its target table as the mapping stands: the legacy table
 * changed shape (DDL), or a computed column needs a TOAST value PostgreSQL did not send. The
 * table is paused; the message names the fix.
 */
final class UnappliableChangeException extends IllegalStateException {

    UnappliableChangeException(String message) {
        super(message);
    }
}
