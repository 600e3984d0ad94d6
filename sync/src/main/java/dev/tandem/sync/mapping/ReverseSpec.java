package dev.tandem.sync.mapping;

import java.util.LinkedHashMap;
import java.util.List;

/**
 * How rows of a target table map back to a legacy table for rollback: legacy column →
 * expression over the new row (named by {@code alias}).
 *
 * @param filter which new rows have a row in {@code target} (null: all); the reverse sync deletes the legacy row of a
 *               new row that stops matching
 * @param joins  for a merged table, how the new row maps back into each joined legacy table (same alias)
 */
public record ReverseSpec(String target, String alias, LinkedHashMap<String, String> columns, String filter,
                          List<ReverseSpec> joins) {

    public ReverseSpec {
        columns = new LinkedHashMap<>(columns);
        joins = joins == null ? List.of() : List.copyOf(joins);
    }
}
