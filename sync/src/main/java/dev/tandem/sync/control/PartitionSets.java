package dev.tandem.sync.control;

import java.sql.Array;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.Arrays;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;

/**
 * The leaf partitions of a migration's partitioned source tables as tandem last accepted them; the only writer of
 * {@code tandem.partition_set}. It lives in the control schema of the side the migration applies to.
 */
public final class PartitionSets {

    private final String migration;

    public PartitionSets(String migration) {
        this.migration = migration;
    }

    /** Partitioned source table → its leaves as last stored; null when none was stored (a migration older than them). */
    public Map<String, Set<String>> load(Connection control) throws SQLException {
        Map<String, Set<String>> stored = new TreeMap<>();
        try (PreparedStatement ps = control.prepareStatement(
                "SELECT source_root, leaves FROM tandem.partition_set WHERE migration = ?")) {
            ps.setString(1, migration);
            try (ResultSet rs = ps.executeQuery()) {
                while (rs.next()) {
                    Array leaves = rs.getArray(2);
                    stored.put(rs.getString(1), new TreeSet<>(Arrays.asList((String[]) leaves.getArray())));
                }
            }
        }
        return stored.isEmpty() ? null : stored;
    }

    /** Replaces the stored partitions by {@code leaves} (partitioned source table → its leaves), in one transaction. */
    public void save(Connection control, Map<String, Set<String>> leaves) throws SQLException {
        boolean autoCommit = control.getAutoCommit();
        control.setAutoCommit(false);
        try (PreparedStatement delete = control.prepareStatement("DELETE FROM tandem.partition_set WHERE migration = ?");
             PreparedStatement insert = control.prepareStatement(
                     "INSERT INTO tandem.partition_set (migration, source_root, leaves) VALUES (?, ?, ?)")) {
            delete.setString(1, migration);
            delete.executeUpdate();
            for (Map.Entry<String, Set<String>> root : leaves.entrySet()) {
                insert.setString(1, migration);
                insert.setString(2, root.getKey());
                insert.setArray(3, control.createArrayOf("text", root.getValue().toArray()));
                insert.addBatch();
            }
            insert.executeBatch();
            control.commit();
        } catch (SQLException | RuntimeException e) {
            control.rollback();
            throw e;
        } finally {
            control.setAutoCommit(autoCommit);
        }
    }
}
