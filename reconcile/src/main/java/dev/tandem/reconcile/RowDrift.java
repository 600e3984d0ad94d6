package dev.tandem.reconcile;

import java.util.List;

/**
 * One row on which the two sides disagree.
 *
 * @param table     the target table
 * @param kind      missing in the target, extra in the target, or different values
 * @param sourceKey source key values as PostgreSQL text, in {@code sourceKey()} order (empty when unknown: an extra
 *                  target row of a table whose key is computed)
 * @param targetKey target key values as PostgreSQL text, in {@code targetKey()} order
 * @param columns   the target columns whose values differ (only for {@link Kind#DIFFERENT}, may be empty when the
 *                  sample cap was reached)
 */
public record RowDrift(String table, Kind kind, List<String> sourceKey, List<String> targetKey, List<String> columns) {

    /** How a row differs. */
    public enum Kind {
        /** the source row (passing the filter) has no target row */
        MISSING,
        /** the target row has no source row passing the filter */
        EXTRA,
        /** both exist with different values */
        DIFFERENT
    }

    public RowDrift {
        sourceKey = List.copyOf(sourceKey);
        targetKey = List.copyOf(targetKey);
        columns = List.copyOf(columns);
    }
}
