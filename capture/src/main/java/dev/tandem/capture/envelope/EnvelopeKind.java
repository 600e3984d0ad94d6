package dev.tandem.capture.envelope;

/**
 * Whether an envelope opens a source transaction, carries one row change, carries a fence (a marker
 * tandem wrote into the source's WAL to prove how far the sync has applied), or closes the transaction.
 */
public enum EnvelopeKind {
    BEGIN, CHANGE, FENCE, COMMIT
}
