package dev.tandem.reconcile.repair;

import java.util.List;

/**
 * One change a repair makes (or, in a dry run, would make) to the target.
 *
 * @param table     the target table
 * @param action    {@code upsert} (write the source row's projection), {@code delete} (the source row is gone),
 *                  {@code delete-filtered} (the source row no longer passes the filter; the upsert deletes it), or {@code delete-by-target-key} (an extra row of a computed-key table)
 * @param sourceKey source key values (empty for {@code delete-by-target-key})
 * @param targetKey target key values
 */
public record RepairAction(String table, String action, List<String> sourceKey, List<String> targetKey) {
}
