package dev.tandem.reconcile.store;

import dev.tandem.reconcile.chunk.KeyRange;

/** A chunk planned in a pass, and whether it has been verified (with its row counts and digests when it has). */
public record ChunkRecord(int chunkNo, KeyRange range, boolean done, long sourceRows, long targetRows, String sourceDigest,
                          String targetDigest, int driftedRows) {
}
