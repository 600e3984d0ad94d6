package dev.tandem.reconcile.chunk;

import dev.tandem.reconcile.store.ChunkClaims;
import dev.tandem.reconcile.store.SharedPlan;
import java.sql.SQLException;
import java.util.Optional;

/**
 * Hands one table's chunks of a pass to the workers of every instance sharing it: a worker claims the first free
 * chunk in plan order (changed chunks first when the pass was planned that way); when none is free it plans the next
 * range itself; when everything is planned and the rest is held by others it waits on those claims, and takes a chunk
 * over when its holder dies. Empty once every chunk is verified, whoever verified it.
 */
public final class ChunkQueue {

    private final VerifyPlanner planner;
    private final SharedPlan plan;

    public ChunkQueue(VerifyPlanner planner, SharedPlan plan) {
        this.planner = planner;
        this.plan = plan;
    }

    public Optional<ChunkClaims.Claim> next(ChunkClaims claims) throws SQLException, InterruptedException {
        while (true) {
            if (Thread.currentThread().isInterrupted()) {
                throw new InterruptedException("reconciler stopped while claiming a chunk");
            }
            Optional<ChunkClaims.Claim> free = claims.claimFree();
            if (free.isPresent()) {
                return free;
            }
            SharedPlan.Cursor cursor = plan.cursor();
            if (!cursor.complete()) {
                // losing the number to another instance is fine: the cursor is read again and the chunk it added is claimed
                plan.add(cursor.nextNumber(), planner.rangeAfter(cursor.lower()));
                continue;
            }
            if (cursor.open() == 0) {
                return Optional.empty();
            }
            Optional<ChunkClaims.Claim> takenOver = claims.claimHeld();
            if (takenOver.isPresent()) {
                return takenOver;
            }
        }
    }
}
