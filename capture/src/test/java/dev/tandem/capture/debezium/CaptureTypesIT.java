package dev.tandem.capture.debezium;

import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.tandem.capture.envelope.ChangeEnvelope;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.Test;

/**
 * Every column type tandem carries, with its edge values, goes through the real connector and comes out as
 * a literal PostgreSQL casts back to the very value in the source row.
 */
class CaptureTypesIT {

    /** Columns whose captured literal is a valid spelling of the value but not the one PostgreSQL prints. */
    private static final Set<String> FREE_SPELLING = Set.of("tstz", "iv", "r", "f", "tags", "matrix", "kv", "tt");

    /**
     * What the connector (Debezium 3.6, pgoutput) changes before tandem sees the value, by "row column". The
     * test fails when one of these stops happening, so the list stays true; each loss is a limit to document
     * or refuse at setup.
     */
    private static final Map<String, String> KNOWN_DIFFERENCES = Map.of(
            "1 matrix", "captured '{NULL,NULL}' is another value", // loss: multi-dimensional arrays arrive as NULL elements
            "1 tt", "captured '04:45:30.5Z' is another value",     // loss: timetz arrives shifted to UTC, the offset is gone
            "2 tt", "captured '03:00:00Z' is another value",       // loss: '24:00:00-03' likewise
            "5 ts", "is refused by PostgreSQL",                    // loud: past epoch microseconds in a long (294247 AD)
            "6 nv", "captured 'POSITIVE_INFINITY' is refused",     // loud: numeric Infinity has no string-mode literal
            "5 n", "captured 'NAN' is not spelled",                // spelling only: PostgreSQL reads NAN as NaN
            "5 nv", "captured 'NAN' is not spelled");

    private static final String COLUMNS = "id, n, nv, d, t, ts, ts3, tstz, iv, b, flag, small, big, r, f, txt, tags, matrix, kv, doc, ref, tt";

