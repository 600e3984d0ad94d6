package dev.tandem.reconcile.digest;

import java.sql.Connection;
import java.sql.SQLException;
import java.sql.Statement;

/**
 * Pins the session settings that change how values render as text, so both databases print equal values
 * identically before they are hashed; and plans every chunk query for its own bounds (a generic plan of a
 * prepared range query may scan the whole table).
 */
public final class SessionPin {

    private SessionPin() {
    }

    public static Connection pin(Connection c) throws SQLException {
        try (Statement st = c.createStatement()) {
            st.execute("SET TimeZone = 'UTC'; SET DateStyle = 'ISO, MDY'; SET IntervalStyle = 'postgres'; "
                    + "SET extra_float_digits = 3; SET bytea_output = 'hex'; SET lc_monetary = 'C'; "
                    + "SET plan_cache_mode = 'force_custom_plan'");
        }
        return c;
    }
}
