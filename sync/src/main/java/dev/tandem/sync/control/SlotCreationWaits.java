package dev.tandem.sync.control;

import dev.tandem.capture.PgDatabase;
import dev.tandem.capture.replication.OpenTransaction;
import dev.tandem.capture.replication.SlotCreationListener;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.SQLException;
import java.util.List;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Records in {@code tandem.slot_creation_wait} the transactions a slot creation of a migration waits for, replaced at
 * every check and removed when the creation ends, so {@code tandem status} and the API show them; the only writer of
 * that table. A failed write is logged and retried at the next check: the creation goes on regardless.
 */
public final class SlotCreationWaits implements SlotCreationListener {

    private static final Logger log = LoggerFactory.getLogger(SlotCreationWaits.class);

    private final PgDatabase control;
    private final String migration;
    private Connection session;

    /** Writes into the control schema of {@code control} (the database the migration applies to). */
    public SlotCreationWaits(PgDatabase control, String migration) {
        this.control = control;
        this.migration = migration;
    }

    @Override
    public synchronized void waiting(String slotName, List<OpenTransaction> open) {
        try {
            replace(slotName, open);
        } catch (SQLException e) {
            log.warn("migration {}: cannot record in {} which transactions the creation of slot {} waits for ({}); the "
                    + "log names them", migration, control, slotName, e.getMessage());
            closeSession();
        }
    }

    @Override
    public synchronized void ended(String slotName) {
        try {
            replace(slotName, List.of());
        } catch (SQLException e) {
            log.warn("migration {}: cannot clear in {} the transactions the creation of slot {} waited for ({}); the "
                    + "status shows them until the next creation", migration, control, slotName, e.getMessage());
        } finally {
            closeSession();
        }
    }

    private void replace(String slotName, List<OpenTransaction> open) throws SQLException {
        if (session == null) {
            session = control.connect("tandem-slot-wait-report");
        }
        session.setAutoCommit(false);
        try (PreparedStatement delete = session.prepareStatement(
                "DELETE FROM tandem.slot_creation_wait WHERE migration = ? AND slot_name = ?");
             PreparedStatement insert = session.prepareStatement("""
                     INSERT INTO tandem.slot_creation_wait (migration, slot_name, pid, usename, datname, application, state,
                                                            open_seconds, last_query)
                     VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)""")) {
            delete.setString(1, migration);
            delete.setString(2, slotName);
            delete.executeUpdate();
            for (OpenTransaction tx : open) {
                insert.setString(1, migration);
                insert.setString(2, slotName);
                insert.setInt(3, tx.pid());
                insert.setString(4, tx.user());
                insert.setString(5, tx.database());
                insert.setString(6, tx.application());
                insert.setString(7, tx.state());
                insert.setLong(8, tx.openSeconds());
                insert.setString(9, tx.lastQuery());
                insert.addBatch();
            }
            insert.executeBatch();
            session.commit();
        } catch (SQLException e) {
            try {
                session.rollback();
            } catch (SQLException rollback) {
                e.addSuppressed(rollback);
            }
            throw e;
        }
    }

    private void closeSession() {
        if (session == null) {
            return;
        }
        try {
            session.close();
        } catch (SQLException e) {
            log.debug("closing the slot-wait report session failed: {}", e.getMessage());
        }
        session = null;
    }
}
