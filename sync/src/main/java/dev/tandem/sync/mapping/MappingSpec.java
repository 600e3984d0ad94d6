package dev.tandem.sync.mapping;

import java.util.List;
import java.util.stream.Stream;

/** A whole mapping: the target tables of one migration, each a projection of source tables. */
public record MappingSpec(String file, List<TableSpec> tables) {

    public MappingSpec {
        tables = List.copyOf(tables);
    }

    /** The distinct source tables, in the order they first appear: what capture follows. */
    public List<String> sourceTables() {
        return tables.stream().flatMap(t -> Stream.concat(Stream.of(t.source()),
                t.joins().stream().map(JoinSpec::source))).distinct().toList();
    }

    /** A mapping of 1:1 tables with column renames, built in code. */
    public static MappingSpec of(List<TableMapping> renames) {
        return new MappingSpec("<code>", renames.stream().map(TableMapping::toSpec).toList());
    }
}
