package dev.tandem.deploy.lifecycle.switchover;

import static dev.tandem.capture.SqlIdentifiers.quote;
import static dev.tandem.capture.SqlIdentifiers.quoteQualified;

import dev.tandem.sync.mapping.CompiledJoin;
import dev.tandem.sync.mapping.CompiledTable;
import dev.tandem.sync.mapping.ProjectionSql;
import dev.tandem.sync.mapping.SourceColumn;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;
import org.postgresql.PGConnection;

/**
 * Checks {@code reverse(forward(row)) = row} on a sample of legacy rows: the rows are projected forward by
 * the new database and back by the legacy database, then compared column by column with themselves. The
 * sample is read once, so rows changing meanwhile cannot cause a false alarm; a column that comes back
 * different loses information.
 */
public final class RoundTrip {

    private static final String SAMPLE = "tandem_round_trip_sample";
    /** The {@link Loss} column of rows the reverse would create that the legacy table did not have. */
    static final String MADE_UP = "(rows it did not have)";
    private static final String ORIGINAL = "tandem_round_trip_original";
    private static final String FORWARD = "tandem_round_trip_forward";
    private static final String BACK = "tandem_round_trip_back";

    /** One legacy column the round trip does not reproduce, with how often and an example key. */
    public record Loss(String legacyTable, String column, long rows, String exampleKey) {
        @Override
        public String toString() {
            if (column.equals(MADE_UP)) {
                return legacyTable + " would get " + rows + " sampled rows it did not have (e.g. key " + exampleKey
                        + "): give its reverse projection a 'filter:' saying which new rows have a row there";
            }
            return legacyTable + "." + column + " differs after reverse(forward(row)) in " + rows + " sampled rows (e.g. key "
                    + exampleKey + ")";
        }
    }

    /** The outcome for one table: rows compared and the columns that do not survive the round trip. */
    public record Result(String legacyTable, long rowsCompared, List<Loss> losses) {
    }

    private RoundTrip() {
    }

    /**
     * Samples up to {@code sampleRows} rows of {@code forward.source()} and runs them through {@code forward}
     * (evaluated in {@code newDb}) and {@code reverse} (evaluated in {@code legacyDb}).
     */
    public static Result check(Connection legacyDb, Connection newDb, CompiledTable forward, CompiledTable reverse,
                               int sampleRows) throws SQLException {
        return check(legacyDb, newDb, List.of(forward), reverse, sampleRows);
    }

    /**
     * The round trip through several new tables or from several legacy tables: {@code forwards} are the projections
     * into each of {@code reverse}'s sources (its main table first, then its joins), all with the same main legacy
     * table, whose rows are sampled; a merged forward also reads the rows its joined legacy tables hold for the
     * sampled keys. {@code reverse} writes one of those legacy tables, whose rows it is compared with.
     */
    public static Result check(Connection legacyDb, Connection newDb, List<CompiledTable> forwards, CompiledTable reverse,
                               int sampleRows) throws SQLException {
        CompiledTable first = forwards.get(0);
        return inTransaction(legacyDb, () -> {
            try (Statement st = legacyDb.createStatement()) {
                st.execute("CREATE TEMP TABLE " + quote(SAMPLE) + " ON COMMIT DROP AS SELECT " + quoteAll(names(first.sourceColumns()))
                        + " FROM " + quoteQualified(first.source()) + " TABLESAMPLE BERNOULLI (10) LIMIT " + sampleRows);
            }
            Map<String, List<SourceColumn>> columnsOf = new LinkedHashMap<>();
            Map<String, byte[]> rowsOf = new LinkedHashMap<>();
            columnsOf.put(first.source(), first.sourceColumns());
            rowsOf.put(first.source(), copyOut(legacyDb, "SELECT * FROM " + quote(SAMPLE)));
            for (CompiledTable forward : forwards) {
                for (CompiledJoin join : forward.joins()) {
                    if (!rowsOf.containsKey(join.source())) {
                        columnsOf.put(join.source(), join.sourceColumns());
                        rowsOf.put(join.source(), copyOut(legacyDb, joinedRows(join)));
                    }
                }
            }
            List<List<SourceColumn>> backColumns = new ArrayList<>();
            backColumns.add(reverse.sourceColumns());
            reverse.joins().forEach(j -> backColumns.add(j.sourceColumns()));
            List<byte[]> projected = inTransaction(newDb, () -> forward(newDb, forwards, columnsOf, rowsOf, backColumns));
            List<SourceColumn> original = columnsOf.get(reverse.target());
            if (original == null) {
                throw new IllegalStateException(reverse.target() + " is neither " + first.source() + " nor joined to it");
            }
            // the original rows typed as the legacy table types them, so both sides of the comparison are legacy values
            stage(legacyDb, ORIGINAL, original.stream().map(c -> new SourceColumn(c.name(),
                    reverse.targetTypes().getOrDefault(c.name(), "text"))).toList(), rowsOf.get(reverse.target()));
            Map<String, String> staged = new HashMap<>();
            for (int i = 0; i < forwards.size(); i++) {
                String name = BACK + "_" + i;
                stage(legacyDb, name, backColumns.get(i), projected.get(i));
                staged.put(forwards.get(i).target(), quote(name));
            }
            return compare(legacyDb, reverse, ProjectionSql.selectFrom(reverse, ProjectionSql.sourceFrom(reverse, staged::get)));
        });
    }

