package dev.tandem.capture.debezium;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.debezium.connector.postgresql.PostgresValueConverter;
import io.debezium.spi.converter.CustomConverter;
import io.debezium.spi.converter.RelationalColumn;
import io.debezium.time.ZonedTimestamp;
import java.sql.Types;
import java.time.Instant;
import java.time.LocalDate;
import java.time.OffsetDateTime;
import java.time.ZoneId;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.List;
import java.util.OptionalInt;
import java.util.Properties;
import java.util.Random;
import org.apache.kafka.connect.data.Schema;
import org.apache.kafka.connect.data.SchemaBuilder;
import org.junit.jupiter.api.Test;

class PgTextConverterTest {

    @Test
    void timestamptzIsPrintedAsTheIsoPathWouldHavePrintedIt() {
        // Whatever Debezium's own conversion (ISO text, then PgTextValues) made of an instant, the converter makes the same.
        Registered tstz = register(column("created", "timestamptz", true));
        Random random = new Random(11);
        List<OffsetDateTime> values = new ArrayList<>(List.of(
                OffsetDateTime.parse("2024-02-29T18:29:59.123456Z"),
                OffsetDateTime.parse("1969-12-31T23:59:59.999999Z"),
                OffsetDateTime.parse("2024-02-29T18:29:59.120Z"),
                OffsetDateTime.parse("1999-12-31T23:59:59Z"),
                OffsetDateTime.parse("-0043-03-15T12:00:00Z"),
                OffsetDateTime.parse("0000-03-15T12:00:00.5Z"),
                OffsetDateTime.parse("+10000-01-01T00:00:00Z")));
        for (int n = 0; n < 5_000; n++) {
            long second = random.nextLong(LocalDate.of(-4712, 1, 1).toEpochDay() * 86_400, LocalDate.of(99999, 12, 31).toEpochDay() * 86_400);
            int nano = random.nextBoolean() ? 0 : random.nextInt(1_000_000) * 1_000;
            values.add(OffsetDateTime.ofInstant(Instant.ofEpochSecond(second, nano), ZoneOffset.UTC));
        }
        for (OffsetDateTime t : values) {
            String viaIso = PgTextValues.toText("created", ZonedTimestamp.schema(), ZonedTimestamp.toIsoString(t, null));
            String viaPadded = PgTextValues.toText("created", ZonedTimestamp.schema(),
                    ZonedTimestamp.toIsoString(t.atZoneSameInstant(ZoneOffset.UTC), null, 6));
            assertEquals(viaIso, viaPadded, t.toString());
            assertEquals(viaIso, tstz.converter.convert(t), t.toString());
        }
    }

    @Test
    void theInfinitiesAndNullKeepTheirMeaning() {
        Registered tstz = register(column("created", "timestamptz", true));
        assertEquals("infinity", tstz.converter.convert(PostgresValueConverter.POSITIVE_INFINITY_OFFSET_DATE_TIME));
        assertEquals("-infinity", tstz.converter.convert(PostgresValueConverter.NEGATIVE_INFINITY_OFFSET_DATE_TIME));
        assertNull(tstz.converter.convert(null));
    }

    @Test
    void theSchemaIsPlainOptionalTextEvenForANotNullColumn() {
        Schema optional = register(column("created", "timestamptz", true)).schema.build();
        Schema required = register(column("created", "timestamp with time zone", false)).schema.build();
        assertEquals(Schema.Type.STRING, optional.type());
        assertNull(optional.name(), "a named schema would send the value down PgTextValues' logical-type path");
        assertTrue(optional.isOptional());
        assertTrue(required.isOptional(), "a delete's old row carries only the key: a NOT NULL column's value is null there");
        // The text the converter hands on is what PgTextValues passes through unchanged.
        assertEquals("2024-02-29 18:29:59+00", PgTextValues.toText("created", optional, "2024-02-29 18:29:59+00"));
    }

    @Test
    void aDefaultParsedByDebeziumIsPrintedAtUtc() {
        Registered tstz = register(column("created", "timestamptz", true));
        var inKolkata = OffsetDateTime.parse("2024-02-29T23:59:59.5+05:30").atZoneSameInstant(ZoneId.of("Asia/Kolkata"));
        assertEquals("2024-02-29 18:29:59.5+00", tstz.converter.convert(inKolkata));
    }

    @Test
    void aFunctionDefaultsIsoStandInIsPrintedAsPostgresText() {
        Registered tstz = register(column("created", "timestamptz", false));
        assertEquals("1970-01-01 00:00:00+00", tstz.converter.convert("1970-01-01T00:00:00Z"));
        assertEquals("infinity", tstz.converter.convert("infinity"));
        assertEquals("now()", tstz.converter.convert("now()"), "text that is no ISO timestamp is left as it came");
    }

    @Test
    void otherTypesKeepDebeziumsConversion() {
        for (String type : List.of("timestamp", "date", "timetz", "numeric", "_timestamptz", "text", "my_timestamptz_domain")) {
            Registered other = register(column("c", type, true));
            assertNull(other.schema, type);
        }
    }

    @Test
    void aValueOfAnUnexpectedClassStopsCaptureWithTheColumnsName() {
        Registered tstz = register(column("created", "timestamptz", true));
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> tstz.converter.convert(Instant.EPOCH));
        assertTrue(e.getMessage().contains("created") && e.getMessage().contains("java.time.Instant"), e.getMessage());
    }

    private static Registered register(RelationalColumn column) {
        Registered registered = new Registered();
        CustomConverter<SchemaBuilder, RelationalColumn> converter = new PgTextConverter();
        converter.configure(new Properties());
        converter.converterFor(column, (schema, convert) -> {
            assertNull(registered.schema, "registered twice");
            registered.schema = schema;
            registered.converter = convert;
        });
        return registered;
    }

    private static final class Registered {
        SchemaBuilder schema;
        CustomConverter.Converter converter;
    }

    private static RelationalColumn column(String name, String type, boolean optional) {
        return new RelationalColumn() {
            @Override public String name() { return name; }
            @Override public String dataCollection() { return "app.t"; }
            @Override public int jdbcType() { return Types.TIMESTAMP_WITH_TIMEZONE; }
            @Override public int nativeType() { return 1184; }
            @Override public String typeName() { return type; }
            @Override public String typeExpression() { return type; }
            @Override public OptionalInt length() { return OptionalInt.empty(); }
            @Override public OptionalInt scale() { return OptionalInt.empty(); }
            @Override public boolean isOptional() { return optional; }
            @Override public Object defaultValue() { return null; }
            @Override public boolean hasDefaultValue() { return false; }
        };
    }
}
