package dev.tandem.sync.cutover;

import static dev.tandem.capture.SqlIdentifiers.quote;
import static dev.tandem.capture.SqlIdentifiers.quoteQualified;

import dev.tandem.sync.mapping.CompiledTable;
import dev.tandem.sync.mapping.ProjectionSql;
import dev.tandem.sync.mapping.SourceColumn;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Collectors;
import org.postgresql.PGConnection;
import org.postgresql.copy.CopyIn;
import org.postgresql.copy.CopyOut;

/**
 * Checks {@code reverse(forward(row)) = row} on a sample: rows of the new table (the forward images
 * of legacy rows) are run through the reverse projection in the legacy database and compared, column
 * by column, with the legacy rows they came from. A column that comes back different loses information.
 */
public final class RoundTrip {

    private static final String STAGE = "tandem_round_trip";

    /** One legacy column the round trip does not reproduce, with how often and an example key. */
    public record Loss(String legacyTable, String column, long rows, String exampleKey) {
        @Override
        public String toString() {
            return legacyTable + "." + column + " differs after reverse(forward(row)) in " + rows + " sampled rows (e.g. key "
                    + exampleKey + ")";
        }
    }

    /** The outcome for one table: rows compared and the columns that do not survive the round trip. */
    public record Result(String newTable, String legacyTable, long rowsCompared, List<Loss> losses) {
    }

    private RoundTrip() {
    }

    /**
     * Samples up to {@code sampleRows} rows of {@code reverse.source()} (a new table) and compares their reverse
     * images with the legacy rows of the same key; the caller has drained the sync, so both sides are current.
     */
    public static Result check(Connection newDb, Connection legacyDb, CompiledTable reverse, int sampleRows)
            throws SQLException {
        boolean autoCommit = legacyDb.getAutoCommit();
        legacyDb.setAutoCommit(false);
        try {
            stageSample(newDb, legacyDb, reverse, sampleRows);
            List<String> key = reverse.targetKey();
            List<String> columns = new ArrayList<>(reverse.columns().keySet());
            String join = key.stream().map(k -> "b." + quote(k) + " = l." + quote(k)).collect(Collectors.joining(" AND "));
            String keyText = key.stream().map(k -> "b." + quote(k) + "::text").collect(Collectors.joining(" || ',' || "));
            String checks = columns.stream().map(c -> "(" + literal(c) + ", b." + quote(c) + "::text IS DISTINCT FROM l."
                    + quote(c) + "::text)").collect(Collectors.joining(", "));
            String sql = "WITH b AS (" + ProjectionSql.select(reverse, quote(STAGE)) + "), pairs AS (SELECT " + keyText
                    + " AS k, v.col, v.differs FROM b JOIN " + quoteQualified(reverse.target()) + " l ON " + join
                    + " CROSS JOIN LATERAL (VALUES " + checks + ") AS v(col, differs)) "
                    + "SELECT col, count(*) FILTER (WHERE differs), min(k) FILTER (WHERE differs), count(DISTINCT k) "
                    + "FROM pairs GROUP BY col ORDER BY col";
            List<Loss> losses = new ArrayList<>();
            long compared = 0;
            try (Statement st = legacyDb.createStatement(); ResultSet rs = st.executeQuery(sql)) {
                while (rs.next()) {
                    compared = Math.max(compared, rs.getLong(4));
                    if (rs.getLong(2) > 0) {
                        losses.add(new Loss(reverse.target(), rs.getString(1), rs.getLong(2), rs.getString(3)));
                    }
                }
            }
            return new Result(reverse.source(), reverse.target(), compared, losses);
        } finally {
            legacyDb.rollback();
            legacyDb.setAutoCommit(autoCommit);
        }
    }

    private static void stageSample(Connection newDb, Connection legacyDb, CompiledTable reverse, int sampleRows)
            throws SQLException {
        List<SourceColumn> columns = reverse.sourceColumns();
        try (Statement st = legacyDb.createStatement()) {
            st.execute("CREATE TEMP TABLE " + quote(STAGE) + " (" + columns.stream()
                    .map(c -> quote(c.name()) + " " + c.type()).collect(Collectors.joining(", ")) + ") ON COMMIT DROP");
        }
        String names = columns.stream().map(c -> quote(c.name())).collect(Collectors.joining(", "));
        // A random tenth of the rows without sorting the whole table, of which the first sampleRows in key order.
        String order = reverse.sourceKey().stream().map(k -> quote(k)).collect(Collectors.joining(", "));
        CopyOut out = newDb.unwrap(PGConnection.class).getCopyAPI().copyOut("COPY (SELECT " + names + " FROM "
                + quoteQualified(reverse.source()) + " TABLESAMPLE BERNOULLI (10) ORDER BY " + order + " LIMIT "
                + sampleRows + ") TO STDOUT");
        CopyIn in = legacyDb.unwrap(PGConnection.class).getCopyAPI().copyIn("COPY " + quote(STAGE) + " (" + names
                + ") FROM STDIN");
        try {
            byte[] row;
            while ((row = out.readFromCopy()) != null) {
                in.writeToCopy(row, 0, row.length);
            }
            in.endCopy();
        } finally {
            if (in.isActive()) {
                in.cancelCopy();
            }
        }
    }

    private static String literal(String value) {
        return "'" + value.replace("'", "''") + "'";
    }
}
