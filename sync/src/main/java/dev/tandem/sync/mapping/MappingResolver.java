package dev.tandem.sync.mapping;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;

/**
 * Checks table mappings against the source and target catalogs before anything starts, and
 * fails with the table, column and fix when they do not fit together.
 */
public final class MappingResolver {

    private MappingResolver() {
    }

    public static List<ResolvedTable> resolve(List<TableMapping> mappings, Connection source, Connection target)
            throws SQLException {
        List<ResolvedTable> resolved = new ArrayList<>();
        for (TableMapping mapping : mappings) {
            resolved.add(resolve(mapping, source, target));
        }
        return resolved;
    }

    static ResolvedTable resolve(TableMapping mapping, Connection source, Connection target) throws SQLException {
        LinkedHashMap<String, String> sourceTypes = columnTypes(source, mapping.source());
        if (sourceTypes.isEmpty()) {
            throw new MappingException(mapping.source() + ": no such table in the legacy database; fix the 'from' table name");
        }
        LinkedHashMap<String, String> targetTypes = columnTypes(target, mapping.target());
        if (targetTypes.isEmpty()) {
            throw new MappingException(mapping.target() + ": no such table in the new database; create it before starting");
        }
        for (String renamed : mapping.renames().keySet()) {
            if (!sourceTypes.containsKey(renamed)) {
                throw new MappingException(mapping.source() + "." + renamed + ": rename of a column the table does not have; "
                        + "columns are " + sourceTypes.keySet());
            }
        }
        LinkedHashMap<String, String> columns = mapping.columnMap(new ArrayList<>(sourceTypes.keySet()));
        for (var e : columns.entrySet()) {
            if (!targetTypes.containsKey(e.getValue())) {
                throw new MappingException(mapping.target() + "." + e.getValue() + ": target column missing for source column "
                        + mapping.source() + "." + e.getKey() + "; add the column or rename it to one of " + targetTypes.keySet());
            }
        }
        List<String> unmapped = targetTypes.keySet().stream().filter(t -> !columns.containsValue(t)).toList();
        for (String column : unmapped) {
            if (!hasDefaultOrNullable(target, mapping.target(), column)) {
                throw new MappingException(mapping.target() + "." + column + ": NOT NULL column without default is not fed by "
                        + mapping.source() + "; map a source column to it or give it a default");
            }
        }
        List<String> key = primaryKey(source, mapping.source());
        if (key.isEmpty()) {
            throw new MappingException(mapping.source() + ": has no primary key, so changes cannot be matched to target rows; "
                    + "add a primary key to the legacy table");
        }
        LinkedHashMap<String, String> mappedTypes = new LinkedHashMap<>();
        columns.values().forEach(t -> mappedTypes.put(t, targetTypes.get(t)));
        List<String> targetKey = key.stream().map(columns::get).toList();
        if (!primaryKey(target, mapping.target()).equals(targetKey)) {
            throw new MappingException(mapping.target() + ": primary key " + primaryKey(target, mapping.target())
                    + " differs from the mapped source key " + targetKey + "; make the target's primary key " + targetKey);
        }
        return new ResolvedTable(mapping, columns, mappedTypes, key);
    }

    private static LinkedHashMap<String, String> columnTypes(Connection c, String table) throws SQLException {
        LinkedHashMap<String, String> types = new LinkedHashMap<>();
        try (PreparedStatement ps = c.prepareStatement("""
                SELECT a.attname, format_type(a.atttypid, a.atttypmod)
                FROM pg_attribute a
                WHERE a.attrelid = to_regclass(?) AND a.attnum > 0 AND NOT a.attisdropped
                ORDER BY a.attnum""")) {
            ps.setString(1, qualifiedForRegclass(table));
            try (ResultSet rs = ps.executeQuery()) {
                while (rs.next()) {
                    types.put(rs.getString(1), rs.getString(2));
                }
            }
        }
        return types;
    }

    private static boolean hasDefaultOrNullable(Connection c, String table, String column) throws SQLException {
        try (PreparedStatement ps = c.prepareStatement("""
                SELECT a.atthasdef OR NOT a.attnotnull OR a.attidentity <> '' OR a.attgenerated <> ''
                FROM pg_attribute a WHERE a.attrelid = to_regclass(?) AND a.attname = ?""")) {
            ps.setString(1, qualifiedForRegclass(table));
            ps.setString(2, column);
            try (ResultSet rs = ps.executeQuery()) {
                return rs.next() && rs.getBoolean(1);
            }
        }
    }

    static List<String> primaryKey(Connection c, String table) throws SQLException {
        List<String> key = new ArrayList<>();
        try (PreparedStatement ps = c.prepareStatement("""
                SELECT a.attname
                FROM pg_index i
                JOIN LATERAL unnest(i.indkey) WITH ORDINALITY AS k(attnum, ord) ON true
                JOIN pg_attribute a ON a.attrelid = i.indrelid AND a.attnum = k.attnum
                WHERE i.indrelid = to_regclass(?) AND i.indisprimary
                ORDER BY k.ord""")) {
            ps.setString(1, qualifiedForRegclass(table));
            try (ResultSet rs = ps.executeQuery()) {
                while (rs.next()) {
                    key.add(rs.getString(1));
                }
            }
        }
        return key;
    }

    private static String qualifiedForRegclass(String table) {
        return dev.tandem.capture.SqlIdentifiers.quoteQualified(table);
    }
}
