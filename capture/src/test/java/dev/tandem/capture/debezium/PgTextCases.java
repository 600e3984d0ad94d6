package dev.tandem.capture.debezium;

import io.debezium.connector.postgresql.PostgresValueConverter;
import io.debezium.data.Json;
import io.debezium.data.Uuid;
import io.debezium.data.VariableScaleDecimal;
import io.debezium.time.Date;
import io.debezium.time.MicroDuration;
import io.debezium.time.MicroTime;
import io.debezium.time.MicroTimestamp;
import io.debezium.time.NanoTime;
import io.debezium.time.NanoTimestamp;
import io.debezium.time.Time;
import io.debezium.time.Timestamp;
import io.debezium.time.ZonedTimestamp;
import java.math.BigDecimal;
import java.math.BigInteger;
import java.nio.ByteBuffer;
import java.time.LocalDate;
import java.time.LocalDateTime;
import java.time.ZoneOffset;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.apache.kafka.connect.data.Decimal;
import org.apache.kafka.connect.data.Schema;
import org.apache.kafka.connect.data.SchemaBuilder;
import org.apache.kafka.connect.data.Struct;

/**
 * Connect values as Debezium's PostgreSQL connector hands them over, each with the literal
 * {@link PgTextValues} must print and an independent PostgreSQL expression for the same value.
 * {@code PgTextValuesTest} checks the literals; {@code PgTextValuesIT} checks them against PostgreSQL.
 */
final class PgTextCases {

    /**
     * @param name      what the case covers (also the column name passed to the converter)
     * @param schema    the Connect schema Debezium uses for the column
     * @param value     the Connect value
     * @param literal   the text {@link PgTextValues#toText} must return
     * @param pgType    the PostgreSQL type the literal is cast to
     * @param reference the same value written natively in SQL, not derived from {@code literal}
     * @param canonical true when {@code literal} is exactly what PostgreSQL prints for {@code reference::text}
     */
    record Case(String name, Schema schema, Object value, String literal, String pgType, String reference,
                boolean canonical) {

        @Override
        public String toString() {
            return name;
        }
    }

    private PgTextCases() {
    }

