package dev.tandem.reconcile.digest;

/**
 * Row count and order-independent content digest of one side of a key range: the sum of the row hashes
 * ({@link TableShape#rowHash}) over the rows in the target's shape.
 */
public record ChunkDigest(long rows, String sum) {
}
