package dev.tandem.sync.mapping;

import java.util.List;

/** A whole mapping: the target tables of one migration, each a projection of a source table. */
public record MappingSpec(String file, List<TableSpec> tables) {

    public MappingSpec {
        tables = List.copyOf(tables);
    }

    /** The distinct source tables, in the order they first appear: what capture follows. */
    public List<String> sourceTables() {
        return tables.stream().map(TableSpec::source).distinct().toList();
    }

    /** A mapping of 1:1 tables with column renames, built in code. */
    public static MappingSpec of(List<TableMapping> renames) {
        return new MappingSpec("<code>", renames.stream().map(TableMapping::toSpec).toList());
    }
}