    static List<Case> all() {
        Schema textArray = SchemaBuilder.array(Schema.OPTIONAL_STRING_SCHEMA).build();
        Schema intArray = SchemaBuilder.array(Schema.OPTIONAL_INT32_SCHEMA).build();
        Schema hstore = SchemaBuilder.map(Schema.STRING_SCHEMA, Schema.OPTIONAL_STRING_SCHEMA).build();
        LinkedHashMap<String, String> pairs = new LinkedHashMap<>();
        pairs.put("a", "1");
        pairs.put("k\"ey", "v\\al");
        pairs.put("n", null);
        pairs.put("x,y", "=>");
        pairs.put("", "ü 東");
        return List.of(
                canonical("decimal with trailing zeros", Decimal.schema(4), new BigDecimal("1.5000"), "1.5000", "numeric(14,4)", "1.5::numeric(14,4)"),
                canonical("negative decimal", Decimal.schema(4), new BigDecimal("-0.0001"), "-0.0001", "numeric(14,4)", "-0.0001::numeric(14,4)"),
                canonical("largest decimal(14,4)", Decimal.schema(4), new BigDecimal("9999999999.9999"), "9999999999.9999", "numeric(14,4)", "10::numeric ^ 10 - 0.0001"),
                canonical("decimal zero", Decimal.schema(2), new BigDecimal("0.00"), "0.00", "numeric(10,2)", "0::numeric(10,2)"),
                canonical("integral decimal", Decimal.schema(0), new BigDecimal("123456789012345678901234567890"), "123456789012345678901234567890", "numeric(30,0)", "12345678901234567890 * 10::numeric ^ 10 + 1234567890"),
                canonical("variable-scale decimal", VariableScaleDecimal.schema(), variableScale(3, 12345), "12.345", "numeric", "round(12345::numeric / 1000, 3)"),
                canonical("variable-scale trailing zero", VariableScaleDecimal.schema(), variableScale(2, 110), "1.10", "numeric", "round(1.1, 2)"),
                canonical("variable-scale negative", VariableScaleDecimal.schema(), variableScale(1, -5), "-0.5", "numeric", "-0.5"),

                canonical("epoch date", Date.schema(), epochDay(1970, 1, 1), "1970-01-01", "date", "make_date(1970, 1, 1)"),
                canonical("leap day", Date.schema(), epochDay(2024, 2, 29), "2024-02-29", "date", "make_date(2024, 2, 29)"),
                canonical("pre-1970 date", Date.schema(), epochDay(1900, 1, 1), "1900-01-01", "date", "make_date(1900, 1, 1)"),
                canonical("first year AD", Date.schema(), epochDay(1, 1, 1), "0001-01-01", "date", "make_date(1, 1, 1)"),
                canonical("BC date", Date.schema(), epochDay(-43, 3, 15), "0044-03-15 BC", "date", "make_date(-44, 3, 15)"),
                canonical("BC leap day", Date.schema(), epochDay(0, 2, 29), "0001-02-29 BC", "date", "make_date(-1, 2, 29)"),
                canonical("five-digit year", Date.schema(), epochDay(10000, 1, 1), "10000-01-01", "date", "make_date(10000, 1, 1)"),

                canonical("time in millis", Time.schema(), (int) (37_800_000 + 123), "10:30:00.123", "time", "make_time(10, 30, 0.123)"),
                canonical("midnight", Time.schema(), 0, "00:00:00", "time", "make_time(0, 0, 0)"),
                canonical("time in micros", MicroTime.schema(), 45_296_789_012L, "12:34:56.789012", "time", "make_time(12, 34, 56.789012)"),
                canonical("time with trailing zero fraction", MicroTime.schema(), 45_296_500_000L, "12:34:56.5", "time", "make_time(12, 34, 56.5)"),
                canonical("end of day", MicroTime.schema(), 86_400_000_000L, "24:00:00", "time", "'24:00:00'::time"),
                canonical("time in nanos", NanoTime.schema(), 45_296_789_012_000L, "12:34:56.789012", "time", "make_time(12, 34, 56.789012)"),

                canonical("timestamp in millis", Timestamp.schema(), epochMicros(LocalDateTime.of(2024, 2, 29, 23, 59, 59, 123_000_000)) / 1000, "2024-02-29 23:59:59.123", "timestamp(3)", "make_timestamp(2024, 2, 29, 23, 59, 59.123)"),
                canonical("timestamp at midnight", MicroTimestamp.schema(), 0L, "1970-01-01 00:00:00", "timestamp", "to_timestamp(0) AT TIME ZONE 'UTC'"),
                canonical("timestamp in micros", MicroTimestamp.schema(), epochMicros(LocalDateTime.of(1999, 12, 31, 23, 59, 59, 999_999_000)), "1999-12-31 23:59:59.999999", "timestamp", "make_timestamp(1999, 12, 31, 23, 59, 59.999999)"),
                canonical("pre-1970 timestamp", MicroTimestamp.schema(), -1L, "1969-12-31 23:59:59.999999", "timestamp", "to_timestamp(-0.000001) AT TIME ZONE 'UTC'"),
                canonical("BC timestamp", MicroTimestamp.schema(), epochMicros(LocalDateTime.of(-43, 3, 15, 12, 0)), "0044-03-15 12:00:00 BC", "timestamp", "make_timestamp(-44, 3, 15, 12, 0, 0)"),
                canonical("BC leap-day timestamp", MicroTimestamp.schema(), epochMicros(LocalDateTime.of(0, 2, 29, 6, 7, 8, 900_000_000)), "0001-02-29 06:07:08.9 BC", "timestamp", "make_timestamp(-1, 2, 29, 6, 7, 8.9)"),
                canonical("timestamp in nanos", NanoTimestamp.schema(), 1_000_000_000_123_456_000L, "2001-09-09 01:46:40.123456", "timestamp", "to_timestamp(1000000000.123456) AT TIME ZONE 'UTC'"),
                canonical("pre-1970 timestamp in nanos", NanoTimestamp.schema(), -1_000L, "1969-12-31 23:59:59.999999", "timestamp", "to_timestamp(-0.000001) AT TIME ZONE 'UTC'"),
                literal("duration in micros", MicroDuration.schema(), 3_723_000_000.0, "3723000000 microseconds", "interval", "interval '1 hour 2 minutes 3 seconds'"),

                canonical("true", Schema.BOOLEAN_SCHEMA, true, "t", "boolean", "1 = 1"),
                canonical("false", Schema.BOOLEAN_SCHEMA, false, "f", "boolean", "1 = 2"),
                canonical("smallint", Schema.INT16_SCHEMA, (short) -32768, "-32768", "smallint", "(-32767 - 1)::smallint"),
                canonical("integer", Schema.INT32_SCHEMA, Integer.MAX_VALUE, "2147483647", "integer", "(2^31 - 1)::integer"),
                canonical("bigint", Schema.INT64_SCHEMA, Long.MIN_VALUE, "-9223372036854775808", "bigint", "(-9223372036854775807)::bigint - 1"),
                canonical("real", Schema.FLOAT32_SCHEMA, 0.1f, "0.1", "real", "1::real / 10"),
                literal("real with exponent", Schema.FLOAT32_SCHEMA, 1.0e10f, "1.0E10", "real", "1e10"),
                canonical("double", Schema.FLOAT64_SCHEMA, 0.1, "0.1", "double precision", "1::float8 / 10"),
                literal("small double", Schema.FLOAT64_SCHEMA, 1.0e-5, "1.0E-5", "double precision", "1::float8 / 100000"),
                canonical("NaN", Schema.FLOAT64_SCHEMA, Double.NaN, "NaN", "double precision", "'NaN'::float8"),
                canonical("infinity", Schema.FLOAT64_SCHEMA, Double.POSITIVE_INFINITY, "Infinity", "double precision", "'Infinity'::float8"),
                canonical("minus infinity", Schema.FLOAT32_SCHEMA, Float.NEGATIVE_INFINITY, "-Infinity", "real", "-'Infinity'::real"),
                canonical("text", Schema.STRING_SCHEMA, "it's \"q\" \\ ✓ 東京", "it's \"q\" \\ ✓ 東京", "text", "'it''s \"q\" ' || chr(92) || ' ✓ 東京'"),
                canonical("uuid", Uuid.schema(), "a0eebc99-9c0b-4ef8-bb6d-6bb9bd380a11", "a0eebc99-9c0b-4ef8-bb6d-6bb9bd380a11", "uuid", "'A0EEBC999C0B4EF8BB6D6BB9BD380A11'::uuid"),
                canonical("jsonb", Json.schema(), "{\"a\": [1, 2.50, null]}", "{\"a\": [1, 2.50, null]}", "jsonb", "jsonb_build_object('a', jsonb_build_array(1, 2.50, null))"),
                canonical("timestamptz", ZonedTimestamp.schema(), "2024-02-29T18:29:59.123456Z", "2024-02-29 18:29:59.123456+00", "timestamptz", "make_timestamptz(2024, 2, 29, 18, 29, 59.123456, 'UTC')"),
                canonical("BC timestamptz", ZonedTimestamp.schema(), "-0043-03-15T12:00:00.000000Z", "0044-03-15 12:00:00+00 BC", "timestamptz", "make_timestamptz(-44, 3, 15, 12, 0, 0, 'UTC')"),
                canonical("five-digit-year timestamptz", ZonedTimestamp.schema(), "+10000-01-01T00:00:00Z", "10000-01-01 00:00:00+00", "timestamptz", "make_timestamptz(10000, 1, 1, 0, 0, 0, 'UTC')"),
                canonical("timestamptz with trailing zeros", ZonedTimestamp.schema(), "2024-02-29T18:29:59.120000Z", "2024-02-29 18:29:59.12+00", "timestamptz", "make_timestamptz(2024, 2, 29, 18, 29, 59.12, 'UTC')"),
                canonical("timestamptz on the second", ZonedTimestamp.schema(), "2024-02-29T18:29:59.000000Z", "2024-02-29 18:29:59+00", "timestamptz", "make_timestamptz(2024, 2, 29, 18, 29, 59, 'UTC')"),
                canonical("timestamptz without fraction", ZonedTimestamp.schema(), "1999-12-31T23:59:59Z", "1999-12-31 23:59:59+00", "timestamptz", "make_timestamptz(1999, 12, 31, 23, 59, 59, 'UTC')"),
                canonical("year-zero timestamptz", ZonedTimestamp.schema(), "0000-03-15T12:00:00.5Z", "0001-03-15 12:00:00.5+00 BC", "timestamptz", "make_timestamptz(-1, 3, 15, 12, 0, 0.5, 'UTC')"),
                literal("timestamptz with offset", ZonedTimestamp.schema(), "2024-02-29T18:29:59-03:30", "2024-02-29 18:29:59-03:30", "timestamptz", "make_timestamptz(2024, 2, 29, 21, 59, 59, 'UTC')"),
                canonical("infinite timestamptz", ZonedTimestamp.schema(), "infinity", "infinity", "timestamptz", "'infinity'::timestamptz"),
                canonical("infinite date", Date.schema(), (int) PostgresValueConverter.POSITIVE_INFINITY_LOCAL_DATE.toEpochDay(), "infinity", "date", "'infinity'::date"),
                canonical("minus infinite date", Date.schema(), (int) PostgresValueConverter.NEGATIVE_INFINITY_LOCAL_DATE.toEpochDay(), "-infinity", "date", "'-infinity'::date"),
                // Debezium 3.7 sends an infinite timestamp in micros as the long's end, in millis as its stand-in instant
                canonical("infinite timestamp", MicroTimestamp.schema(), Long.MAX_VALUE, "infinity", "timestamp", "'infinity'::timestamp"),
                canonical("minus infinite timestamp", MicroTimestamp.schema(), Long.MIN_VALUE, "-infinity", "timestamp", "'-infinity'::timestamp"),
                canonical("minus infinite timestamp(3)", Timestamp.schema(), PostgresValueConverter.NEGATIVE_INFINITY_LOCAL_DATE_TIME.toInstant(ZoneOffset.UTC).toEpochMilli(), "-infinity", "timestamp(3)", "'-infinity'::timestamp"),
                canonical("infinite timestamp(3)", Timestamp.schema(), Long.MAX_VALUE, "infinity", "timestamp(3)", "'infinity'::timestamp"),

                canonical("bytes", Schema.BYTES_SCHEMA, new byte[] {0x00, (byte) 0xff, 0x10}, "\\x00ff10", "bytea", "decode('00ff10', 'hex')"),
                canonical("byte buffer", Schema.BYTES_SCHEMA, ByteBuffer.wrap(new byte[] {0x01, (byte) 0xab, 0x7f, 0x02}, 1, 2), "\\xab7f", "bytea", "decode('ab7f', 'hex')"),
                canonical("empty bytes", Schema.BYTES_SCHEMA, new byte[0], "\\x", "bytea", "''::bytea"),

                literal("text array", textArray,
                        Arrays.asList("plain", null, "quote\"d", "back\\slash", "a,b", "{x}", "", "NULL", "with space"),
                        "{\"plain\",NULL,\"quote\\\"d\",\"back\\\\slash\",\"a,b\",\"{x}\",\"\",\"NULL\",\"with space\"}",
                        "text[]", "ARRAY['plain', NULL, 'quote\"d', 'back' || chr(92) || 'slash', 'a,b', '{x}', '', 'NULL', 'with space']"),
                literal("integer array", intArray, Arrays.asList(1, null, -3), "{\"1\",NULL,\"-3\"}", "integer[]", "ARRAY[1, NULL, -3]"),
                canonical("empty array", textArray, List.of(), "{}", "text[]", "ARRAY[]::text[]"),
                literal("nested array", SchemaBuilder.array(intArray).build(),
                        List.of(Arrays.asList(1, 2), Arrays.asList(3, null)), "{{\"1\",\"2\"},{\"3\",NULL}}",
                        "integer[]", "ARRAY[[1, 2], [3, NULL]]"),
                literal("date array", SchemaBuilder.array(Date.schema()).build(),
                        List.of(epochDay(-43, 3, 15), epochDay(2024, 2, 29)), "{\"0044-03-15 BC\",\"2024-02-29\"}",
                        "date[]", "ARRAY[make_date(-44, 3, 15), make_date(2024, 2, 29)]"),
                literal("decimal array", SchemaBuilder.array(Decimal.schema(2)).build(),
                        List.of(new BigDecimal("1.50"), new BigDecimal("-2.00")), "{\"1.50\",\"-2.00\"}",
                        "numeric(6,2)[]", "ARRAY[1.5, -2]::numeric(6,2)[]"),
                literal("hstore", hstore, pairs,
                        "\"a\"=>\"1\",\"k\\\"ey\"=>\"v\\\\al\",\"n\"=>NULL,\"x,y\"=>\"=>\",\"\"=>\"ü 東\"",
                        "hstore", "hstore(ARRAY['a', 'k\"ey', 'n', 'x,y', ''], ARRAY['1', 'v' || chr(92) || 'al', NULL, '=>', 'ü 東'])"),
                canonical("empty hstore", hstore, Map.of(), "", "hstore", "hstore(ARRAY[]::text[], ARRAY[]::text[])"));
    }

    private static Case canonical(String name, Schema schema, Object value, String literal, String pgType, String reference) {
        return new Case(name, schema, value, literal, pgType, reference, true);
    }

    /** A literal PostgreSQL reads as the same value although {@code value::text} would spell it differently. */
    private static Case literal(String name, Schema schema, Object value, String literal, String pgType, String reference) {
        return new Case(name, schema, value, literal, pgType, reference, false);
    }

    static Struct variableScale(int scale, long unscaled) {
        return new Struct(VariableScaleDecimal.schema())
                .put(VariableScaleDecimal.SCALE_FIELD, scale)
                .put(VariableScaleDecimal.VALUE_FIELD, BigInteger.valueOf(unscaled).toByteArray());
    }

    /** ISO (proleptic Gregorian) year: 0 is 1 BC, -43 is 44 BC. */
    static int epochDay(int isoYear, int month, int day) {
        return Math.toIntExact(LocalDate.of(isoYear, month, day).toEpochDay());
    }

    static long epochMicros(LocalDateTime utc) {
        return Math.addExact(Math.multiplyExact(utc.toEpochSecond(ZoneOffset.UTC), 1_000_000L), utc.getNano() / 1_000L);
    }
}
