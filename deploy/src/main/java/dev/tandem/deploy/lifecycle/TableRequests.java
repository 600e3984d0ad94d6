package dev.tandem.deploy.lifecycle;

import dev.tandem.capture.PgDatabase;
import dev.tandem.capture.SqlIdentifiers;
import dev.tandem.sync.control.TableStates;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;

/** Records an operator's pause, resume or skip request for a table, from the CLI or the API. */
public final class TableRequests {

    /** What became of a request. */
    public enum Outcome { RECORDED, NOT_PAUSED, ALREADY_PAUSED, UNKNOWN_TABLE, NOTHING_TO_SKIP }

    private TableRequests() {
    }

    /** How many of the migration's target tables are paused now. */
    public static long pausedCount(PgDatabase target, String migration) throws ControlUnavailableException {
        try (Connection c = target.connect("tandem-metrics");
             PreparedStatement ps = c.prepareStatement("SELECT count(*) FROM tandem.table_state WHERE migration = ?")) {
            ps.setString(1, migration);
            try (ResultSet rs = ps.executeQuery()) {
                rs.next();
                return rs.getLong(1);
            }
        } catch (SQLException e) {
            throw new ControlUnavailableException("cannot count the paused tables of " + migration + " in " + target + ": "
                    + e.getMessage(), e);
        }
    }

    /**
     * Records a resume or skip request for a paused table; a skip is refused for a table the operator paused, since
     * none of its changes was rejected.
     *
     * @param table {@code schema.table} (quoted parts allowed); an invalid name throws {@link IllegalArgumentException}
     */
    public static Outcome request(PgDatabase target, String migration, String table, TableStates.State action,
                                  String reason) throws ControlUnavailableException {
        String name = SqlIdentifiers.canonical(table);
        TableStates states = new TableStates(migration);
        try (Connection c = target.connect("tandem-request")) {
            TableStates.Pause pause = states.load(c).get(name);
            if (pause == null) {
                return Outcome.NOT_PAUSED;
            }
            if (action == TableStates.State.SKIP && pause.byOperator()) {
                return Outcome.NOTHING_TO_SKIP;
            }
            states.request(c, name, action, reason);
            return Outcome.RECORDED;
        } catch (SQLException e) {
            throw new ControlUnavailableException("cannot record the request in " + target + ": " + e.getMessage(), e);
        }
    }

    /**
     * Pauses a table on the operator's behalf: the running applier parks its changes until a resume. Only tables
     * this migration's backfill knows (rows in {@code tandem.backfill} or {@code tandem.backfill_chunk}) can be paused.
     */
    public static Outcome pause(PgDatabase target, String migration, String table, String reason)
            throws ControlUnavailableException {
        String name = SqlIdentifiers.canonical(table);
        TableStates states = new TableStates(migration);
        try (Connection c = target.connect("tandem-request")) {
            c.setAutoCommit(false);
            if (!states.isMapped(c, name)) {
                c.rollback();
                return Outcome.UNKNOWN_TABLE;
            }
            boolean paused = states.pauseByOperator(c, name, reason);
            c.commit();
            return paused ? Outcome.RECORDED : Outcome.ALREADY_PAUSED;
        } catch (SQLException e) {
            throw new ControlUnavailableException("cannot record the pause in " + target + ": " + e.getMessage()
                    + " (is the control schema there? `tandem run` creates it)", e);
        }
    }
}
