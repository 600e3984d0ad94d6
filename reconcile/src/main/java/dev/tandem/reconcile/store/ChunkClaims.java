package dev.tandem.reconcile.store;

import dev.tandem.reconcile.RowDrift;
import dev.tandem.reconcile.chunk.VerifyRange;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Duration;
import java.util.List;
import java.util.Optional;

/**
 * One worker's claims on a table's chunks in a shared pass, on a connection of its own: a claim is the lock on the
 * chunk's row ({@code FOR UPDATE}) in a transaction held open while the chunk is verified, and the same transaction
 * stores the result. So a claim ends exactly when its result commits or its session ends: a chunk is stored once, and
 * a dead instance's chunks are free the moment PostgreSQL drops its session, with no lease to expire.
 */
public final class ChunkClaims implements AutoCloseable {

    /** The SQL state of a lock wait that ran out of {@code lock_timeout}. */
    private static final String LOCK_NOT_AVAILABLE = "55P03";
    /** Server-side TCP keepalives of a claim session: a silent peer is dropped after about 10 + 5 × 3 = 25 s. */
    private static final int KEEPALIVE_IDLE_SECONDS = 10;
    private static final int KEEPALIVE_INTERVAL_SECONDS = 5;
    private static final int KEEPALIVE_COUNT = 3;

    private final Connection c;
    private final String migration;
    private final long passId;
    private final String table;
    private final String instance;
    private final Duration wait;
    private Claim held;

    /** A chunk this worker holds. */
    public record Claim(int chunkNo, VerifyRange range) {
    }

    /**
     * @param control  a connection to the target database used for nothing else
     * @param instance the name stored with each chunk this worker verifies
     * @param wait     how long one wait for a chunk another session holds may block before the worker looks again
     */
    public ChunkClaims(Connection control, String migration, long passId, String table, String instance, Duration wait)
            throws SQLException {
        this.c = control;
        this.migration = migration;
        this.passId = passId;
        this.table = table;
        this.instance = instance;
        this.wait = wait;
        c.setAutoCommit(true);
        // A claim's transaction is idle while the chunk is verified on other sessions, for as long as narrowing and
        // fenced rechecks take: a server-wide idle-in-transaction timeout must not end it. A machine that vanishes
        // without closing its sockets is found by TCP keepalives instead, in about idle + interval × count seconds.
        try (PreparedStatement ps = c.prepareStatement("SELECT set_config('idle_in_transaction_session_timeout', '0', false), "
                + "set_config('tcp_keepalives_idle', ?, false), set_config('tcp_keepalives_interval', ?, false), "
                + "set_config('tcp_keepalives_count', ?, false)")) {
            ps.setString(1, String.valueOf(KEEPALIVE_IDLE_SECONDS));
            ps.setString(2, String.valueOf(KEEPALIVE_INTERVAL_SECONDS));
            ps.setString(3, String.valueOf(KEEPALIVE_COUNT));
            ps.execute();
        }
        c.setAutoCommit(false);
    }

    /** Claims the first unverified chunk that no other session holds; empty when every such chunk is held (or verified). */
    public Optional<Claim> claimFree() throws SQLException {
        return claim(" FOR UPDATE SKIP LOCKED");
    }

    /**
     * Waits (up to the wait given at construction) for the first unverified chunk that another session holds and claims
     * it when that session ends without storing it; empty when it was stored meanwhile or the wait ran out.
     */
    public Optional<Claim> claimHeld() throws SQLException {
        try (PreparedStatement ps = c.prepareStatement("SELECT set_config('lock_timeout', ?, true)")) {
            ps.setString(1, Math.max(1, wait.toMillis()) + "ms");
            ps.execute();
        }
        try {
            return claim(" FOR UPDATE");
        } catch (SQLException e) {
            if (LOCK_NOT_AVAILABLE.equals(e.getSQLState())) {
                c.rollback();
                return Optional.empty();
            }
            throw e;
        }
    }

    private Optional<Claim> claim(String locking) throws SQLException {
        if (held != null) {
            throw new IllegalStateException(table + ": this worker still holds chunk " + held.chunkNo() + "; finish or release it first");
        }
        try (PreparedStatement ps = c.prepareStatement("SELECT chunk_no, lower_bound, upper_bound FROM tandem.reconcile_chunk "
                + "WHERE pass_id = ? AND target_table = ? AND NOT done ORDER BY chunk_no LIMIT 1" + locking)) {
            ps.setLong(1, passId);
            ps.setString(2, table);
            try (ResultSet rs = ps.executeQuery()) {
                if (rs.next()) {
                    held = new Claim(rs.getInt(1), new VerifyRange(ReconcileStore.list(rs.getArray(2)), ReconcileStore.list(rs.getArray(3))));
                    return Optional.of(held);
                }
            }
        }
        c.rollback();
        return Optional.empty();
    }

    /**
     * Stores the held chunk's result (counts, digests, the first {@code storedDrift} drifted rows) and ends the claim, in
     * the claim's transaction; fails when the session was lost meanwhile (then nothing is stored and another instance
     * verifies the chunk).
     */
    public void finish(ChunkRecord chunk, List<RowDrift> drift, int storedDrift) throws SQLException {
        if (held == null || held.chunkNo() != chunk.chunkNo()) {
            throw new IllegalStateException(table + ": chunk " + chunk.chunkNo() + " is not the one this worker holds (" + held + ")");
        }
        try {
            List<RowDrift> stored = drift.subList(0, Math.min(drift.size(), Math.max(storedDrift, 0)));
            if (!stored.isEmpty()) {
                ReconcileStore.insertDrift(c, migration, passId, stored);
            }
            try (PreparedStatement ps = c.prepareStatement("UPDATE tandem.reconcile_chunk SET done = true, source_rows = ?, "
                    + "target_rows = ?, source_digest = ?, target_digest = ?, drifted_rows = ?, unsettled_rows = ?, change_offset = ?, "
                    + "verified_at = now(), verified_by = ? WHERE pass_id = ? AND target_table = ? AND chunk_no = ?")) {
                ps.setLong(1, chunk.sourceRows());
                ps.setLong(2, chunk.targetRows());
                ps.setString(3, chunk.sourceDigest());
                ps.setString(4, chunk.targetDigest());
                ps.setInt(5, chunk.driftedRows());
                ps.setInt(6, chunk.unsettledRows());
                ps.setObject(7, chunk.changeOffset(), java.sql.Types.BIGINT);
                ps.setString(8, instance);
                ps.setLong(9, passId);
                ps.setString(10, table);
                ps.setInt(11, chunk.chunkNo());
                ps.executeUpdate();
            }
            c.commit();
        } catch (SQLException e) {
            throw new SQLException(table + ": chunk " + chunk.chunkNo() + " was verified but its result could not be stored in the new "
                    + "database's control schema (" + e.getMessage() + "); the claim is released and the chunk is verified again",
                    e.getSQLState(), e);
        } finally {
            held = null;
        }
    }

    /** Gives the held chunk back unverified (a failed worker), so another worker or instance claims it. */
    public void release() throws SQLException {
        held = null;
        c.rollback();
    }

    @Override
    public void close() throws SQLException {
        held = null;
        c.close(); // an open claim's transaction ends with the session
    }
}
