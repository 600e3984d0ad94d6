package dev.tandem.capture.replication;

import static dev.tandem.capture.SqlIdentifiers.quote;
import static dev.tandem.capture.SqlIdentifiers.quoteQualified;

import dev.tandem.capture.CaptureConfig;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.List;
import java.util.Properties;
import org.postgresql.PGProperty;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/** Creates and drops the publication and logical replication slot a capture reads from. */
public final class ReplicationSetup {

    private static final Logger log = LoggerFactory.getLogger(ReplicationSetup.class);

    private static final String VIA_ROOT = "publish_via_partition_root = true";

    private final CaptureConfig config;
    private volatile SlotCreationWatch creation;
    private SlotCreationListener slotCreationListener = SlotCreationListener.NONE;

    public ReplicationSetup(CaptureConfig config) {
        this.config = config;
    }

    /** Reports what each slot creation of this setup waits for to {@code listener} (see {@link SlotCreationListener}). */
    public ReplicationSetup reportingSlotCreationTo(SlotCreationListener listener) {
        this.slotCreationListener = listener;
        return this;
    }

    /** True when the capture's slot exists on the source. */
    public boolean slotExists() throws SQLException {
        try (Connection c = config.source().connect("tandem-setup");
             PreparedStatement ps = c.prepareStatement("SELECT 1 FROM pg_replication_slots WHERE slot_name = ?")) {
            ps.setString(1, config.slotName());
            try (ResultSet rs = ps.executeQuery()) {
                return rs.next();
            }
        }
    }

    /**
     * Why the capture's slot can no longer be read, or null while it is usable (or absent).
     * PostgreSQL invalidates a slot whose retained WAL passed {@code max_slot_wal_keep_size}:
     * changes after its position are gone.
     */
    public String invalidation() throws SQLException {
        try (Connection c = config.source().connect("tandem-setup");
             PreparedStatement ps = c.prepareStatement("""
                     SELECT s.wal_status, to_jsonb(s) ->> 'invalidation_reason', s.confirmed_flush_lsn::text
                     FROM pg_replication_slots s WHERE s.slot_name = ?""")) {
            ps.setString(1, config.slotName());
            try (ResultSet rs = ps.executeQuery()) {
                if (!rs.next() || (!"lost".equals(rs.getString(1)) && rs.getString(2) == null)) {
                    return null;
                }
                return "replication slot " + config.slotName() + " on " + config.source() + " was invalidated (wal_status "
                        + rs.getString(1) + (rs.getString(2) == null ? "" : ", " + rs.getString(2)) + ") after "
                        + rs.getString(3) + ": the changes after it are gone, so streaming on would leave a gap";
            }
        }
    }

    /**
     * Creates (or re-targets) the publication for exactly the captured tables. It must exist before
     * the slot: pgoutput reads the publication as of each change's position. A partitioned table's
     * changes are published under its own name, not its partitions' ({@code publish_via_partition_root}),
     * so the mapping of the root receives them, whichever partition a row is in or moves to.
     */
    public void ensurePublication() throws SQLException {
        try (Connection c = config.source().connect("tandem-setup")) {
            checkTablesExist(c);
            String tables = String.join(", ", config.tables().stream().map(dev.tandem.capture.SqlIdentifiers::quoteQualified).toList());
            boolean exists;
            try (PreparedStatement ps = c.prepareStatement("SELECT 1 FROM pg_publication WHERE pubname = ?")) {
                ps.setString(1, config.publicationName());
                try (ResultSet rs = ps.executeQuery()) {
                    exists = rs.next();
                }
            }
            try (Statement st = c.createStatement()) {
                String name = quote(config.publicationName());
                if (exists) {
                    st.execute("ALTER PUBLICATION " + name + " SET TABLE " + tables);
                    st.execute("ALTER PUBLICATION " + name + " SET (" + VIA_ROOT + ")");
                } else {
                    st.execute("CREATE PUBLICATION " + name + " FOR TABLE " + tables + " WITH (" + VIA_ROOT + ")");
                }
            }
            log.info("publication {} {} for {}", config.publicationName(), exists ? "updated" : "created", config.tables());
        }
    }

    /** Creates the slot with an exported snapshot; close the handle once every copy using it has started. */
    public ExportedSnapshot createSlotWithSnapshot() throws SQLException {
        return create(config.slotName(), false);
    }

    /**
     * Exports a snapshot of the current state together with its exact WAL position, through a
     * temporary slot that disappears when the handle is closed; the capture's own slot is untouched.
     * A resumed backfill reads under it: the snapshot sees exactly the transactions that committed
     * before {@link ExportedSnapshot#consistentPoint()}.
     */
    public ExportedSnapshot exportSnapshot() throws SQLException {
        return create(config.slotName() + "_resume", true);
    }

