package dev.tandem.reconcile;

import dev.tandem.capture.PgDatabase;
import dev.tandem.sync.fence.SyncFence;
import java.time.Duration;

/**
 * A reconciler in a process of its own for {@link SharedPassIT}: joins the shared pass of migration {@code duo} and
 * announces each chunk it claims on stdout, then holds it for a while (a slow instance) so the test can kill the
 * process with the claim held. Arguments: PostgreSQL port, legacy database, new database, instance name.
 */
public final class SharedPassChild {

    /** How long the child holds each claimed chunk before verifying it: the window in which the test kills it. */
    static final Duration HOLD = Duration.ofSeconds(3);

    private SharedPassChild() {
    }

    public static void main(String[] args) throws Exception {
        int port = Integer.parseInt(args[0]);
        PgDatabase legacy = new PgDatabase("127.0.0.1", port, args[1], "postgres", "");
        PgDatabase target = new PgDatabase("127.0.0.1", port, args[2], "postgres", "");
        new Reconciler("duo", legacy, target, ReconcileFixture.compile(SharedPassIT.MAPPING, legacy, target), SharedPassIT.settings(1),
                SyncFence.NONE).identifiedAs(args[3]).listeningTo(new PassListener() {
                    @Override
                    public void chunkClaimed(String table, int chunkNo) {
                        System.out.println("claimed " + chunkNo);
                        System.out.flush();
                        try {
                            Thread.sleep(HOLD.toMillis()); // simulates a slow chunk, not a wait for a condition
                        } catch (InterruptedException e) {
                            Thread.currentThread().interrupt();
                        }
                    }
                }).verifyPass();
    }
}
