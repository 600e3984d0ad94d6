package dev.tandem.capture.replication;

import dev.tandem.capture.SqlIdentifiers;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.Collection;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;

/**
 * The partitions of the captured partitioned tables, read from the source's catalog: attaching or detaching one
 * moves rows into or out of its root without any change the capture could see.
 */
public final class PartitionTree {

    private PartitionTree() {
    }

    /**
     * Partitioned table → its leaf partitions, for each of {@code tables} that is partitioned (with an empty set when
     * it has no partition yet: attaching its first one must be seen too).
     */
    public static Map<String, Set<String>> leaves(Connection source, Collection<String> tables) throws SQLException {
        Map<String, Set<String>> leaves = new TreeMap<>();
        try (PreparedStatement ps = source.prepareStatement("""
                SELECT r.name, n.nspname, k.relname
                FROM unnest(?::text[]) AS r(name)
                JOIN pg_class p ON p.oid = to_regclass(r.name) AND p.relkind = 'p'
                LEFT JOIN LATERAL pg_partition_tree(p.oid) t ON t.isleaf
                LEFT JOIN pg_class k ON k.oid = t.relid LEFT JOIN pg_namespace n ON n.oid = k.relnamespace""")) {
            ps.setArray(1, source.createArrayOf("text", tables.stream().map(SqlIdentifiers::quoteQualified).toArray()));
            try (ResultSet rs = ps.executeQuery()) {
                while (rs.next()) {
                    Set<String> partitions = leaves.computeIfAbsent(SqlIdentifiers.canonical(rs.getString(1)),
                            r -> new TreeSet<>());
                    if (rs.getString(3) != null) {
                        partitions.add(SqlIdentifiers.qualified(rs.getString(2), rs.getString(3)));
                    }
                }
            }
        }
        return leaves;
    }

    /**
     * Rows of {@code partition} written before it became a partition (their xmin is older than its link to its
     * parent): an attach brought them in without a captured insert. A partition created as one, or attached empty,
     * has none.
     */
    public static long rowsOlderThanAttach(Connection source, String partition) throws SQLException {
        String table = SqlIdentifiers.quoteQualified(partition);
        try (PreparedStatement ps = source.prepareStatement("SELECT count(*) FROM " + table + " t WHERE age(t.xmin) > "
                + "(SELECT age(i.xmin) FROM pg_inherits i WHERE i.inhrelid = ?::regclass)")) {
            ps.setString(1, table);
            try (ResultSet rs = ps.executeQuery()) {
                rs.next();
                return rs.getLong(1);
            }
        }
    }

    /** True when {@code table} exists on the source: a partition gone from its parent but still there was detached. */
    public static boolean exists(Connection source, String table) throws SQLException {
        try (PreparedStatement ps = source.prepareStatement("SELECT to_regclass(?) IS NOT NULL")) {
            ps.setString(1, SqlIdentifiers.quoteQualified(table));
            try (ResultSet rs = ps.executeQuery()) {
                rs.next();
                return rs.getBoolean(1);
            }
        }
    }
}
