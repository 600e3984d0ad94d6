package dev.tandem.sync.mapping;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;

/**
 * How one source table lands in one target table in the first, 1:1 version of sync: every source
 * column is copied, optionally under a new name.
 *
 * @param source  qualified source table ({@code schema.table})
 * @param target  qualified target table
 * @param renames source column → target column, for the columns whose name changes
 */
public record TableMapping(String source, String target, Map<String, String> renames) {

    public TableMapping {
        Objects.requireNonNull(source, "source");
        Objects.requireNonNull(target, "target");
        renames = renames == null ? Map.of() : Map.copyOf(renames);
    }

    public static TableMapping identity(String source, String target) {
        return new TableMapping(source, target, Map.of());
    }

    /** The target name of a source column. */
    public String targetColumn(String sourceColumn) {
        return renames.getOrDefault(sourceColumn, sourceColumn);
    }

    /** Source column → target column for all of {@code sourceColumns}, in their order. */
    public LinkedHashMap<String, String> columnMap(List<String> sourceColumns) {
        LinkedHashMap<String, String> map = new LinkedHashMap<>();
        for (String column : sourceColumns) {
            map.put(column, targetColumn(column));
        }
        return map;
    }
}
