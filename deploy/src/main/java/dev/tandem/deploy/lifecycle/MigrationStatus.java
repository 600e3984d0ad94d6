package dev.tandem.deploy.lifecycle;

import dev.tandem.capture.PgDatabase;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.ResultSetMetaData;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/** Reads a migration's durable state from the control schema, for {@code tandem status} and the API. */
public final class MigrationStatus {

    private MigrationStatus() {
    }

    /** The status as JSON-ready maps, or null when the new database holds no such migration. */
    public static Map<String, Object> read(PgDatabase target, String migration) throws ControlUnavailableException {
        try (Connection c = target.connect("tandem-status")) {
            List<Map<String, Object>> row = rows(c, migration, """
                    SELECT backfill_done, generation, created_at FROM tandem.migration WHERE migration = ?""");
            if (row.isEmpty()) {
                return null;
            }
            Map<String, Object> status = new LinkedHashMap<>();
            status.put("migration", migration);
            MigrationPhase phase = new PhaseStore(migration, target).phase(c);
            status.put("phase", phase.label());
            status.put("route", phase.route());
            status.putAll(row.get(0));
            List<Map<String, Object>> sync = rows(c, migration, """
                    SELECT lower(sync_direction) AS direction, sync_changes_applied AS changes_applied,
                           sync_lag_p99_ms AS lag_ms_p99,
                           round(extract(epoch FROM now() - follower_seen_at)::numeric, 1) AS reported_seconds_ago
                    FROM tandem.cutover WHERE migration = ? AND follower_seen_at IS NOT NULL""");
            status.put("sync", sync.isEmpty() ? null : sync.get(0));
            status.put("capture_leader", captureLeader(c, migration));
            status.put("slot_creation_wait", slotCreationWait(c, migration));
            status.put("backfill", rows(c, migration, """
                    SELECT target_table, rows_copied, snapshot_lsn, done_at FROM tandem.backfill
                    WHERE migration = ? ORDER BY target_table"""));
            status.put("backfill_progress", backfillProgress(c, migration));
            List<Map<String, Object>> position = rows(c, migration, """
                    SELECT pg_lsn(((tx_order >> 32)::bigint)::text || '/' || to_hex(tx_order & 4294967295)) AS after_commit,
                           tx_id, commit_time AS last_source_commit, applied_at,
                           round(extract(epoch FROM applied_at - commit_time) * 1000) AS last_apply_delay_ms,
                           count(*) OVER () AS partitions
                    FROM tandem.applied_position WHERE migration = ?
                    ORDER BY commit_time NULLS FIRST LIMIT 1""");
            status.put("applied", position.isEmpty() ? null : position.get(0));
            status.put("paused", rows(c, migration, """
                    SELECT s.target_table, s.state, s.reason, s.changed_at,
                           (SELECT count(*) FROM tandem.parked_change p
                            WHERE p.migration = s.migration AND p.target_table = s.target_table) AS parked_changes
                    FROM tandem.table_state s WHERE s.migration = ? ORDER BY s.target_table"""));
            status.put("recent_decisions", rows(c, migration, """
                    SELECT target_table, decision, detail, decided_by, decided_at FROM tandem.decision
                    WHERE migration = ? ORDER BY id DESC LIMIT 5"""));
            return status;
        } catch (SQLException e) {
            throw new ControlUnavailableException("cannot read the status from " + target + ": " + e.getMessage(), e);
        }
    }

