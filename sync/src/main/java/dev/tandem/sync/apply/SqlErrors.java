package dev.tandem.sync.apply;

import java.sql.SQLException;
import java.util.Set;

/** Tells failures worth retrying (the connection or the server went away, a lock conflict) from bad data. */
final class SqlErrors {

    private static final Set<String> TRANSIENT_STATES = Set.of("57P01", "57P02", "57P03", "40001", "40P01", "53300");

    private SqlErrors() {
    }

    static boolean isTransient(SQLException e) {
        String state = e.getSQLState();
        return state != null && (state.startsWith("08") || TRANSIENT_STATES.contains(state));
    }
}
