package dev.tandem.sync.backfill;

import java.util.List;

/**
 * One key range of one target table's source rows: {@code lower <= key < upper} compared as a row
 * value, where a null bound is open. Bounds hold the key columns' text forms.
 *
 * @param targetTable   the target table the rows are copied into
 * @param number        position in the table's plan, from 0
 * @param lower         inclusive lower bound, or null for the first chunk
 * @param upper         exclusive upper bound, or null for the last chunk
 * @param estimatedRows rows the planner expects in the range
 */
public record Chunk(String targetTable, int number, List<String> lower, List<String> upper, long estimatedRows) {

    public Chunk {
        lower = lower == null ? null : List.copyOf(lower);
        upper = upper == null ? null : List.copyOf(upper);
    }

    @Override
    public String toString() {
        return targetTable + " chunk " + number + " [" + (lower == null ? "-∞" : lower) + ", "
                + (upper == null ? "+∞" : upper) + ")";
    }
}
