package dev.tandem.reconcile.full;

/**
 * Row count and content digest of one side of a mapped table.
 *
 * @param rows   number of rows
 * @param digest md5 over the rows' text in key order (empty for an empty table)
 */
public record TableDigest(long rows, String digest) {
}
