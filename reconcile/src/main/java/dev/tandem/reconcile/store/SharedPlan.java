package dev.tandem.reconcile.store;

import dev.tandem.reconcile.chunk.KeySample;
import dev.tandem.reconcile.chunk.VerifyRange;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/**
 * One table's chunk plan in a pass as every instance sharing the pass sees it: where planning stands, the chunks added
 * (each chunk number taken by the first instance to add it), and the key sample boundaries are cut from. Calls are
 * serialized on one autocommit connection of the target's control schema.
 */
public final class SharedPlan {

    /** The SQL state of a unique violation: another instance added that chunk first. */
    private static final String UNIQUE_VIOLATION = "23505";

    private final Connection c;
    private final long passId;
    private final String table;

    public SharedPlan(Connection control, long passId, String table) throws SQLException {
        this.c = control;
        this.passId = passId;
        this.table = table;
        c.setAutoCommit(true);
    }

    /**
     * Where planning stands.
     *
     * @param nextNumber the number the next chunk takes
     * @param lower      where the next chunk starts (the last chunk's upper bound; null: the key's start)
     * @param complete   whether a chunk reaches the end of the key: nothing is left to plan
     * @param open       chunks planned and not yet verified (claimed or not)
     */
    public record Cursor(int nextNumber, List<String> lower, boolean complete, long open) {
    }

    public synchronized Cursor cursor() throws SQLException {
        try (PreparedStatement ps = c.prepareStatement("SELECT coalesce(max(chunk_no) + 1, 0), coalesce(bool_or(upper_bound IS NULL), false), "
                + "count(*) FILTER (WHERE NOT done), (SELECT upper_bound FROM tandem.reconcile_chunk WHERE pass_id = ? AND target_table = ? "
                + "ORDER BY chunk_no DESC LIMIT 1) FROM tandem.reconcile_chunk WHERE pass_id = ? AND target_table = ?")) {
            ps.setLong(1, passId);
            ps.setString(2, table);
            ps.setLong(3, passId);
            ps.setString(4, table);
            try (ResultSet rs = ps.executeQuery()) {
                rs.next();
                return new Cursor(rs.getInt(1), ReconcileStore.list(rs.getArray(4)), rs.getBoolean(2), rs.getLong(3));
            }
        }
    }

    /** Adds chunk {@code chunkNo}; false when another instance added that number first (the caller reads the cursor again). */
    public synchronized boolean add(int chunkNo, VerifyRange range) throws SQLException {
        try (PreparedStatement ps = c.prepareStatement("INSERT INTO tandem.reconcile_chunk (pass_id, target_table, chunk_no, "
                + "lower_bound, upper_bound) VALUES (?, ?, ?, ?, ?) ON CONFLICT DO NOTHING")) {
            bindChunk(ps, chunkNo, range);
            return ps.executeUpdate() == 1;
        }
    }

    /**
     * Adds a whole plan in one transaction (chunk numbers in verification order); false, adding nothing, when the table
     * already has chunks in this pass (another instance planned it first: its plan stands whole, never mixed with this
     * one).
     */
    public synchronized boolean addWhole(List<VerifyRange> ranges) throws SQLException {
        c.setAutoCommit(false);
        try (PreparedStatement ps = c.prepareStatement("INSERT INTO tandem.reconcile_chunk (pass_id, target_table, chunk_no, "
                + "lower_bound, upper_bound) VALUES (?, ?, ?, ?, ?)")) {
            for (int i = 0; i < ranges.size(); i++) {
                bindChunk(ps, i, ranges.get(i));
                ps.addBatch();
            }
            ps.executeBatch();
            c.commit();
            return true;
        } catch (SQLException e) {
            try {
                c.rollback();
            } catch (SQLException rollback) {
                e.addSuppressed(rollback);
            }
            if (isUniqueViolation(e)) {
                return false;
            }
            throw e;
        } finally {
            c.setAutoCommit(true);
        }
    }

    /** The key sample an instance stored for this table in this pass. */
    public synchronized Optional<KeySample> keySample() throws SQLException {
        try (PreparedStatement ps = c.prepareStatement("SELECT from_key, key_arity, sampled_keys, rows_per_key "
                + "FROM tandem.reconcile_key_sample WHERE pass_id = ? AND target_table = ?")) {
            ps.setLong(1, passId);
            ps.setString(2, table);
            try (ResultSet rs = ps.executeQuery()) {
                if (!rs.next()) {
                    return Optional.empty();
                }
                int arity = rs.getInt(2);
                List<String> flat = ReconcileStore.list(rs.getArray(3));
                List<List<String>> keys = new ArrayList<>();
                for (int i = 0; i + arity <= flat.size(); i += arity) {
                    keys.add(flat.subList(i, i + arity));
                }
                return Optional.of(new KeySample(ReconcileStore.list(rs.getArray(1)), keys, rs.getDouble(4)));
            }
        }
    }

    /** Stores {@code taken} unless an instance stored one first, and returns the stored one. */
    public synchronized KeySample storeKeySample(KeySample taken) throws SQLException {
        int arity = taken.keys().get(0).size();
        List<String> flat = new ArrayList<>();
        taken.keys().forEach(flat::addAll);
        try (PreparedStatement ps = c.prepareStatement("INSERT INTO tandem.reconcile_key_sample (pass_id, target_table, from_key, "
                + "key_arity, sampled_keys, rows_per_key) VALUES (?, ?, ?, ?, ?, ?) ON CONFLICT DO NOTHING")) {
            ps.setLong(1, passId);
            ps.setString(2, table);
            ps.setArray(3, ReconcileStore.array(c, taken.from()));
            ps.setInt(4, arity);
            ps.setArray(5, ReconcileStore.array(c, flat));
            ps.setDouble(6, taken.rowsPerKey());
            if (ps.executeUpdate() == 1) {
                return taken;
            }
        }
        return keySample().orElseThrow(() -> new IllegalStateException(table + ": pass " + passId
                + " has a key sample that cannot be read back from tandem.reconcile_key_sample in the new database"));
    }

    private void bindChunk(PreparedStatement ps, int chunkNo, VerifyRange range) throws SQLException {
        ps.setLong(1, passId);
        ps.setString(2, table);
        ps.setInt(3, chunkNo);
        ps.setArray(4, ReconcileStore.array(c, range.lower()));
        ps.setArray(5, ReconcileStore.array(c, range.upper()));
    }

    private static boolean isUniqueViolation(SQLException e) {
        for (SQLException at = e; at != null; at = at.getNextException()) {
            if (UNIQUE_VIOLATION.equals(at.getSQLState())) {
                return true;
            }
        }
        return e.getCause() instanceof SQLException cause && UNIQUE_VIOLATION.equals(cause.getSQLState());
    }
}
