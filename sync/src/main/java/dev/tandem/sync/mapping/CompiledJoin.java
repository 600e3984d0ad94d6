package dev.tandem.sync.mapping;

import java.util.LinkedHashMap;
import java.util.List;

/**
 * A merged legacy table checked against the catalogs: its columns as the new database types them
 * and how its key maps onto the main table's key, so a change to it names the target row to recompute.
 *
 * @param spec          the join as written
 * @param sourceColumns every column of the joined table, typed as the new database sees it
 * @param sourceKey     its primary key columns
 * @param mainKeyOf     each of its key columns → the main table's key column it equals
 */
public record CompiledJoin(JoinSpec spec, List<SourceColumn> sourceColumns, List<String> sourceKey,
                           LinkedHashMap<String, String> mainKeyOf) {

    public CompiledJoin {
        sourceColumns = List.copyOf(sourceColumns);
        sourceKey = List.copyOf(sourceKey);
        mainKeyOf = new LinkedHashMap<>(mainKeyOf);
    }

    public String source() {
        return spec.source();
    }

    public String alias() {
        return spec.alias();
    }
}