    /**
     * The instance holding the capture role, from {@code tandem.capture_leader}, with whether a live session still
     * holds the lease's lock (false: the leader died and no standby has taken over yet); null when none was named.
     */
    private static Map<String, Object> captureLeader(Connection c, String migration) throws SQLException {
        if (rows(c, migration, "SELECT 1 AS present WHERE ?::text IS NOT NULL AND to_regclass('tandem.capture_leader') "
                + "IS NOT NULL").isEmpty()) {
            return null;
        }
        List<Map<String, Object>> leader = rows(c, migration, """
                SELECT l.instance, l.host, l.since,
                       round(extract(epoch FROM now() - l.heartbeat_at)::numeric, 1) AS heartbeat_seconds_ago,
                       EXISTS (SELECT 1 FROM pg_locks k WHERE k.locktype = 'advisory' AND k.granted AND k.objsubid = 1
                               AND k.objid = (hashtext('tandem.capture.' || l.migration)::bigint & 4294967295)::oid
                               AND k.database = (SELECT oid FROM pg_database WHERE datname = current_database()))
                           AS lease_held
                FROM tandem.capture_leader l WHERE l.migration = ?""");
        return leader.isEmpty() ? null : leader.get(0);
    }

    /**
     * While a slot of the migration is being created (its own, a resumed backfill's temporary one, or the reverse
     * slot a cutover prepares): the transactions the creation waits for, as its last check (every second) saw them.
     */
    private static List<Map<String, Object>> slotCreationWait(Connection c, String migration) throws SQLException {
        if (rows(c, migration, "SELECT 1 AS present WHERE ?::text IS NOT NULL AND to_regclass('tandem.slot_creation_wait') "
                + "IS NOT NULL").isEmpty()) {
            return List.of();
        }
        return rows(c, migration, """
                SELECT slot_name, pid, usename AS user, datname AS database, application, state, open_seconds, last_query,
                       round(extract(epoch FROM now() - checked_at)::numeric, 1) AS checked_seconds_ago
                FROM tandem.slot_creation_wait WHERE migration = ? ORDER BY slot_name, open_seconds DESC, pid""");
    }

    /**
     * Per target table of the current backfill generation: chunks and rows copied, rows expected,
     * and the rate of the last minute with the ETA it gives (null while nothing was copied lately).
     */
    private static List<Map<String, Object>> backfillProgress(Connection c, String migration) throws SQLException {
        if (rows(c, migration, "SELECT 1 AS present WHERE ?::text IS NOT NULL AND to_regclass('tandem.backfill_chunk') "
                + "IS NOT NULL").isEmpty()) {
            return List.of();
        }
        return rows(c, migration, """
                WITH t AS (
                    SELECT k.target_table, count(k.copied_at) AS chunks_copied, count(*) AS chunks_planned,
                           coalesce(sum(k.rows_copied), 0) AS rows_copied,
                           sum(CASE WHEN k.copied_at IS NULL THEN k.estimated_rows ELSE k.rows_copied END) AS rows_estimated,
                           coalesce(sum(k.rows_copied) FILTER (WHERE k.copied_at > now() - interval '1 minute'), 0) / 60.0
                               AS rate
                    FROM tandem.backfill_chunk k JOIN tandem.migration m
                         ON m.migration = k.migration AND m.generation = k.generation
                    WHERE k.migration = ? GROUP BY k.target_table)
                SELECT target_table, chunks_copied, chunks_planned, rows_copied, rows_estimated,
                       round(rate) AS rows_per_second_last_minute,
                       CASE WHEN chunks_copied = chunks_planned THEN 0
                            WHEN rate > 0 THEN round(greatest(rows_estimated - rows_copied, 0) / rate) END AS eta_seconds
                FROM t ORDER BY target_table""");
    }

    private static List<Map<String, Object>> rows(Connection c, String migration, String sql) throws SQLException {
        List<Map<String, Object>> rows = new ArrayList<>();
        try (PreparedStatement ps = c.prepareStatement(sql)) {
            ps.setString(1, migration);
            try (ResultSet rs = ps.executeQuery()) {
                ResultSetMetaData meta = rs.getMetaData();
                while (rs.next()) {
                    Map<String, Object> row = new LinkedHashMap<>();
                    for (int i = 1; i <= meta.getColumnCount(); i++) {
                        Object value = rs.getObject(i);
                        row.put(meta.getColumnLabel(i), value instanceof Number || value instanceof Boolean || value == null
                                ? value : value.toString());
                    }
                    rows.add(row);
                }
            }
        }
        return rows;
    }
}
