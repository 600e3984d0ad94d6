package dev.tandem.sync.mapping;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Objects;

/**
 * One target table of a mapping file, as written: a projection in PostgreSQL expressions over the
 * source row (named by {@code alias}) and the rows of any tables merged in by key.
 *
 * @param target   qualified target table
 * @param source   qualified source table
 * @param alias    the name expressions use for the source row ({@code c} in {@code c.first_name})
 * @param key      target key column → expression over the source key columns only; empty: the source
 *                 primary key, copied under the same (or renamed) column names
 * @param columns  target column → expression, written on insert and on every update
 * @param defaults target column → expression written only when the row is inserted
 * @param filter   which source rows are migrated (null: all); a row that stops matching is deleted from the target
 * @param copySameNamed also copy every source column that has a same-named target column not mapped otherwise
 * @param reverse  how a new-schema row maps back for rollback (null when not given)
 * @param where    where each part was written, for error messages
 * @param joins    further legacy tables merged in by key (empty: a projection of {@code source} alone)
 */
public record TableSpec(String target, String source, String alias, LinkedHashMap<String, String> key,
                        LinkedHashMap<String, String> columns, LinkedHashMap<String, String> defaults, String filter,
                        boolean copySameNamed, ReverseSpec reverse, SpecSource where, List<JoinSpec> joins) {

    /** A projection of one legacy table. */
    public TableSpec(String target, String source, String alias, LinkedHashMap<String, String> key,
                     LinkedHashMap<String, String> columns, LinkedHashMap<String, String> defaults, String filter,
                     boolean copySameNamed, ReverseSpec reverse, SpecSource where) {
        this(target, source, alias, key, columns, defaults, filter, copySameNamed, reverse, where, List.of());
    }

    public TableSpec {
        Objects.requireNonNull(target, "target");
        Objects.requireNonNull(source, "source");
        Objects.requireNonNull(alias, "alias");
        key = new LinkedHashMap<>(key);
        columns = new LinkedHashMap<>(columns);
        defaults = defaults == null ? new LinkedHashMap<>() : new LinkedHashMap<>(defaults);
        where = where == null ? SpecSource.UNKNOWN : where;
        joins = joins == null ? List.of() : List.copyOf(joins);
    }

    /** Every target column the mapping writes, key first. */
    public LinkedHashMap<String, String> written() {
        LinkedHashMap<String, String> all = new LinkedHashMap<>(key);
        all.putAll(columns);
        return all;
    }
}
