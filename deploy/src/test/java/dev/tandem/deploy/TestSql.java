package dev.tandem.deploy;

import dev.tandem.embedded.EmbeddedPostgres;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.Statement;

/** SQL one-liners for the deploy tests, against a database of the embedded PostgreSQL. */
public final class TestSql {

    private TestSql() {
    }

    public static void exec(EmbeddedPostgres postgres, String db, String... sql) throws Exception {
        try (Connection c = postgres.connect(db); Statement st = c.createStatement()) {
            for (String s : sql) {
                st.execute(s);
            }
        }
    }

    /** The first column of the first row. */
    public static String single(EmbeddedPostgres postgres, String db, String sql) throws Exception {
        try (Connection c = postgres.connect(db); Statement st = c.createStatement(); ResultSet rs = st.executeQuery(sql)) {
            rs.next();
            return rs.getString(1);
        }
    }
}
