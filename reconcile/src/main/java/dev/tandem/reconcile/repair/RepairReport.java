package dev.tandem.reconcile.repair;

import dev.tandem.reconcile.RowDrift;
import java.util.List;

/**
 * What a repair of one table did.
 *
 * @param table     the target table
 * @param dryRun    whether nothing was written
 * @param actions   the changes made (or that would be made)
 * @param fenceLsn  the source position applied before the rows were written (null in a dry run)
 * @param remaining rows that still differ when re-verified afterwards (empty when the repair worked)
 */
public record RepairReport(String table, boolean dryRun, List<RepairAction> actions, String fenceLsn, List<RowDrift> remaining) {

    public RepairReport {
        actions = List.copyOf(actions);
        remaining = List.copyOf(remaining);
    }
}
