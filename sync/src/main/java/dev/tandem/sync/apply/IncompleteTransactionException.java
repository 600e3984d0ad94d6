package dev.tandem.sync.apply;

/** The change log closed a transaction without holding all of its changes; applying it would lose data. */
public final class IncompleteTransactionException extends IllegalStateException {

    public IncompleteTransactionException(String message) {
        super(message);
    }
}
