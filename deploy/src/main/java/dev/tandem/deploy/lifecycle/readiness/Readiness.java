package dev.tandem.deploy.lifecycle.readiness;

import static dev.tandem.deploy.lifecycle.readiness.CheckResult.Status.WARN;

import dev.tandem.capture.SqlIdentifiers;
import dev.tandem.sync.mapping.CompiledTable;
import java.sql.Array;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.stream.Collectors;

/**
 * What an operator would otherwise check by hand before a cutover: legacy tables in the captured schemas that the
 * mapping leaves out (their writes stay on legacy), and legacy indexes without a counterpart on the new table (the
 * classic "the new schema is slow after cutover").
 */
public final class Readiness {

    private Readiness() {
    }

    /** What both checks warn about (nothing when the schemas are ready), as the cutover's readiness gate lists it. */
    public static List<CheckResult> warnings(Connection legacy, Connection newDb, List<CompiledTable> tables)
            throws SQLException {
        return of(legacy, newDb, tables).stream().filter(r -> r.status() != CheckResult.Status.PASS).toList();
    }

    /** Both checks; a clean result says so in one line each. */
    static List<CheckResult> of(Connection legacy, Connection newDb, List<CompiledTable> tables) throws SQLException {
        List<CheckResult> results = new ArrayList<>(unmappedTables(legacy, tables));
        results.addAll(missingIndexes(legacy, newDb, tables));
        return results;
    }

    /** Legacy tables in the captured schemas that no mapping reads, with the writes the statistics counted. */
    static List<CheckResult> unmappedTables(Connection legacy, List<CompiledTable> tables) throws SQLException {
        Set<String> mapped = tables.stream().flatMap(t -> t.sources().stream()).collect(Collectors.toSet());
        Set<String> schemas = mapped.stream().map(t -> SqlIdentifiers.parts(t)[0]).collect(Collectors.toSet());
        List<CheckResult> results = new ArrayList<>();
        try (PreparedStatement ps = legacy.prepareStatement("""
                SELECT c.relnamespace::regnamespace::text, c.relname,
                       coalesce(s.n_tup_ins + s.n_tup_upd + s.n_tup_del, 0), c.reltuples::bigint
                FROM pg_class c LEFT JOIN pg_stat_user_tables s ON s.relid = c.oid
                WHERE c.relkind IN ('r', 'p') AND NOT c.relispartition AND c.relnamespace::regnamespace::text = ANY (?)
                ORDER BY 1, 2""")) {
            ps.setArray(1, legacy.createArrayOf("text", schemas.stream().map(s -> s.replace("\"", "")).toArray()));
            try (ResultSet rs = ps.executeQuery()) {
                while (rs.next()) {
                    String table = SqlIdentifiers.canonical(SqlIdentifiers.qualified(rs.getString(1), rs.getString(2)));
                    if (!mapped.contains(table)) {
                        results.add(new CheckResult("unmapped table " + table, WARN, "in a captured schema but not in the "
                                + "mapping: " + rs.getLong(3) + " rows written since the statistics were reset"
                                + (rs.getLong(4) >= 0 ? ", about " + rs.getLong(4) + " rows" : "")
                                + "; its writes stay on legacy after a cutover",
                                "map it, or make sure nothing needs its writes on the new side"));
                    }
                }
            }
        }
        if (results.isEmpty()) {
            results.add(CheckResult.pass("unmapped tables", "every table in " + schemas + " is mapped"));
        }
        return results;
    }

    /**
     * Each legacy index (plain columns, no predicate) carried through the mapping's copied columns must lead some
     * index of the new table; a missing one is named with the {@code CREATE INDEX} that adds it.
     */
    static List<CheckResult> missingIndexes(Connection legacy, Connection newDb, List<CompiledTable> tables)
            throws SQLException {
        List<CheckResult> results = new ArrayList<>();
        int compared = 0;
        for (CompiledTable table : tables) {
            Map<String, String> carried = new HashMap<>(); // legacy column → new column that copies it
            for (String column : table.written().keySet()) {
                if (table.isCopy(column)) {
                    carried.put(table.reads().get(column).iterator().next(), column);
                }
            }
            List<List<String>> existing = new ArrayList<>();
            for (Index index : indexes(newDb, table.target())) {
                existing.add(index.columns());
            }
            for (Index index : indexes(legacy, table.source())) {
                if (!index.plain() || !carried.keySet().containsAll(index.columns())) {
                    continue; // an expression or partial index, or columns the mapping transforms: not comparable
                }
                compared++;
                List<String> wanted = index.columns().stream().map(carried::get).toList();
                boolean present = existing.stream().anyMatch(e -> e.size() >= wanted.size()
                        && e.subList(0, wanted.size()).equals(wanted));
                if (!present) {
                    String create = "CREATE " + (index.unique() ? "UNIQUE " : "") + "INDEX ON "
                            + SqlIdentifiers.quoteQualified(table.target()) + " ("
                            + wanted.stream().map(SqlIdentifiers::quote).collect(Collectors.joining(", ")) + ")";
                    results.add(new CheckResult("index " + table.target() + " " + wanted, WARN, "legacy " + table.source()
                            + " has " + index.name() + " on " + index.columns() + "; nothing on the new table leads with "
                            + wanted + ", so queries it served may scan after a cutover", create));
                }
            }
        }
        if (results.isEmpty()) {
            results.add(CheckResult.pass("indexes", compared + " legacy indexes over copied columns each have a "
                    + "counterpart on the new tables"));
        }
        return results;
    }

    private record Index(String name, boolean unique, boolean plain, List<String> columns) {
    }

    private static List<Index> indexes(Connection c, String table) throws SQLException {
        List<Index> indexes = new ArrayList<>();
        try (PreparedStatement ps = c.prepareStatement("""
                SELECT i.indexrelid::regclass::text, i.indisunique, i.indexprs IS NULL AND i.indpred IS NULL,
                       array(SELECT a.attname FROM unnest(i.indkey) WITH ORDINALITY k(attnum, n)
                             JOIN pg_attribute a ON a.attrelid = i.indrelid AND a.attnum = k.attnum ORDER BY k.n)
                FROM pg_index i WHERE i.indrelid = ?::regclass ORDER BY 1""")) {
            ps.setString(1, SqlIdentifiers.quoteQualified(table));
            try (ResultSet rs = ps.executeQuery()) {
                while (rs.next()) {
                    Array names = rs.getArray(4);
                    indexes.add(new Index(rs.getString(1), rs.getBoolean(2), rs.getBoolean(3),
                            List.copyOf(Arrays.asList((String[]) names.getArray()))));
                }
            }
        }
        return indexes;
    }
}
