package dev.tandem.deploy.lifecycle;

import static dev.tandem.deploy.lifecycle.CutoverIT.exec;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.tandem.capture.PgDatabase;
import dev.tandem.deploy.lifecycle.switchover.RoundTrip;
import dev.tandem.embedded.SharedTestStack;
import dev.tandem.sync.mapping.CompiledTable;
import dev.tandem.sync.mapping.MappingCompiler;
import dev.tandem.sync.mapping.MappingParser;
import dev.tandem.sync.mapping.MappingSpec;
import dev.tandem.sync.mapping.ReverseMapping;
import java.io.StringReader;
import java.sql.Connection;
import java.sql.SQLException;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * The reverse round-trip gate over every kind of column: for each type an identity reverse comes back equal on every
 * sampled row, and a lossy reverse of the same column is caught, naming the column and a key.
 */
class RoundTripIT {

    private static final int ROWS = 300;
    private static final PgDatabase LEGACY = database("roundtrip_legacy");
    private static final PgDatabase NEW_DB = database("roundtrip_new");

    /**
     * One column type: the legacy and new column types ({@code newType} null: the new table drops the column), how row
     * {@code g} fills it, the forward and identity reverse expressions, and a reverse that loses information.
     */
    record Case(String name, String legacyType, String newType, String values, String forward, String reverse, String lossy) {
        static Case same(String name, String type, String values, String lossy) {
            return new Case(name, type, type, values, "a.c", "n.c", lossy);
        }

        @Override
        public String toString() {
            return name;
        }
    }

    static Stream<Case> cases() {
        return Stream.of(
                Case.same("char_n", "character(10)", "'v' || g", "left(n.c, 1)"),
                new Case("char_to_text", "character(84)", "text", "''", "a.c", "n.c", "'x'"), // pgbench's filler
                Case.same("varchar_n", "character varying(20)", "'name ' || g || '  '", "rtrim(n.c)"),
                Case.same("numeric_p_s", "numeric(12,2)", "g * 1.25", "round(n.c)"),
                Case.same("numeric", "numeric", "g * 1.10", "n.c::float8::numeric"),
                new Case("numeric_to_cents", "numeric(12,2)", "bigint", "g * 1.25", "(a.c * 100)::bigint",
                        "(n.c / 100.0)::numeric(12,2)", "(n.c / 100)::numeric(12,2)"), // integer division drops cents
                Case.same("float8", "double precision", "g / 3.0::float8", "n.c::real"),
                Case.same("float4", "real", "g / 7.0::real", "round(n.c::numeric, 2)::real"),
                Case.same("timestamp_p", "timestamp(3) without time zone",
                        "timestamp '2024-01-01' + g * interval '1.234567 second'", "date_trunc('second', n.c)"),
                Case.same("timestamptz", "timestamp with time zone",
                        "timestamptz '2024-03-31 01:30:00+00' + g * interval '37 minutes 0.000001 second'",
                        "date_trunc('minute', n.c)"),
                new Case("timestamptz_to_timestamp", "timestamp with time zone", "timestamp without time zone",
                        "timestamptz '2024-10-27 00:30:00+00' + g * interval '7 minutes'", "a.c AT TIME ZONE 'UTC'",
                        "n.c AT TIME ZONE 'UTC'", "n.c AT TIME ZONE 'Europe/Berlin'"),
                Case.same("interval", "interval", "make_interval(months => g % 3, days => g, hours => 25, secs => 0.5)",
                        "justify_hours(n.c)"),
                new Case("json_to_jsonb", "json", "jsonb", "('{\"b\": 1,   \"a\": ' || g || '}')::json", "a.c::jsonb",
                        "n.c::json", "(n.c - 'a')::json"),
                Case.same("json", "json", "('{\"b\": [1, 2],  \"a\": \"' || g || '\"}')::json", "(n.c::jsonb - 'b')::json"),
                Case.same("jsonb", "jsonb", "jsonb_build_object('a', g, 'b', 'x')", "n.c - 'a'"),
                Case.same("int_array", "integer[]", "ARRAY[g, g + 1, NULL]", "n.c[1:2]"),
                Case.same("text_array", "text[]", "ARRAY['a b', '', NULL, g::text]", "array_remove(n.c, '')"),
                Case.same("char_array", "character(4)[]", "ARRAY['ab', g::text]::character(4)[]", "ARRAY[n.c[2]]::character(4)[]"),
                Case.same("bytea", "bytea", "decode(md5(g::text), 'hex')", "substring(n.c from 1 for 8)"),
                Case.same("uuid", "uuid", "md5(g::text)::uuid", "(left(n.c::text, 35) || '0')::uuid"),
                Case.same("inet", "inet", "('10.0.' || (g % 256) || '.' || (g % 7 + 1) || '/16')::inet", "network(n.c)::inet"),
                new Case("enum_to_text", "legacy.mood", "text", "(ARRAY['sad', 'ok', 'happy'])[g % 3 + 1]::legacy.mood",
                        "a.c::text", "n.c::legacy.mood", "'ok'::legacy.mood"),
                new Case("domain", "legacy.positive", "integer", "g", "a.c::integer", "n.c", "n.c / 2 * 2"),
                new Case("domain_char", "legacy.code", "character(5)", "('c' || g)::legacy.code", "a.c", "n.c::legacy.code",
                        "left(n.c, 2)::legacy.code"),
                new Case("dropped_column", "text", null, "'note ' || g", null, "n.c", "'unknown'"));
    }

