package dev.tandem.sync.mapping;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * One target table's projection checked against both catalogs and ready to render SQL: the
 * source columns with the types they are cast to, the key, the expressions and what each reads.
 *
 * @param spec          the table entry as written
 * @param sourceColumns every source column in table order, typed as the target database sees it
 * @param sourceKey     the source key columns
 * @param key           target key column → expression (reads only {@code sourceKey})
 * @param columns       target column → expression, written on insert and update
 * @param defaults      target column → expression, written on insert only
 * @param targetTypes   target column → type, for every written column
 * @param reads         target column (and {@code "(filter)"}) → source columns its expression reads
 * @param joins         legacy tables merged in by key (empty for a projection of one table)
 */
public record CompiledTable(TableSpec spec, List<SourceColumn> sourceColumns, List<String> sourceKey,
                            LinkedHashMap<String, String> key, LinkedHashMap<String, String> columns,
                            LinkedHashMap<String, String> defaults, Map<String, String> targetTypes,
                            Map<String, Set<String>> reads, List<CompiledJoin> joins) {

    public CompiledTable {
        joins = joins == null ? List.of() : List.copyOf(joins);
    }

    /** A projection of one legacy table. */
    public CompiledTable(TableSpec spec, List<SourceColumn> sourceColumns, List<String> sourceKey,
                         LinkedHashMap<String, String> key, LinkedHashMap<String, String> columns,
                         LinkedHashMap<String, String> defaults, Map<String, String> targetTypes,
                         Map<String, Set<String>> reads) {
        this(spec, sourceColumns, sourceKey, key, columns, defaults, targetTypes, reads, List.of());
    }

    /** True when further legacy tables are merged in: such a table is computed from join state, not one row. */
    public boolean merged() {
        return !joins.isEmpty();
    }

    /** Every legacy table the target is computed from, the main one first. */
    public List<String> sources() {
        List<String> all = new ArrayList<>();
        all.add(source());
        joins.forEach(j -> all.add(j.source()));
        return all;
    }

    public static final String FILTER = "(filter)";

    public String source() {
        return spec.source();
    }

    public String target() {
        return spec.target();
    }

    public String alias() {
        return spec.alias();
    }

    public String filter() {
        return spec.filter();
    }

    public List<String> targetKey() {
        return List.copyOf(key.keySet());
    }

    /** Key and updated columns, in the order the upsert writes them. */
    public LinkedHashMap<String, String> written() {
        LinkedHashMap<String, String> all = new LinkedHashMap<>(key);
        all.putAll(columns);
        return all;
    }

    /**
     * Target columns that cannot be computed when the given source columns are missing (unchanged
     * TOAST values PostgreSQL did not send).
     */
    public Set<String> affectedBy(Set<String> missingSourceColumns) {
        Set<String> affected = new LinkedHashSet<>();
        reads.forEach((column, sources) -> {
            if (sources.stream().anyMatch(missingSourceColumns::contains)) {
                affected.add(column);
            }
        });
        return affected;
    }

    /** True when {@code column}'s expression only copies one source column. */
    public boolean isCopy(String column) {
        String expression = written().get(column);
        Set<String> sources = reads.getOrDefault(column, Set.of());
        if (expression == null || sources.size() != 1) {
            return false;
        }
        String source = sources.iterator().next();
        String normalized = expression.replace(" ", "").replace("\"", "").toLowerCase();
        return normalized.equals(alias().toLowerCase() + "." + source.toLowerCase()) || normalized.equals(source.toLowerCase());
    }
}