    private ExportedSnapshot create(String slotName, boolean temporary) throws SQLException {
        Properties props = new Properties();
        props.putAll(configProps());
        PGProperty.REPLICATION.set(props, "database");
        PGProperty.PREFER_QUERY_MODE.set(props, "simple");
        PGProperty.ASSUME_MIN_SERVER_VERSION.set(props, "10");
        Connection replication = DriverManager.getConnection(config.source().jdbcUrl(), props);
        try (Statement st = replication.createStatement()) {
            String consistentPoint;
            String snapshot;
            try (SlotCreationWatch watch = SlotCreationWatch.start(config.source(), slotName, slotCreationListener)) {
                creation = watch;
                try (ResultSet rs = st.executeQuery("CREATE_REPLICATION_SLOT " + quote(slotName)
                        + (temporary ? " TEMPORARY" : "") + " LOGICAL pgoutput (SNAPSHOT 'export')")) {
                    rs.next();
                    consistentPoint = rs.getString("consistent_point");
                    snapshot = rs.getString("snapshot_name");
                }
            } finally {
                creation = null;
                slotCreationListener.ended(slotName); // after the watch stopped, so no check reports after it
            }
            log.info("{}slot {} created at {} with snapshot {}", temporary ? "temporary " : "", slotName, consistentPoint,
                    snapshot);
            return new ExportedSnapshot(replication, snapshot, consistentPoint);
        } catch (SQLException e) {
            replication.close();
            throw new SQLException("cannot create replication slot " + slotName + " on " + config.source()
                    + ": " + e.getMessage() + " (check wal_level=logical, free max_replication_slots and the REPLICATION privilege)",
                    e.getSQLState(), e);
        }
    }

    /**
     * While a slot is being created: the transactions it waits for, as last seen (checked every second; each names
     * its pid, user, database, state, how long it has been open and what it last ran). Empty otherwise.
     */
    public List<String> slotCreationWaitsFor() {
        return slotCreationWaits().stream().map(Object::toString).toList();
    }

    /** Like {@link #slotCreationWaitsFor()}, as records. */
    public List<OpenTransaction> slotCreationWaits() {
        SlotCreationWatch watch = creation;
        return watch == null ? List.of() : watch.waitingFor();
    }

    /**
     * The slot's confirmed flush position as an LSN number, or -1 when the slot is missing: the
     * capture has handed everything before it to Kafka.
     */
    public long confirmedFlush() throws SQLException {
        try (Connection c = config.source().connect("tandem-setup");
             PreparedStatement ps = c.prepareStatement("""
                     SELECT pg_wal_lsn_diff(confirmed_flush_lsn, '0/0')::bigint FROM pg_replication_slots
                     WHERE slot_name = ?""")) {
            ps.setString(1, config.slotName());
            try (ResultSet rs = ps.executeQuery()) {
                return rs.next() && rs.getObject(1) != null ? rs.getLong(1) : -1;
            }
        }
    }

    /**
     * Moves an idle slot to the database's current WAL position, so it no longer holds what was written before;
     * returns the position reached, or null when the slot is missing or a capture is reading it. Only for a slot whose
     * pending changes are all known to be unneeded (the idle direction's, see the lifecycle's idle-slot keeper).
     */
    public String advanceIdleToCurrent() throws SQLException {
        try (Connection c = config.source().connect("tandem-idle-slot");
             PreparedStatement ps = c.prepareStatement("""
                     SELECT (pg_replication_slot_advance(slot_name, pg_current_wal_lsn())).end_lsn::text
                     FROM pg_replication_slots WHERE slot_name = ? AND NOT active""")) {
            ps.setString(1, config.slotName());
            try (ResultSet rs = ps.executeQuery()) {
                return rs.next() ? rs.getString(1) : null;
            }
        } catch (SQLException e) {
            if ("55006".equals(e.getSQLState())) { // object_in_use: a capture took the slot since the check
                return null;
            }
            throw e;
        }
    }

    /** WAL bytes the slot holds on its database (from its restart position to now), or -1 when there is no slot. */
    public long retainedWalBytes() throws SQLException {
        try (Connection c = config.source().connect("tandem-slot-check");
             PreparedStatement ps = c.prepareStatement("""
                     SELECT pg_wal_lsn_diff(pg_current_wal_lsn(), restart_lsn)::bigint FROM pg_replication_slots
                     WHERE slot_name = ?""")) {
            ps.setString(1, config.slotName());
            try (ResultSet rs = ps.executeQuery()) {
                return rs.next() && rs.getObject(1) != null ? rs.getLong(1) : -1;
            }
        }
    }

    /** Drops the slot and publication (both idempotent); the slot must not be in use. */
    public void drop() throws SQLException {
        try (Connection c = config.source().connect("tandem-setup"); Statement st = c.createStatement()) {
            try (PreparedStatement ps = c.prepareStatement(
                    "SELECT pg_drop_replication_slot(slot_name) FROM pg_replication_slots WHERE slot_name = ?")) {
                ps.setString(1, config.slotName());
                ps.execute();
            }
            st.execute("DROP PUBLICATION IF EXISTS " + quote(config.publicationName()));
        }
        log.info("slot and publication {} dropped", config.slotName());
    }

    private void checkTablesExist(Connection c) throws SQLException {
        List<String> missing = new ArrayList<>();
        try (PreparedStatement ps = c.prepareStatement("SELECT to_regclass(?) IS NOT NULL")) {
            for (String table : config.tables()) {
                ps.setString(1, quoteQualified(table));
                try (ResultSet rs = ps.executeQuery()) {
                    rs.next();
                    if (!rs.getBoolean(1)) {
                        missing.add(table);
                    }
                }
            }
        }
        if (!missing.isEmpty()) {
            throw new SQLException("source " + config.source() + " has no table " + String.join(", ", missing)
                    + ": create it or remove it from the migration's table list");
        }
    }

    private Properties configProps() {
        Properties p = new Properties();
        p.setProperty("user", config.source().user());
        p.setProperty("password", config.source().password());
        p.setProperty("ApplicationName", "tandem-slot-setup");
        return p;
    }
}
