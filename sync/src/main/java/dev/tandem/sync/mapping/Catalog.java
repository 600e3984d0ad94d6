package dev.tandem.sync.mapping;

import dev.tandem.capture.SqlIdentifiers;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;

/** Reads what tandem needs to know about tables from one database's catalog. */
final class Catalog {

    private final Connection connection;

    Catalog(Connection connection) {
        this.connection = connection;
    }

    Connection connection() {
        return connection;
    }

    /** Column → type as {@code format_type} prints it, in column order; empty when the table does not exist. */
    LinkedHashMap<String, String> columnTypes(String table) throws SQLException {
        LinkedHashMap<String, String> types = new LinkedHashMap<>();
        try (PreparedStatement ps = connection.prepareStatement("""
                SELECT a.attname, format_type(a.atttypid, a.atttypmod)
                FROM pg_attribute a
                WHERE a.attrelid = to_regclass(?) AND a.attnum > 0 AND NOT a.attisdropped
                ORDER BY a.attnum""")) {
            ps.setString(1, SqlIdentifiers.quoteQualified(table));
            try (ResultSet rs = ps.executeQuery()) {
                while (rs.next()) {
                    types.put(rs.getString(1), rs.getString(2));
                }
            }
        }
        return types;
    }

    /** The primary key's columns in key order, or else those of the replica identity index; empty if neither. */
    List<String> keyColumns(String table) throws SQLException {
        List<String> key = new ArrayList<>();
        try (PreparedStatement ps = connection.prepareStatement("""
                SELECT a.attname
                FROM pg_index i
                JOIN LATERAL unnest(i.indkey) WITH ORDINALITY AS k(attnum, ord) ON true
                JOIN pg_attribute a ON a.attrelid = i.indrelid AND a.attnum = k.attnum
                WHERE i.indrelid = to_regclass(?)
                  AND i.indexrelid = (SELECT i2.indexrelid FROM pg_index i2 WHERE i2.indrelid = i.indrelid
                                      ORDER BY i2.indisprimary DESC, i2.indisreplident DESC LIMIT 1)
                  AND (i.indisprimary OR i.indisreplident)
                ORDER BY k.ord""")) {
            ps.setString(1, SqlIdentifiers.quoteQualified(table));
            try (ResultSet rs = ps.executeQuery()) {
                while (rs.next()) {
                    key.add(rs.getString(1));
                }
            }
        }
        return key;
    }

    /** True when an insert may leave {@code column} out: it has a default, is nullable, identity or generated. */
    boolean mayBeOmitted(String table, String column) throws SQLException {
        try (PreparedStatement ps = connection.prepareStatement("""
                SELECT a.atthasdef OR NOT a.attnotnull OR a.attidentity <> '' OR a.attgenerated <> ''
                FROM pg_attribute a WHERE a.attrelid = to_regclass(?) AND a.attname = ?""")) {
            ps.setString(1, SqlIdentifiers.quoteQualified(table));
            ps.setString(2, column);
            try (ResultSet rs = ps.executeQuery()) {
                return rs.next() && rs.getBoolean(1);
            }
        }
    }

    /** True when this database knows a type of that name ({@code legacy.status_t} may exist only on one side). */
    boolean hasType(String type) throws SQLException {
        try (PreparedStatement ps = connection.prepareStatement("SELECT to_regtype(?) IS NOT NULL")) {
            ps.setString(1, type);
            try (ResultSet rs = ps.executeQuery()) {
                return rs.next() && rs.getBoolean(1);
            }
        }
    }
}
