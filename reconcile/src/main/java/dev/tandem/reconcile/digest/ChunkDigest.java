package dev.tandem.reconcile.digest;

/**
 * Row count and order-independent content digest of one side of a key range: the sum of
 * {@code hashtextextended(row_text, 0)} over the rows in the target's shape.
 */
public record ChunkDigest(long rows, String sum) {
}
