package dev.tandem.deploy.lifecycle;

import dev.tandem.capture.PgDatabase;
import dev.tandem.sync.control.ControlSchema;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The durable switch state of each migration in the new database's control schema: its phase (and so its
 * route) and the append-only audit log. Phases change only through a compare-and-set.
 */
public final class PhaseStore {

    private static final Logger log = LoggerFactory.getLogger(PhaseStore.class);

    /** One audit log entry. */
    public record AuditEntry(long id, String at, String actor, String action, String fromPhase, String toPhase,
                             String detail) {
    }

    private final String migration;
    private final PgDatabase database;
    private volatile boolean ensured;

    public PhaseStore(String migration, PgDatabase database) {
        this.migration = migration;
        this.database = database;
    }

    public String migration() {
        return migration;
    }

    /** Brings the control schema, where the phase lives, to the version this tandem knows. */
    public static void ensure(Connection c) throws SQLException {
        ControlSchema.ensure(c);
    }

    public MigrationPhase phase() throws SQLException {
        try (Connection c = database.connect("tandem-cutover-state")) {
            return phase(c);
        }
    }

    /** The phase; CREATED for a migration nothing has recorded yet. */
    public MigrationPhase phase(Connection c) throws SQLException {
        try (PreparedStatement ps = c.prepareStatement("SELECT phase FROM tandem.cutover WHERE migration = ?")) {
            ps.setString(1, migration);
            try (ResultSet rs = ps.executeQuery()) {
                return rs.next() ? MigrationPhase.valueOf(rs.getString(1)) : MigrationPhase.CREATED;
            }
        } catch (SQLException e) {
            if ("42P01".equals(e.getSQLState())) { // no control table yet: nothing has run
                return MigrationPhase.CREATED;
            }
            throw e;
        }
    }

    /**
     * The phase, read with a share lock on its row that holds until {@code c}'s transaction ends: no switch can move
     * it meanwhile (its update waits). CREATED when nothing is recorded (nothing to lock).
     */
    public MigrationPhase phaseHeld(Connection c) throws SQLException {
        try (PreparedStatement ps = c.prepareStatement("SELECT phase FROM tandem.cutover WHERE migration = ? FOR SHARE")) {
            ps.setString(1, migration);
            try (ResultSet rs = ps.executeQuery()) {
                return rs.next() ? MigrationPhase.valueOf(rs.getString(1)) : MigrationPhase.CREATED;
            }
        }
    }

    /**
     * Moves {@code expected → next} and appends the audit entry in one transaction; fails naming the
     * actual phase when another operation got there first.
     */
    public void advance(Connection c, MigrationPhase expected, MigrationPhase next, String actor, String action, String detail)
            throws SQLException {
        if (!expected.canEnter(next)) {
            throw new IllegalArgumentException("migration " + migration + ": " + expected.label() + " → " + next.label()
                    + " is not a transition of the lifecycle (from " + expected.label() + ": " + expected.next() + ")");
        }
        boolean autoCommit = c.getAutoCommit();
        c.setAutoCommit(false);
        try {
            ensureRow(c, actor);
            try (PreparedStatement ps = c.prepareStatement("UPDATE tandem.cutover SET phase = ?, changed_at = now(), "
                    + "changed_by = ? WHERE migration = ? AND phase = ?")) {
                ps.setString(1, next.name());
                ps.setString(2, actor);
                ps.setString(3, migration);
                ps.setString(4, expected.name());
                if (ps.executeUpdate() != 1) {
                    MigrationPhase actual = phase(c);
                    c.rollback();
                    throw new IllegalStateException("migration " + migration + ": cannot enter " + next.label()
                            + ": expected " + expected.label() + ", was " + actual.label());
                }
            }
            append(c, actor, action, expected, next, detail);
            c.commit();
            log.info("migration {}: {} → {} ({})", migration, expected.label(), next.label(), action);
        } catch (SQLException | RuntimeException e) {
            c.rollback();
            throw e;
        } finally {
            c.setAutoCommit(autoCommit);
        }
    }

    /**
     * Moves from the phase the migration is in now to {@code next}; false when it is there already. Fails like
     * {@link #advance} when {@code next} does not follow the current phase or another process moved it first.
     */
    public boolean enter(MigrationPhase next, String actor, String action, String detail) throws SQLException {
        try (Connection c = database.connect("tandem-phase")) {
            ensureOnce(c);
            MigrationPhase current = phase(c);
            if (current == next) {
                return false;
            }
            advance(c, current, next, actor, action, detail);
            return true;
        }
    }

    private void ensureOnce(Connection c) throws SQLException {
        if (!ensured) {
            ensure(c);
            ensured = true;
        }
    }

    /** Appends an entry that changes no phase. */
    public void record(Connection c, String actor, String action, String detail) throws SQLException {
        append(c, actor, action, null, null, detail);
        if (!c.getAutoCommit()) {
            c.commit();
        }
    }

