package dev.tandem.deploy.bench;

import dev.tandem.capture.PgDatabase;
import java.time.Duration;

/**
 * One way of carrying {@code legacy.item} from a source database to a target database: tandem, or
 * PostgreSQL's own logical replication. Created with empty tables; {@link #close()} removes it all.
 */
interface Replication extends AutoCloseable {

    /** {@code tandem} or {@code native}. */
    String name();

    /** The database the workload writes to. */
    PgDatabase source();

    /** The database the changes arrive in. */
    PgDatabase target();

    /** The qualified table the changes arrive in. */
    String targetTable();

    /** The key column of {@link #targetTable()}. */
    String targetKey();

    /**
     * Waits until everything committed on the source before the call is applied, once the last row written is
     * visible: nothing more for an ordered replication, a fence through every partition for per-key ordering.
     */
    default void awaitApplied(Duration timeout) throws Exception {
    }

    /** Starts replicating; returns once changes committed from now on will arrive. */
    void start() throws Exception;

    /** Why replication stopped, or null while it runs. */
    Throwable failure();

    /** Stops replicating and drops both databases and everything it created for them. */
    @Override
    void close() throws Exception;
}