    @BeforeAll
    static void types() throws SQLException {
        exec(LEGACY, "DROP SCHEMA IF EXISTS legacy CASCADE", "CREATE SCHEMA legacy",
                "CREATE TYPE legacy.mood AS ENUM ('sad', 'ok', 'happy')",
                "CREATE DOMAIN legacy.positive AS integer CHECK (VALUE > 0)",
                "CREATE DOMAIN legacy.code AS character(5)");
        exec(NEW_DB, "DROP SCHEMA IF EXISTS app CASCADE", "CREATE SCHEMA app");
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("cases")
    void anIdentityReverseComesBackEqualAndALossyOneIsCaught(Case c) throws Exception {
        String legacyTable = "legacy.t_" + c.name();
        String newTable = "app.t_" + c.name();
        exec(LEGACY, "CREATE TABLE " + legacyTable + " (id integer PRIMARY KEY, c " + c.legacyType() + ")",
                "INSERT INTO " + legacyTable + " SELECT g, " + c.values() + " FROM generate_series(1, " + ROWS + ") g");
        exec(NEW_DB, "CREATE TABLE " + newTable + " (id integer PRIMARY KEY" + (c.newType() == null ? "" : ", c " + c.newType())
                + ")");
        if (c.name().equals("dropped_column")) {
            // the reverse can only make the dropped column up; identity here means the legacy value is not needed
            RoundTrip.Result lossy = roundTrip(c, c.lossy());
            assertLoss(c, lossy);
            return;
        }
        RoundTrip.Result identity = roundTrip(c, c.reverse());
        assertTrue(identity.rowsCompared() > 0, "no rows sampled");
        assertEquals(List.of(), identity.losses(), c + ": an identity reverse must come back equal");
        assertLoss(c, roundTrip(c, c.lossy()));
    }

    private static void assertLoss(Case c, RoundTrip.Result result) {
        assertEquals(1, result.losses().size(), c + ": the lossy reverse " + c.lossy() + " must be caught: " + result.losses());
        RoundTrip.Loss loss = result.losses().get(0);
        assertEquals("c", loss.column(), loss.toString());
        assertEquals("legacy.t_" + c.name(), loss.legacyTable());
        assertNotNull(loss.exampleKey(), loss.toString());
        assertTrue(loss.toString().contains("legacy.t_" + c.name() + ".c differs") && loss.toString().contains("e.g. key "),
                loss.toString());
    }

    private static RoundTrip.Result roundTrip(Case c, String reverse) throws SQLException {
        String yaml = """
                tables:
                  - target: app.t_%1$s
                    from: legacy.t_%1$s a
                    key:
                      id: a.id
                %2$s
                    reverse:
                      as: n
                      columns:
                        id: n.id
                        c: "%3$s"
                """.formatted(c.name(), c.forward() == null ? "" : "    columns:\n      c: \"" + escape(c.forward()) + "\"",
                escape(reverse));
        MappingSpec mapping = MappingParser.parse(c.name() + ".yaml", new StringReader(yaml));
        try (Connection legacy = LEGACY.connect("test"); Connection newDb = NEW_DB.connect("test")) {
            CompiledTable forward = MappingCompiler.compile(mapping, legacy, newDb).get(0);
            CompiledTable back = MappingCompiler.compile(ReverseMapping.of(mapping), newDb, legacy).get(0);
            return RoundTrip.check(legacy, newDb, forward, back, ROWS);
        }
    }

    private static String escape(String expression) {
        return expression.replace("\\", "\\\\").replace("\"", "\\\"");
    }

    private static PgDatabase database(String name) {
        var postgres = SharedTestStack.get().postgres();
        postgres.createDatabase(name);
        return new PgDatabase("127.0.0.1", postgres.port(), name, "postgres", "");
    }
}
