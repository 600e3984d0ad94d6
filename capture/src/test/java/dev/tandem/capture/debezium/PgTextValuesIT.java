package dev.tandem.capture.debezium;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.tandem.embedded.EmbeddedPostgres;
import dev.tandem.embedded.SharedTestStack;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/** Every literal {@link PgTextValues} prints is read back by a real PostgreSQL as the value it stands for. */
class PgTextValuesIT {

    private static final String DATABASE = "capture_pgtext_it";

    @Test
    void postgresReadsEveryLiteralAsTheSameValue() throws SQLException {
        EmbeddedPostgres postgres = SharedTestStack.get().postgres();
        postgres.createDatabase(DATABASE);
        List<String> wrong = new ArrayList<>();
        try (Connection c = postgres.connect(DATABASE)) {
            try (Statement st = c.createStatement()) {
                st.execute("CREATE EXTENSION IF NOT EXISTS hstore");
                st.execute("SET DateStyle = 'ISO, MDY'");
                st.execute("SET IntervalStyle = 'postgres'");
                st.execute("SET extra_float_digits = 1");
                st.execute("SET TimeZone = 'UTC'");
            }
            for (PgTextCases.Case k : PgTextCases.all()) {
                String literal;
                try {
                    literal = PgTextValues.toText(k.name(), k.schema(), k.value());
                } catch (RuntimeException e) {
                    wrong.add(k.name() + ": no literal: " + e);
                    continue;
                }
                // Columns 2 and 3 come back in text format: what the type's output function prints.
                String sql = "SELECT ?::" + k.pgType() + " IS NOT DISTINCT FROM (" + k.reference() + ")::" + k.pgType()
                        + ", (" + k.reference() + ")::" + k.pgType() + ", ?::" + k.pgType();
                try (PreparedStatement ps = c.prepareStatement(sql)) {
                    ps.setString(1, literal);
                    ps.setString(2, literal);
                    try (ResultSet rs = ps.executeQuery()) {
                        rs.next();
                        if (!rs.getBoolean(1)) {
                            wrong.add(k.name() + ": '" + literal + "' reads as '" + rs.getString(3)
                                    + "', expected '" + rs.getString(2) + "'");
                        } else if (k.canonical() && !literal.equals(rs.getString(2))) {
                            wrong.add(k.name() + ": '" + literal + "' is not how PostgreSQL prints it: '"
                                    + rs.getString(2) + "'");
                        }
                    }
                } catch (SQLException e) {
                    wrong.add(k.name() + ": PostgreSQL rejects '" + literal + "' as " + k.pgType() + ": " + e.getMessage());
                }
            }
        }
        assertTrue(wrong.isEmpty(), String.join("\n", wrong));
        assertEquals(PgTextCases.all().size(), PgTextCases.all().stream().map(PgTextCases.Case::name).distinct().count(),
                "case names are unique");
    }
}
