package dev.tandem.sync.fence;

import dev.tandem.capture.CaptureConfig;
import dev.tandem.capture.PgDatabase;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.List;

/**
 * Why a fence is late, in the operator's terms: how much WAL the capture slot has still to read on the source (a
 * large transaction is decoded whole before any of it is sent), and a target transaction the applier holds open (a
 * large source transaction written in parts, which commits at its end). Read after a fence timed out, so a lagging
 * switch or verification says what it is waiting for instead of only that it waited.
 */
public final class FenceDelay {

    /** An applier transaction open shorter than this is ordinary work, not worth naming. */
    private static final int OPEN_SECONDS = 1;

    private FenceDelay() {
    }

    /** The reasons found, each a clause ("; "-joined), or "" when neither side shows one. Never fails. */
    public static String describe(String migration, PgDatabase source, PgDatabase target) {
        List<String> reasons = new ArrayList<>();
        try (Connection s = source.connect("tandem-fence-delay")) {
            slotBacklog(s, CaptureConfig.slotNameFor(migration), reasons);
        } catch (SQLException e) {
            // a reason we cannot read is left out: the caller's message stands without it
        }
        try (Connection t = target.connect("tandem-fence-delay")) {
            openApply(t, "tandem-applier-" + migration, reasons);
        } catch (SQLException e) {
            // as above
        }
        return String.join("; ", reasons);
    }

    private static void slotBacklog(Connection source, String slot, List<String> reasons) throws SQLException {
        try (PreparedStatement ps = source.prepareStatement("SELECT pg_wal_lsn_diff(pg_current_wal_lsn(), confirmed_flush_lsn)"
                + "::bigint, pg_size_pretty(pg_wal_lsn_diff(pg_current_wal_lsn(), confirmed_flush_lsn)), active "
                + "FROM pg_replication_slots WHERE slot_name = ?")) {
            ps.setString(1, slot);
            try (ResultSet rs = ps.executeQuery()) {
                if (rs.next() && rs.getLong(1) > 16L * 1024 * 1024) {
                    reasons.add("capture has " + rs.getString(2) + " of the source's WAL still to read from slot " + slot
                            + (rs.getBoolean(3) ? "" : " (no capture is reading it)"));
                }
            }
        }
    }

    private static void openApply(Connection target, String applicationName, List<String> reasons) throws SQLException {
        try (PreparedStatement ps = target.prepareStatement("SELECT pid, extract(epoch FROM now() - xact_start)::bigint "
                + "FROM pg_stat_activity WHERE application_name = left(?, 63) AND backend_xid IS NOT NULL "
                + "AND xact_start < now() - make_interval(secs => ?) ORDER BY xact_start LIMIT 1")) {
            ps.setString(1, applicationName);
            ps.setInt(2, OPEN_SECONDS);
            try (ResultSet rs = ps.executeQuery()) {
                if (rs.next()) {
                    reasons.add("the applier has held one target transaction open for " + rs.getLong(2) + " s (pid "
                            + rs.getLong(1) + "): it is writing a large source transaction in parts, which becomes visible "
                            + "when its last part commits; wait for it (`tandem status` shows its progress)");
                }
            }
        }
    }
}
