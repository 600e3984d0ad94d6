package dev.tandem.deploy.lifecycle.readiness;

import static dev.tandem.deploy.lifecycle.readiness.CheckResult.Status.PASS;
import static dev.tandem.deploy.lifecycle.readiness.CheckResult.Status.WARN;

import dev.tandem.capture.SqlIdentifiers;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;

/**
 * Lists the triggers on the tables tandem writes on one side and says whether they fire for tandem's writes: its
 * writers run with {@code session_replication_role = replica}, so, as under PostgreSQL's own logical replication,
 * ordinary triggers fire for the application's writes only, {@code ENABLE ALWAYS} ones for both, {@code ENABLE
 * REPLICA} ones for tandem's only. tandem's own write-block triggers are ordinary: they stop applications, never it.
 */
final class TriggerCheck {

    private static final String WRITE_BLOCK_PREFIX = "tandem_write_fence_";

    private TriggerCheck() {
    }

    /**
     * One result per trigger on {@code tables} of the database {@code c} reaches ({@code side}: "new" for the
     * forward sync's targets, "legacy" for the reverse sync's).
     */
    static List<CheckResult> of(Connection c, String side, Collection<String> tables) throws SQLException {
        List<CheckResult> results = new ArrayList<>();
        try (PreparedStatement ps = c.prepareStatement("""
                SELECT n.nspname, k.relname, t.tgname, t.tgenabled
                FROM pg_trigger t JOIN pg_class k ON k.oid = t.tgrelid JOIN pg_namespace n ON n.oid = k.relnamespace
                WHERE NOT t.tgisinternal AND t.tgrelid IN (SELECT to_regclass(x) FROM unnest(?::text[]) x)
                ORDER BY 1, 2, 3""")) {
            ps.setArray(1, c.createArrayOf("text", tables.stream().map(SqlIdentifiers::quoteQualified).toArray()));
            try (ResultSet rs = ps.executeQuery()) {
                while (rs.next()) {
                    String table = SqlIdentifiers.qualified(rs.getString(1), rs.getString(2));
                    results.add(describe(side, table, rs.getString(3), rs.getString(4)));
                }
            }
        }
        return results;
    }

    private static CheckResult describe(String side, String table, String trigger, String enabled) {
        String check = "trigger " + trigger + " on " + table + " (" + side + ")";
        String alter = "ALTER TABLE " + SqlIdentifiers.quoteQualified(table);
        if (trigger.startsWith(WRITE_BLOCK_PREFIX)) {
            return new CheckResult(check, PASS, "tandem's write block: blocks application writes during a switch, "
                    + "never tandem's own", "");
        }
        return switch (enabled) {
            case "O" -> new CheckResult(check, PASS, "ordinary: fires for application writes, not for tandem's (backfill, "
                    + "sync, reverse sync), which write rows as the other side already has them", "");
            case "A" -> new CheckResult(check, WARN, "enabled ALWAYS: fires for tandem's writes too, on top of rows "
                    + "that already carry its effect from the other side (verify reports drift if it changes them)",
                    alter + " ENABLE TRIGGER " + SqlIdentifiers.quote(trigger) + " unless it must see replicated rows");
            case "R" -> new CheckResult(check, WARN, "enabled REPLICA: fires only for tandem's writes, never for the "
                    + "application's", alter + " ENABLE TRIGGER " + SqlIdentifiers.quote(trigger)
                    + " unless it is meant for replicated rows only");
            default -> new CheckResult(check, PASS, "disabled: fires for no one", "");
        };
    }
}
