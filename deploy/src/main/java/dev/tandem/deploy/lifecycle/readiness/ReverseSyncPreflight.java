package dev.tandem.deploy.lifecycle.readiness;

import static dev.tandem.deploy.lifecycle.readiness.CheckResult.Status.FAIL;
import static dev.tandem.deploy.lifecycle.readiness.CheckResult.Status.WARN;

import dev.tandem.capture.PgDatabase;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.List;

/**
 * What the new database must allow for the reverse sync, which streams its changes back to legacy after a cutover so
 * a rollback loses nothing: logical decoding, a free slot (or tandem's own) and WAL sender, and bounded WAL retention.
 */
public final class ReverseSyncPreflight {

    private ReverseSyncPreflight() {
    }

    /** The checks, each named "new database …"; {@code slotName} is the reverse slot, which counts as free if it exists. */
    public static List<CheckResult> check(PgDatabase newDb, String slotName) {
        List<CheckResult> results = new ArrayList<>();
        try (Connection c = newDb.connect("tandem-check")) {
            String walLevel = single(c, "SELECT current_setting('wal_level')", null);
            results.add("logical".equals(walLevel) ? CheckResult.pass("new database wal_level", "logical")
                    : new CheckResult("new database wal_level", FAIL, walLevel + ": the reverse sync (rollback without loss) "
                    + "decodes the new database's WAL", "ALTER SYSTEM SET wal_level = logical on the new database's server, "
                    + "then restart it"));
            boolean ownSlot = "t".equals(single(c, "SELECT (count(*) > 0)::text::char FROM pg_replication_slots "
                    + "WHERE slot_name = ?", slotName));
            int freeSlots = Integer.parseInt(single(c, "SELECT current_setting('max_replication_slots')::int - count(*) "
                    + "FROM pg_replication_slots", null));
            results.add(freeSlots > 0 || ownSlot ? CheckResult.pass("new database replication slots", freeSlots + " free"
                    + (ownSlot ? " (" + slotName + " exists)" : ""))
                    : new CheckResult("new database replication slots", FAIL, "none free for " + slotName,
                    "raise max_replication_slots on the new database's server (restart) or drop an unused slot"));
            int freeSenders = Integer.parseInt(single(c, "SELECT current_setting('max_wal_senders')::int - count(*) "
                    + "FROM pg_stat_replication", null));
            results.add(freeSenders > 0 ? CheckResult.pass("new database WAL senders", freeSenders + " free")
                    : new CheckResult("new database WAL senders", FAIL, "none free", "raise max_wal_senders on the new "
                    + "database's server (restart)"));
            String keep = single(c, "SELECT current_setting('max_slot_wal_keep_size')", null);
            results.add("-1".equals(keep)
                    ? new CheckResult("new database max_slot_wal_keep_size", WARN, "unlimited: the reverse slot keeps the new "
                    + "database's WAL while the reverse sync is stopped", "set a limit the disk can hold and watch "
                    + "tandem_slot_wal_retained_bytes")
                    : CheckResult.pass("new database max_slot_wal_keep_size", keep));
        } catch (SQLException e) {
            results.add(new CheckResult("new database", FAIL, "cannot check " + newDb + ": " + e.getMessage(),
                    "check host, port, user and TANDEM_TARGET_PASSWORD"));
        }
        return results;
    }

    private static String single(Connection c, String sql, String parameter) throws SQLException {
        try (PreparedStatement ps = c.prepareStatement(sql)) {
            if (parameter != null) {
                ps.setString(1, parameter);
            }
            try (ResultSet rs = ps.executeQuery()) {
                rs.next();
                return rs.getString(1);
            }
        }
    }
}