    /** Records a switch's write-block time per phase (and {@code total}), read by the service's metrics. */
    public void recordBlock(Connection c, String operation, Map<String, Long> phaseMillis, long totalMillis)
            throws SQLException {
        Map<String, Long> all = new LinkedHashMap<>(phaseMillis);
        all.put("total", totalMillis);
        try (PreparedStatement ps = c.prepareStatement("INSERT INTO tandem.write_block (migration, operation, finished_at, "
                + "phase, millis) VALUES (?, ?, now(), ?, ?)")) {
            for (var e : all.entrySet()) {
                ps.setString(1, migration);
                ps.setString(2, operation);
                ps.setString(3, e.getKey());
                ps.setLong(4, e.getValue());
                ps.addBatch();
            }
            ps.executeBatch();
        }
        if (!c.getAutoCommit()) {
            c.commit();
        }
    }

    /** operation → phase → milliseconds of the newest switch of each operation. */
    public Map<String, Map<String, Long>> lastBlocks() throws ControlUnavailableException {
        Map<String, Map<String, Long>> blocks = new LinkedHashMap<>();
        try (Connection c = database.connect("tandem-metrics");
             PreparedStatement ps = c.prepareStatement("""
                     SELECT operation, phase, millis FROM tandem.write_block w WHERE migration = ?
                       AND finished_at = (SELECT max(finished_at) FROM tandem.write_block x
                                          WHERE x.migration = w.migration AND x.operation = w.operation)""")) {
            ps.setString(1, migration);
            try (ResultSet rs = ps.executeQuery()) {
                while (rs.next()) {
                    blocks.computeIfAbsent(rs.getString(1), o -> new LinkedHashMap<>()).put(rs.getString(2), rs.getLong(3));
                }
            }
        } catch (SQLException e) {
            if (!"42P01".equals(e.getSQLState())) {
                throw new ControlUnavailableException("cannot read the write-block times of " + migration + " from "
                        + database + ": " + e.getMessage(), e);
            }
        }
        return blocks;
    }

    /**
     * Records the direction the service's sync runs in now, with the changes it applied since it started and its lag
     * p99 over the last minute (null when none runs); the service calls it every few seconds.
     */
    public void acknowledge(String direction, Long changesApplied, Long lagP99Ms, String actor) throws SQLException {
        try (Connection c = database.connect("tandem-follower")) {
            ensureOnce(c);
            ensureRow(c, actor);
            try (PreparedStatement ps = c.prepareStatement("UPDATE tandem.cutover SET sync_direction = ?, "
                    + "follower_seen_at = now(), sync_changes_applied = ?, sync_lag_p99_ms = ? WHERE migration = ?")) {
                ps.setString(1, direction);
                ps.setObject(2, changesApplied);
                ps.setObject(3, lagP99Ms);
                ps.setString(4, migration);
                ps.executeUpdate();
            }
        }
    }

    /** What the service last said about its sync: direction and how many seconds ago; null when it never did. */
    public record FollowerState(String direction, double secondsAgo) {
    }

    public FollowerState follower(Connection c) throws SQLException {
        try (PreparedStatement ps = c.prepareStatement("SELECT sync_direction, extract(epoch FROM now() - follower_seen_at) "
                + "FROM tandem.cutover WHERE migration = ? AND follower_seen_at IS NOT NULL")) {
            ps.setString(1, migration);
            try (ResultSet rs = ps.executeQuery()) {
                return rs.next() ? new FollowerState(rs.getString(1), rs.getDouble(2)) : null;
            }
        }
    }

    /** The newest {@code limit} entries, newest first. */
    public List<AuditEntry> recent(int limit) throws SQLException {
        List<AuditEntry> entries = new ArrayList<>();
        try (Connection c = database.connect("tandem-audit");
             PreparedStatement ps = c.prepareStatement("SELECT id, at::text, actor, action, from_phase, to_phase, detail "
                     + "FROM tandem.audit_log WHERE migration = ? ORDER BY id DESC LIMIT ?")) {
            ps.setString(1, migration);
            ps.setInt(2, limit);
            try (ResultSet rs = ps.executeQuery()) {
                while (rs.next()) {
                    entries.add(new AuditEntry(rs.getLong(1), rs.getString(2), rs.getString(3), rs.getString(4),
                            rs.getString(5), rs.getString(6), rs.getString(7)));
                }
            }
        } catch (SQLException e) {
            if (!"42P01".equals(e.getSQLState())) {
                throw e;
            }
        }
        return entries;
    }

    private void ensureRow(Connection c, String actor) throws SQLException {
        try (PreparedStatement ps = c.prepareStatement("INSERT INTO tandem.cutover (migration, phase, changed_by) "
                + "VALUES (?, 'CREATED', ?) ON CONFLICT (migration) DO NOTHING")) {
            ps.setString(1, migration);
            ps.setString(2, actor);
            ps.executeUpdate();
        }
    }

    private void append(Connection c, String actor, String action, MigrationPhase from, MigrationPhase to, String detail)
            throws SQLException {
        try (PreparedStatement ps = c.prepareStatement("INSERT INTO tandem.audit_log (migration, actor, action, "
                + "from_phase, to_phase, detail) VALUES (?, ?, ?, ?, ?, ?)")) {
            ps.setString(1, migration);
            ps.setString(2, actor);
            ps.setString(3, action);
            ps.setString(4, from == null ? null : from.label());
            ps.setString(5, to == null ? null : to.label());
            ps.setString(6, detail);
            ps.executeUpdate();
        }
    }
}