    /** The rows of a joined legacy table that the sampled main rows join. */
    private static String joinedRows(CompiledJoin join) {
        String on = join.mainKeyOf().entrySet().stream().map(e -> "j." + quote(e.getKey()) + " = s." + quote(e.getValue()))
                .collect(Collectors.joining(" AND "));
        String columns = join.sourceColumns().stream().map(c -> "j." + quote(c.name())).collect(Collectors.joining(", "));
        return "SELECT " + columns + " FROM " + quoteQualified(join.source()) + " AS j JOIN " + quote(SAMPLE) + " AS s ON " + on;
    }

    /** Each forward projection of the sampled rows, as rows of the reverse source it feeds (unwritten columns NULL). */
    private static List<byte[]> forward(Connection newDb, List<CompiledTable> forwards, Map<String, List<SourceColumn>> columnsOf,
                                        Map<String, byte[]> rowsOf, List<List<SourceColumn>> backColumns) throws SQLException {
        Map<String, String> staged = new HashMap<>();
        int n = 0;
        for (Map.Entry<String, List<SourceColumn>> e : columnsOf.entrySet()) {
            String name = FORWARD + "_" + n++;
            stage(newDb, name, e.getValue(), rowsOf.get(e.getKey()));
            staged.put(e.getKey(), quote(name));
        }
        List<byte[]> rows = new ArrayList<>();
        for (int i = 0; i < forwards.size(); i++) {
            CompiledTable forward = forwards.get(i);
            String newRow = backColumns.get(i).stream()
                    .map(c -> forward.written().containsKey(c.name())
                            ? "CAST(p." + quote(c.name()) + " AS " + forward.targetTypes().get(c.name()) + ")" : "NULL")
                    .collect(Collectors.joining(", "));
            rows.add(copyOut(newDb, "SELECT " + newRow + " FROM (" + ProjectionSql.selectFrom(forward,
                    ProjectionSql.sourceFrom(forward, staged::get)) + ") AS p"));
        }
        return rows;
    }

    private static List<String> names(List<SourceColumn> columns) {
        return columns.stream().map(SourceColumn::name).toList();
    }

