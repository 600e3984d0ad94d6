package dev.tandem.capture.replication;

import java.sql.Connection;
import java.sql.SQLException;

/**
 * A replication slot just created together with a snapshot of the data it starts after; the
 * snapshot stays importable ({@code SET TRANSACTION SNAPSHOT}) until this handle is closed.
 */
public final class ExportedSnapshot implements AutoCloseable {

    private final Connection replicationConnection;
    private final String snapshotName;
    private final String consistentPoint;

    ExportedSnapshot(Connection replicationConnection, String snapshotName, String consistentPoint) {
        this.replicationConnection = replicationConnection;
        this.snapshotName = snapshotName;
        this.consistentPoint = consistentPoint;
    }

    /** The name to pass to {@code SET TRANSACTION SNAPSHOT} in a REPEATABLE READ transaction. */
    public String snapshotName() {
        return snapshotName;
    }

    /** The LSN the slot's stream starts after: everything before it is in the snapshot. */
    public String consistentPoint() {
        return consistentPoint;
    }

    /** Ends the snapshot's lifetime; the slot stays. */
    @Override
    public void close() throws SQLException {
        replicationConnection.close();
    }
}
