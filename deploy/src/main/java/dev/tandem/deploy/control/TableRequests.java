package dev.tandem.deploy.control;

import dev.tandem.capture.PgDatabase;
import dev.tandem.sync.control.TableStates;
import java.sql.Connection;
import java.sql.SQLException;

/** Records an operator's resume or skip request for a paused table, from the CLI or the API. */
public final class TableRequests {

    /** What became of a request. */
    public enum Outcome { RECORDED, NOT_PAUSED }

    private TableRequests() {
    }

    public static Outcome request(PgDatabase target, String migration, String table, TableStates.State action,
                                  String reason) throws ControlUnavailableException {
        TableStates states = new TableStates(migration);
        try (Connection c = target.connect("tandem-request")) {
            if (!states.load(c).containsKey(table)) {
                return Outcome.NOT_PAUSED;
            }
            states.request(c, table, action, reason);
            return Outcome.RECORDED;
        } catch (SQLException e) {
            throw new ControlUnavailableException("cannot record the request in " + target + ": " + e.getMessage(), e);
        }
    }
}
