package dev.tandem.capture.debezium;

import static org.junit.jupiter.api.Assertions.assertAll;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.debezium.time.ZonedTimestamp;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.time.LocalDate;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.UUID;
import org.apache.kafka.connect.data.Schema;
import org.apache.kafka.connect.data.SchemaBuilder;
import org.apache.kafka.connect.data.Struct;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.function.Executable;

class PgTextValuesTest {

    private static final String PLACEHOLDER = PgTextValues.UNAVAILABLE;

    @Test
    void everyCarriedValueBecomesItsPostgresLiteral() {
        assertAll(PgTextCases.all().stream().map(c -> (Executable) () ->
                assertEquals(c.literal(), PgTextValues.toText(c.name(), c.schema(), c.value()), c.name())));
    }

    @Test
    void commonTimestamptzShapeMatchesTheGeneralPath() {
        // Debezium's spellings of UTC instants (ISO, fraction padded to the column's precision or not) against an
        // independent formatting of the same instant as PostgreSQL prints it.
        DateTimeFormatter postgres = DateTimeFormatter.ofPattern("uuuu-MM-dd HH:mm:ss");
        Random random = new Random(7);
        for (int n = 0; n < 5_000; n++) {
            long second = random.nextLong(LocalDate.of(1, 1, 1).toEpochDay() * 86_400, LocalDate.of(9999, 12, 31).toEpochDay() * 86_400);
            int nano = switch (random.nextInt(4)) {
                case 0 -> 0;
                case 1 -> random.nextInt(1_000) * 1_000_000;
                default -> random.nextInt(1_000_000) * 1_000;
            };
            OffsetDateTime t = OffsetDateTime.ofInstant(Instant.ofEpochSecond(second, nano), ZoneOffset.UTC);
            String fraction = nano == 0 ? "" : ("." + String.format("%09d", nano)).replaceAll("0+$", "");
            String expected = postgres.format(t) + fraction + "+00";
            String iso = ZonedTimestamp.FORMATTER.format(t);
            String padded = t.format(DateTimeFormatter.ofPattern("uuuu-MM-dd'T'HH:mm:ss.SSSSSS'Z'"));
            assertEquals(expected, PgTextValues.toText("t", ZonedTimestamp.schema(), iso), iso);
            assertEquals(expected, PgTextValues.toText("t", ZonedTimestamp.schema(), padded), padded);
            assertEquals(expected, PgTextValues.utcTimestampInCommonShape(padded), padded);
        }
    }

    @Test
    void otherTimestamptzShapesTakeTheGeneralPath() {
        for (String iso : List.of("+10000-01-01T00:00:00Z", "-0043-03-15T12:00:00Z", "0000-03-15T12:00:00Z",
                "2024-02-29T18:29:59-03:30", "2024-02-29T18:29Z", "2024-02-29T18:29:59.Z", "2024-02-29 18:29:59Z",
                "2024-02-29T18:29:5xZ")) {
            assertNull(PgTextValues.utcTimestampInCommonShape(iso), iso);
        }
    }

    @Test
    void sqlNullStaysNullWhateverTheType() {
        assertAll(PgTextCases.all().stream().map(c -> (Executable) () ->
                assertNull(PgTextValues.toText(c.name(), c.schema(), null), c.name())));
    }

    @Test
    void byteBufferIsReadWithoutBeingConsumed() {
        ByteBuffer buffer = ByteBuffer.wrap(new byte[] {0x0a, 0x0b});
        assertEquals("\\x0a0b", PgTextValues.toText("blob", Schema.BYTES_SCHEMA, buffer));
        assertEquals("\\x0a0b", PgTextValues.toText("blob", Schema.BYTES_SCHEMA, buffer));
        assertEquals(0, buffer.position());
    }

    @Test
    void structIsRefusedNamingTheColumn() {
        Schema point = SchemaBuilder.struct().name("io.debezium.data.geometry.Point")
                .field("x", Schema.FLOAT64_SCHEMA).field("y", Schema.FLOAT64_SCHEMA).build();
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () ->
                PgTextValues.toText("location", point, new Struct(point).put("x", 1.0).put("y", 2.0)));
        assertTrue(e.getMessage().contains("location"), e.getMessage());
        assertTrue(e.getMessage().contains("io.debezium.data.geometry.Point"), e.getMessage());

        Schema anonymous = SchemaBuilder.struct().field("a", Schema.INT32_SCHEMA).build();
        IllegalArgumentException plain = assertThrows(IllegalArgumentException.class, () ->
                PgTextValues.toText("pair", anonymous, new Struct(anonymous).put("a", 1)));
        assertTrue(plain.getMessage().startsWith("column pair "), plain.getMessage());
    }

    @Test
    void recognisesEveryShapeOfTheUnchangedToastPlaceholder() {
        byte[] bytes = PLACEHOLDER.getBytes(StandardCharsets.UTF_8);
        // The shapes Debezium 3.x's UnchangedToastedPlaceholder produces, by column type.
        List<Integer> intArray = new ArrayList<>();
        List<Long> bigintArray = new ArrayList<>();
        for (byte b : bytes) {
            intArray.add((int) b);
            bigintArray.add((long) b);
        }
        assertAll(
                () -> assertTrue(PgTextValues.isUnavailable(PLACEHOLDER), "text, json, numeric, …"),
                () -> assertTrue(PgTextValues.isUnavailable(bytes.clone()), "bytea as byte[]"),
                () -> assertTrue(PgTextValues.isUnavailable(ByteBuffer.wrap(bytes)), "bytea as ByteBuffer"),
                () -> assertTrue(PgTextValues.isUnavailable(List.of(PLACEHOLDER)), "text[], varchar[], jsonb[]"),
                () -> assertTrue(PgTextValues.isUnavailable(List.of(ByteBuffer.wrap(bytes))), "bytea[]"),
                () -> assertTrue(PgTextValues.isUnavailable(intArray), "integer[], date[]"),
                () -> assertTrue(PgTextValues.isUnavailable(bigintArray), "bigint[]"),
                () -> assertTrue(PgTextValues.isUnavailable(Map.of(PLACEHOLDER, PLACEHOLDER)), "hstore"),
                () -> assertTrue(PgTextValues.isUnavailable(List.of(UUID.nameUUIDFromBytes(bytes).toString())), "uuid[]"));
    }

    @Test
    void ordinaryValuesAreNotMistakenForThePlaceholder() {
        assertAll(
                () -> assertFalse(PgTextValues.isUnavailable(null)),
                () -> assertFalse(PgTextValues.isUnavailable("__debezium_unavailable")),
                () -> assertFalse(PgTextValues.isUnavailable(PLACEHOLDER + " ")),
                () -> assertFalse(PgTextValues.isUnavailable(42)),
                () -> assertFalse(PgTextValues.isUnavailable(new byte[] {1, 2, 3})),
                () -> assertFalse(PgTextValues.isUnavailable(List.of())),
                () -> assertFalse(PgTextValues.isUnavailable(List.of(PLACEHOLDER, PLACEHOLDER))),
                () -> assertFalse(PgTextValues.isUnavailable(List.of(95, 95, 100))),
                () -> assertFalse(PgTextValues.isUnavailable(List.of(UUID.randomUUID().toString()))),
                () -> assertFalse(PgTextValues.isUnavailable(Map.of())),
                () -> assertFalse(PgTextValues.isUnavailable(Map.of(PLACEHOLDER, "x"))),
                () -> assertFalse(PgTextValues.isUnavailable(Map.of("a", PLACEHOLDER))));
    }
}
