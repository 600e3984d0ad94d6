package dev.tandem.sync.mapping;

import java.util.LinkedHashMap;
import java.util.List;

/**
 * A table mapping checked against both catalogs: the source columns in order with their target
 * names and target types, and the key.
 *
 * @param mapping     the declared mapping
 * @param columns     source column → target column, in source column order
 * @param targetTypes target column → its SQL type as {@code format_type} prints it
 * @param sourceKey   source primary-key columns, in key order
 */
public record ResolvedTable(TableMapping mapping, LinkedHashMap<String, String> columns,
                            LinkedHashMap<String, String> targetTypes, List<String> sourceKey) {

    public String source() {
        return mapping.source();
    }

    public String target() {
        return mapping.target();
    }

    public List<String> targetKey() {
        return sourceKey.stream().map(columns::get).toList();
    }
}
