package dev.tandem.deploy.control;

import com.fasterxml.jackson.databind.ObjectMapper;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.ResultSetMetaData;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/** {@code tandem status}: a migration's durable state, read from the control schema in the new database. */
@Command(name = "status", mixinStandardHelpOptions = true,
        description = "Shows a migration's backfill, applied position, paused tables and recent operator decisions.",
        exitCodeListHeading = "%nExit codes:%n",
        exitCodeList = {"0:no table is paused", "1:at least one table is paused (see its reason)",
                "2:invalid options, database unreachable, or no such migration"})
public final class StatusCommand implements Callable<Integer> {

    @Mixin
    ControlOptions control;

    @Option(names = "--json", description = "Print the status as one JSON object.")
    boolean json;

    @Override
    public Integer call() throws Exception {
        Map<String, Object> status = new LinkedHashMap<>();
        try (Connection c = control.target().connect("tandem-cli")) {
            List<Map<String, Object>> migration = rows(c, """
                    SELECT backfill_done, created_at FROM tandem.migration WHERE migration = ?""");
            if (migration.isEmpty()) {
                System.err.println("no migration '" + control.migration + "' in " + control.targetUrl
                        + "; check --migration and --target");
                return 2;
            }
            status.put("migration", control.migration);
            status.putAll(migration.get(0));
            status.put("backfill", rows(c, """
                    SELECT target_table, rows_copied, snapshot_lsn, done_at FROM tandem.backfill
                    WHERE migration = ? ORDER BY target_table"""));
            List<Map<String, Object>> position = rows(c, """
                    SELECT pg_lsn(((tx_order >> 32)::bigint)::text || '/' || to_hex(tx_order & 4294967295)) AS after_commit,
                           tx_id, commit_time AS last_source_commit, applied_at,
                           round(extract(epoch FROM applied_at - commit_time) * 1000) AS last_apply_delay_ms
                    FROM tandem.applied_position WHERE migration = ?""");
            status.put("applied", position.isEmpty() ? null : position.get(0));
            status.put("paused", rows(c, """
                    SELECT s.target_table, s.state, s.reason, s.changed_at,
                           (SELECT count(*) FROM tandem.parked_change p
                            WHERE p.migration = s.migration AND p.target_table = s.target_table) AS parked_changes
                    FROM tandem.table_state s WHERE s.migration = ? ORDER BY s.target_table"""));
            status.put("recent_decisions", rows(c, """
                    SELECT target_table, decision, detail, decided_by, decided_at FROM tandem.decision
                    WHERE migration = ? ORDER BY id DESC LIMIT 5"""));
        } catch (IllegalArgumentException e) {
            System.err.println(e.getMessage());
            return 2;
        } catch (SQLException e) {
            System.err.println("cannot read the status from " + control.targetUrl + ": " + e.getMessage());
            return 2;
        }
        print(status);
        return ((List<?>) status.get("paused")).isEmpty() ? 0 : 1;
    }

    private List<Map<String, Object>> rows(Connection c, String sql) throws SQLException {
        List<Map<String, Object>> rows = new ArrayList<>();
        try (PreparedStatement ps = c.prepareStatement(sql)) {
            ps.setString(1, control.migration);
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

    private void print(Map<String, Object> status) throws Exception {
        if (json) {
            System.out.println(new ObjectMapper().writeValueAsString(status));
            return;
        }
        System.out.println("migration " + status.get("migration") + ": backfill "
                + (Boolean.TRUE.equals(status.get("backfill_done")) ? "done" : "not finished") + ", created " + status.get("created_at"));
        for (Map<String, Object> table : list(status, "backfill")) {
            System.out.println("  backfilled " + table.get("target_table") + ": " + table.get("rows_copied") + " rows as of "
                    + table.get("snapshot_lsn") + " (" + table.get("done_at") + ")");
        }
        @SuppressWarnings("unchecked")
        Map<String, Object> applied = (Map<String, Object>) status.get("applied");
        System.out.println(applied == null ? "  applied: nothing streamed yet"
                : "  applied: source transaction " + applied.get("tx_id") + " (after commit " + applied.get("after_commit")
                  + ", committed " + applied.get("last_source_commit") + "), applied " + applied.get("applied_at")
                  + ", " + applied.get("last_apply_delay_ms") + " ms after its commit");
        List<Map<String, Object>> paused = list(status, "paused");
        System.out.println(paused.isEmpty() ? "  paused tables: none" : "  paused tables:");
        for (Map<String, Object> table : paused) {
            System.out.println("    " + table.get("target_table") + " [" + table.get("state") + ", " + table.get("parked_changes")
                    + " parked changes]: " + table.get("reason"));
        }
        for (Map<String, Object> decision : list(status, "recent_decisions")) {
            System.out.println("  decision: " + decision.get("decision") + " " + decision.get("target_table") + " by "
                    + decision.get("decided_by") + " at " + decision.get("decided_at") + ": " + decision.get("detail"));
        }
    }

    @SuppressWarnings("unchecked")
    private static List<Map<String, Object>> list(Map<String, Object> status, String key) {
        return (List<Map<String, Object>>) status.get(key);
    }
}
