package dev.tandem.deploy.lifecycle;

import dev.tandem.capture.PgDatabase;
import dev.tandem.deploy.lifecycle.ControlUnavailableException;
import java.sql.SQLException;
import java.util.Map;

/** What the API shows of a migration's switch: the route applications follow, and the audit log. */
public final class RouteView {

    private RouteView() {
    }

    /** {@code {migration, route, phase}}: {@code route} is {@code legacy} or {@code new}. */
    public static Map<String, Object> route(PgDatabase target, String migration) throws ControlUnavailableException {
        MigrationPhase phase = phase(target, migration);
        return Map.of("migration", migration, "route", phase.route(), "phase", phase.label());
    }

    /** The migration's phase, which decides its route. */
    public static MigrationPhase phase(PgDatabase target, String migration) throws ControlUnavailableException {
        try {
            return new PhaseStore(migration, target).phase();
        } catch (SQLException e) {
            throw unavailable(target, migration, e);
        }
    }

    /** The newest 100 audit entries, newest first. */
    public static Map<String, Object> audit(PgDatabase target, String migration) throws ControlUnavailableException {
        try {
            return Map.of("migration", migration, "entries", new PhaseStore(migration, target).recent(100));
        } catch (SQLException e) {
            throw unavailable(target, migration, e);
        }
    }

    private static ControlUnavailableException unavailable(PgDatabase target, String migration, SQLException e) {
        return new ControlUnavailableException("cannot read the cutover state of " + migration + " from " + target + ": "
                + e.getMessage(), e);
    }
}