    /**
     * Reverse images (cast to the legacy column types, as writing them would) against the original rows, both typed
     * as the legacy column and compared as the reconciler compares values: equal when they print the same in the same
     * session ({@link #sameValue}).
     */
    private static Result compare(Connection legacyDb, CompiledTable reverse, String back) throws SQLException {
        List<String> key = reverse.targetKey();
        List<String> columns = new ArrayList<>(reverse.columns().keySet());
        String join = key.stream().map(k -> asLegacy(reverse, "b", k) + " = " + printed(reverse, "o." + quote(k), k))
                .collect(Collectors.joining(" AND "));
        String keyText = key.stream().map(k -> "o." + quote(k)).collect(Collectors.joining(" || ',' || "));
        String checks = columns.stream().map(c -> "(" + literal(c) + ", " + asLegacy(reverse, "b", c) + " IS DISTINCT FROM "
                + printed(reverse, "o." + quote(c), c) + ")").collect(Collectors.joining(", "));
        String sql = "WITH b AS (" + back + "), pairs AS (SELECT " + keyText
                + " AS k, v.col, v.differs FROM b JOIN " + quote(ORIGINAL) + " o ON " + join
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
        // a row the reverse writes that the legacy table did not have (a joined table's missing row, written back)
        String madeUpKey = key.stream().map(k -> asLegacy(reverse, "b", k)).collect(Collectors.joining(" || ',' || "));
        try (Statement st = legacyDb.createStatement(); ResultSet rs = st.executeQuery("WITH b AS (" + back + ") SELECT count(*), min("
                + madeUpKey + ") FROM b WHERE NOT EXISTS (SELECT 1 FROM " + quote(ORIGINAL) + " o WHERE " + join + ")")) {
            rs.next();
            if (rs.getLong(1) > 0) {
                losses.add(new Loss(reverse.target(), MADE_UP, rs.getLong(1), rs.getString(2)));
            }
        }
        return new Result(reverse.target(), compared, losses);
    }

    /** A reverse image's column as the legacy column would store it, printed. */
    private static String asLegacy(CompiledTable reverse, String alias, String column) {
        return printed(reverse, "CAST(" + alias + "." + quote(column) + " AS " + reverse.targetTypes().get(column) + ")", column);
    }

    /**
     * How a legacy value is compared ({@code value} is already of the legacy column's type): by its printed text in the
     * pinned session, under the "C" collation, as the reconciler's row hash does, so {@code 1.0} and {@code 1.00},
     * {@code NULL} and {@code ''} differ while a {@code char(n)} value equals itself however it was padded. A
     * {@code json} value compares as {@code jsonb}: json has no equality, and its spacing and key order are not
     * values an application can tell apart once parsed (a {@code jsonb} column in between normalizes them).
     */
    static String sameValue(String type, String value) {
        String base = type.replaceAll("(\\[\\])+$", "");
        String dims = type.substring(base.length());
        if (base.equals("json")) {
            return "(" + value + ")::jsonb" + dims + "::text COLLATE \"C\"";
        }
        return "(" + value + ")::text COLLATE \"C\"";
    }

    private static String printed(CompiledTable reverse, String value, String column) {
        return sameValue(reverse.targetTypes().get(column), value);
    }

    private static void stage(Connection c, String name, List<SourceColumn> columns, byte[] rows) throws SQLException {
        try (Statement st = c.createStatement()) {
            st.execute("CREATE TEMP TABLE " + quote(name) + " (" + columns.stream()
                    .map(col -> quote(col.name()) + " " + col.type()).collect(Collectors.joining(", ")) + ") ON COMMIT DROP");
        }
        try {
            c.unwrap(PGConnection.class).getCopyAPI().copyIn("COPY " + quote(name) + " FROM STDIN",
                    new ByteArrayInputStream(rows));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private static byte[] copyOut(Connection c, String query) throws SQLException {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        try {
            c.unwrap(PGConnection.class).getCopyAPI().copyOut("COPY (" + query + ") TO STDOUT", out);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return out.toByteArray();
    }

    @FunctionalInterface
    private interface Work<T> {
        T run() throws SQLException;
    }

    /**
     * Runs {@code work} in a transaction that is rolled back: the temporary tables go with it. The settings that
     * change how values print are pinned for it, so rows copied as text between the databases keep every digit and
     * parse back the same ({@code DateStyle} differing between the two servers would swap days and months).
     */
    private static <T> T inTransaction(Connection c, Work<T> work) throws SQLException {
        boolean autoCommit = c.getAutoCommit();
        c.setAutoCommit(false);
        try {
            try (Statement st = c.createStatement()) {
                st.execute("SET LOCAL DateStyle = 'ISO, MDY'; SET LOCAL IntervalStyle = 'postgres'; "
                        + "SET LOCAL extra_float_digits = 3; SET LOCAL bytea_output = 'hex'");
            }
            return work.run();
        } finally {
            c.rollback();
            c.setAutoCommit(autoCommit);
        }
    }

    private static String quoteAll(List<String> names) {
        return names.stream().map(n -> quote(n)).collect(Collectors.joining(", "));
    }

    private static String literal(String value) {
        return "'" + value.replace("'", "''") + "'";
    }
}
