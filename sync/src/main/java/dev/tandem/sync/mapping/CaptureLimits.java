package dev.tandem.sync.mapping;

import dev.tandem.capture.SqlIdentifiers;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;

/**
 * What logical decoding cannot carry out of the tables a mapping reads: an unlogged table's writes never reach the
 * WAL (the compiler refuses it), and a large-object column carries only the object's oid, never its contents
 * ({@code tandem check} warns).
 */
public final class CaptureLimits {

    private CaptureLimits() {
    }

    /** The unlogged relations among {@code table} and, for a partitioned table, its partitions (qualified names). */
    static List<String> unlogged(Connection db, String table) throws SQLException {
        List<String> unlogged = new ArrayList<>();
        try (PreparedStatement ps = db.prepareStatement("""
                SELECT n.nspname, c.relname
                FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
                WHERE c.relpersistence = 'u'
                  AND c.oid IN (SELECT to_regclass(?) UNION ALL SELECT relid FROM pg_partition_tree(to_regclass(?)))
                ORDER BY c.oid <> to_regclass(?), n.nspname, c.relname""")) {
            for (int i = 1; i <= 3; i++) {
                ps.setString(i, SqlIdentifiers.quoteQualified(table));
            }
            try (ResultSet rs = ps.executeQuery()) {
                while (rs.next()) {
                    unlogged.add(SqlIdentifiers.qualified(rs.getString(1), rs.getString(2)));
                }
            }
        }
        return unlogged;
    }

    /** The problem an unlogged relation is: what it means and the fix, for a mapping problem. */
    static String unloggedProblem(String relation) {
        return relation + " is UNLOGGED: its writes never reach the WAL, so logical decoding (and tandem) cannot see "
                + "them";
    }

    static String unloggedFix(String relation) {
        return "run ALTER TABLE " + SqlIdentifiers.quoteQualified(relation) + " SET LOGGED on the database it lives in "
                + "(it rewrites the table), then check again";
    }

    /**
     * The large-object columns ({@code oid}, the {@code lo} extension's type, or a domain over either) of the legacy
     * tables {@code spec} reads, as {@code schema.table.column (type)}: the sync carries the number, not the object in
     * {@code pg_largeobject}.
     */
    public static List<String> largeObjectColumns(Connection legacy, MappingSpec spec) throws SQLException {
        Set<String> tables = new LinkedHashSet<>();
        for (TableSpec t : spec.tables()) {
            tables.add(t.source());
            t.joins().forEach(j -> tables.add(j.source()));
        }
        List<String> columns = new ArrayList<>();
        try (PreparedStatement ps = legacy.prepareStatement("""
                SELECT a.attname, format_type(a.atttypid, a.atttypmod)
                FROM pg_attribute a
                JOIN pg_type ty ON ty.oid = a.atttypid
                LEFT JOIN pg_type base ON base.oid = ty.typbasetype
                WHERE a.attrelid = to_regclass(?) AND a.attnum > 0 AND NOT a.attisdropped
                  AND (ty.oid = 'oid'::regtype OR ty.typname = 'lo' OR base.oid = 'oid'::regtype OR base.typname = 'lo')
                ORDER BY a.attnum""")) {
            for (String table : tables) {
                ps.setString(1, SqlIdentifiers.quoteQualified(table));
                try (ResultSet rs = ps.executeQuery()) {
                    while (rs.next()) {
                        columns.add(table + "." + rs.getString(1) + " (" + rs.getString(2) + ")");
                    }
                }
            }
        }
        return columns;
    }
}
