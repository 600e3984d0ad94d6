package dev.tandem.capture.envelope;

/** Whether an envelope opens a source transaction, carries one row change, or closes the transaction. */
public enum EnvelopeKind {
    BEGIN, CHANGE, COMMIT
}
