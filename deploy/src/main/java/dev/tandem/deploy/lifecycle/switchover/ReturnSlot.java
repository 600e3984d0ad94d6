package dev.tandem.deploy.lifecycle.switchover;

import dev.tandem.capture.replication.ExportedSnapshot;
import dev.tandem.capture.replication.PartitionTree;
import dev.tandem.capture.replication.ReplicationSetup;
import dev.tandem.deploy.lifecycle.Sides;
import dev.tandem.sync.apply.JoinState;
import dev.tandem.sync.control.ControlSchema;
import dev.tandem.sync.control.PartitionSets;
import dev.tandem.sync.control.SlotCreationWaits;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;

/**
 * Prepares the reverse sync before a cutover: its slot on the new database and, when the reverse merges new tables
 * back into one legacy table (the reverse of a split), its join state in the legacy database, copied from the new
 * tables under the slot's own snapshot so the stream from the slot continues it exactly. The reverse migration's
 * row in the legacy control schema is written last: it says both are in place.
 */
final class ReturnSlot {

    private final Sides sides;

    ReturnSlot(Sides sides) {
        this.sides = sides;
    }

    /**
     * Whether the new database can give the reverse sync its slot: logical decoding on, and a free slot unless the
     * reverse slot already exists. Checked before anything is installed, so a refusal leaves nothing behind.
     */
    GateResult readiness() throws SQLException {
        String slot = sides.reverseCapture().slotName();
        try (Connection c = sides.newDb().connect("tandem-prepare");
             PreparedStatement ps = c.prepareStatement("SELECT current_setting('wal_level'), "
                     + "current_setting('max_replication_slots')::int - (SELECT count(*) FROM pg_replication_slots), "
                     + "EXISTS (SELECT 1 FROM pg_replication_slots WHERE slot_name = ?)")) {
            ps.setString(1, slot);
            try (ResultSet rs = ps.executeQuery()) {
                rs.next();
                if (!"logical".equals(rs.getString(1))) {
                    return new GateResult("new database", false, "wal_level is " + rs.getString(1) + " on " + sides.newDb()
                            + ", but the reverse sync (what makes a rollback lose nothing) decodes its WAL: ALTER SYSTEM SET "
                            + "wal_level = logical on the new database's server and restart it");
                }
                if (!rs.getBoolean(3) && rs.getInt(2) <= 0) {
                    return new GateResult("new database", false, "no free replication slot on " + sides.newDb() + " for "
                            + slot + ": raise max_replication_slots there (restart) or drop an unused slot");
                }
                return new GateResult("new database", true, "wal_level logical, " + (rs.getBoolean(3) ? slot + " exists"
                        : rs.getInt(2) + " free slots"));
            }
        }
    }

    /** True when the reverse slot exists (a cutover that fails before it existed drops what it created). */
    boolean exists() throws SQLException {
        return new ReplicationSetup(sides.reverseCapture()).slotExists();
    }

    /** Drops the reverse slot and publication. */
    void drop() throws SQLException {
        new ReplicationSetup(sides.reverseCapture()).drop();
    }

    /** Creates what is missing; creating a slot waits for the transactions running on the new database. */
    void prepare() throws SQLException {
        ReplicationSetup reverse = new ReplicationSetup(sides.reverseCapture())
                .reportingSlotCreationTo(new SlotCreationWaits(sides.newDb(), sides.migration()));
        JoinState state = new JoinState(sides.reverseMigration(), sides.reverse());
        try (Connection legacy = sides.legacy().connect("tandem-prepare")) {
            ControlSchema.ensure(legacy);
            if (reverse.slotExists() && !prepared(legacy)) {
                reverse.drop(); // an earlier attempt stopped between the slot and its join state: start both again
            }
            reverse.ensurePublication();
            if (!reverse.slotExists()) {
                try (ExportedSnapshot snapshot = reverse.createSlotWithSnapshot()) {
                    if (!state.kept().isEmpty()) {
                        seed(state, snapshot, legacy);
                    }
                }
                recordPartitions(legacy);
            }
            // The reverse sync never backfills: the legacy tables already hold every row.
            try (PreparedStatement ps = legacy.prepareStatement("INSERT INTO tandem.migration (migration, backfill_done) "
                    + "VALUES (?, true) ON CONFLICT (migration) DO NOTHING")) {
                ps.setString(1, sides.reverseMigration());
                ps.executeUpdate();
            }
        }
    }

    /**
     * Stores the partitions of the new tables as the slot starts from them, so the reverse sync finds a partition
     * attached or detached on the new database before it starts (it pauses the legacy table, as the forward sync does).
     */
    private void recordPartitions(Connection legacy) throws SQLException {
        try (Connection newDb = sides.newDb().connect("tandem-prepare")) {
            new PartitionSets(sides.reverseMigration()).save(legacy, PartitionTree.leaves(newDb, sides.newTables()));
        }
    }

    private boolean prepared(Connection legacy) throws SQLException {
        try (PreparedStatement ps = legacy.prepareStatement("SELECT backfill_done FROM tandem.migration WHERE migration = ?")) {
            ps.setString(1, sides.reverseMigration());
            try (ResultSet rs = ps.executeQuery()) {
                return rs.next() && rs.getBoolean(1);
            }
        }
    }

    private void seed(JoinState state, ExportedSnapshot snapshot, Connection legacy) throws SQLException {
        try (Connection newDb = sides.newDb().connect("tandem-prepare-join-state")) {
            newDb.setAutoCommit(false);
            newDb.setTransactionIsolation(Connection.TRANSACTION_REPEATABLE_READ);
            try (Statement st = newDb.createStatement()) {
                st.execute("SET TRANSACTION SNAPSHOT '" + snapshot.snapshotName().replace("'", "''") + "'");
            }
            boolean autoCommit = legacy.getAutoCommit();
            legacy.setAutoCommit(false);
            try {
                state.copyFrom(newDb, legacy);
                legacy.commit();
            } catch (SQLException | RuntimeException e) {
                legacy.rollback();
                throw e;
            } finally {
                legacy.setAutoCommit(autoCommit);
                newDb.rollback();
            }
        }
    }
}