    @Test
    void everyValueCastsBackToTheSourceValue() throws Exception {
        try (CaptureFixture capture = new CaptureFixture("capture_types_it", """
                CREATE EXTENSION IF NOT EXISTS hstore;
                CREATE SCHEMA app;
                CREATE TABLE app.typed (id int PRIMARY KEY, n numeric(14,4), nv numeric, d date, t time, ts timestamp,
                    ts3 timestamp(3), tstz timestamptz DEFAULT clock_timestamp(), iv interval, b bytea, flag boolean, small smallint DEFAULT 7, big bigint,
                    r real, f double precision, txt text, tags text[], matrix int[], kv hstore, doc jsonb, ref uuid, tt timetz);
                """, List.of("app.typed"))) {
            List<Long> txIds = new ArrayList<>();
            for (String row : List.of(
                    "(1, 1.5, 12.345, '2024-02-29', '10:30:00.123', '2024-02-29 23:59:59.123456', '2024-02-29 23:59:59.123',"
                            + " '2024-02-29 23:59:59.123456+05:30', '1 year 2 months 3 days 04:05:06.789', '\\x00ff10', true,"
                            + " -32768, -9223372036854775808, 0.1, 0.1, 'it''s \"q\" \\ ✓ 東京',"
                            + " ARRAY['plain', 'a,b', NULL, '{x}', '\"q\"', 'back\\slash', '', 'NULL'], ARRAY[[1, 2], [3, NULL]],"
                            + " 'a=>1, \"k\\\"ey\"=>NULL', '{\"a\": [1, 2.50, null]}', gen_random_uuid(), '10:15:30.5+05:30')",
                    "(2, -0.0001, 1.10, '0001-02-29 BC', '24:00:00', '0001-02-29 06:07:08.9 BC', '1500-06-01 12:00:00.5',"
                            + " '1969-12-31 23:59:59.999999+00', '-1 days +02:00:00.000001', '', false, 0, 9223372036854775807,"
                            + " 'NaN', '-Infinity', '', '{}', '{}', '', '[]', '00000000-0000-0000-0000-000000000000', '24:00:00-03')",
                    "(3, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL,"
                            + " NULL, NULL, NULL, NULL)",
                    "(4, 9999999999.9999, 0.000000000000000000001, '9999-12-31', '00:00:00', '9999-12-31 23:59:59.999999',"
                            + " '2300-01-01 00:00:00', '0044-03-15 12:00:00+00 BC', '0 seconds', '\\x00', true, 1, -1,"
                            + " 1e10, 1e-5, repeat('x', 3000), ARRAY[repeat('y', 10)], ARRAY[]::int[], '\"\"=>\"\"',"
                            + " '\"plain string\"', 'a0eebc99-9c0b-4ef8-bb6d-6bb9bd380a11', '00:00:00+00')",
                    "(5, 'NaN', 'NaN', '294276-12-31', '23:59:59.999999', '294276-12-31 23:59:59.999999',"
                            + " '4713-01-01 00:00:00 BC', 'infinity', '178000000 years', NULL, NULL, NULL, NULL,"
                            + " 'Infinity', 'NaN', NULL, NULL, NULL, NULL, 'null', NULL, NULL)",
                    "(6, NULL, 'Infinity', 'infinity', NULL, 'infinity', '-infinity', '-infinity', NULL, NULL, NULL, NULL,"
                            + " NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL)")) {
                txIds.add(capture.write("INSERT INTO app.typed (" + COLUMNS + ") VALUES " + row));
            }
            Map<String, String> types = capture.columnTypes("app.typed");
            Map<String, LinkedHashMap<String, String>> source = capture.rowsAsText("app.typed", "true");

            List<CapturedTransaction> log = capture.awaitTransactions(txIds.toArray(Long[]::new));

            List<String> wrong = new ArrayList<>();
            try (Connection c = capture.source.connect("test")) {
                for (long txId : txIds) {
                    for (ChangeEnvelope change : CapturedTransaction.find(log, txId).changes()) {
                        String id = change.key().get("id");
                        for (Map.Entry<String, String> column : types.entrySet()) {
                            String name = column.getKey();
                            compare(c, id, name, column.getValue(), change.after().get(name), source.get(id).get(name), wrong);
                        }
                    }
                }
            }
            List<String> unexpected = new ArrayList<>(wrong);
            for (Map.Entry<String, String> known : KNOWN_DIFFERENCES.entrySet()) {
                String prefix = "row " + known.getKey() + " ";
                boolean seen = unexpected.removeIf(w -> w.startsWith(prefix) && w.contains(known.getValue()));
                assertTrue(seen, "no longer happens, remove it from KNOWN_DIFFERENCES: " + known + "\nall: " + wrong);
            }
            assertTrue(unexpected.isEmpty(), unexpected.size() + " values differ:\n" + String.join("\n", unexpected));
        }
    }

    private static void compare(Connection c, String id, String column, String type, String captured, String printed,
                                List<String> wrong) {
        String where = "row " + id + " " + column + " (" + type + "): captured '" + CaptureFixture.abbreviated(captured) + "'";
        try (PreparedStatement ps = c.prepareStatement(
                "SELECT ?::" + type + " IS NOT DISTINCT FROM " + column + " FROM app.typed WHERE id = " + Integer.parseInt(id))) {
            ps.setString(1, captured);
            try (ResultSet rs = ps.executeQuery()) {
                rs.next();
                if (!rs.getBoolean(1)) {
                    wrong.add(where + " is another value than the source's '" + CaptureFixture.abbreviated(printed) + "'");
                } else if (!FREE_SPELLING.contains(column) && captured != null && !captured.equals(printed)) {
                    wrong.add(where + " is not spelled as PostgreSQL prints it: '" + CaptureFixture.abbreviated(printed) + "'");
                }
            }
        } catch (Exception e) {
            wrong.add(where + " is refused by PostgreSQL (source '" + CaptureFixture.abbreviated(printed) + "'): " + e.getMessage());
        }
    }
}
