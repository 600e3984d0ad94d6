package dev.tandem.reconcile.store;

import dev.tandem.reconcile.chunk.VerifyRange;

/**
 * A chunk planned in a pass, and whether it has been verified (with its row counts, digests, drifted and unsettled row
 * counts when it has, and the change-log offset the sync had applied when its verification started, when known).
 */
public record ChunkRecord(int chunkNo, VerifyRange range, boolean done, long sourceRows, long targetRows, String sourceDigest,
                          String targetDigest, int driftedRows, int unsettledRows, Long changeOffset) {

    /** A record without unsettled rows or change-log offset. */
    public ChunkRecord(int chunkNo, VerifyRange range, boolean done, long sourceRows, long targetRows, String sourceDigest,
                       String targetDigest, int driftedRows) {
        this(chunkNo, range, done, sourceRows, targetRows, sourceDigest, targetDigest, driftedRows, 0, null);
    }
}
