package dev.tandem.sync.mapping;

import java.util.LinkedHashMap;

/**
 * How rows of a target table map back to the legacy table for rollback: legacy column →
 * expression over the new row (named by {@code alias}).
 */
public record ReverseSpec(String target, String alias, LinkedHashMap<String, String> columns) {

    public ReverseSpec {
        columns = new LinkedHashMap<>(columns);
    }
}
