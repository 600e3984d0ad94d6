package dev.tandem.deploy.lifecycle;

import java.sql.SQLException;

/** Returns a migration to its safe side when the process running its switch died in the write block. */
@FunctionalInterface
public interface OrphanRecovery {

    /** True when a switch was orphaned (no live session holds its operation lock) and has been undone. */
    boolean recoverIfOrphaned() throws SQLException;
}
