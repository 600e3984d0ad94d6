package dev.tandem.capture.debezium;

import java.math.BigDecimal;
import java.math.BigInteger;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.time.LocalDate;
import java.time.LocalDateTime;
import java.time.LocalTime;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.util.Arrays;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import io.debezium.connector.postgresql.PostgresValueConverter;
import org.apache.kafka.connect.data.Decimal;
import org.apache.kafka.connect.data.Schema;
import org.apache.kafka.connect.data.Struct;

/**
 * Turns a value decoded by Debezium back into the PostgreSQL text literal of the source column,
 * so the applier can cast it to the target type without losing scale, precision or bytes.
 */
final class PgTextValues {

    /** What Debezium puts in place of an unchanged TOAST value it did not receive. */
    static final String UNAVAILABLE = "__debezium_unavailable_value";

    private static final byte[] UNAVAILABLE_BYTES = UNAVAILABLE.getBytes(StandardCharsets.UTF_8);
    /** Debezium's placeholder in a {@code uuid[]} column. */
    private static final String UNAVAILABLE_UUID = UUID.nameUUIDFromBytes(UNAVAILABLE_BYTES).toString();
    private static final HexFormat HEX = HexFormat.of();
    private static final long MICROS_PER_DAY = 86_400_000_000L;
    // Debezium's stand-ins for PostgreSQL's 'infinity' and '-infinity' dates and timestamps.
    private static final long INFINITY_DAY = PostgresValueConverter.POSITIVE_INFINITY_LOCAL_DATE.toEpochDay();
    private static final long MINUS_INFINITY_DAY = PostgresValueConverter.NEGATIVE_INFINITY_LOCAL_DATE.toEpochDay();
    private static final LocalDateTime INFINITY_TIMESTAMP = PostgresValueConverter.POSITIVE_INFINITY_LOCAL_DATE_TIME;
    private static final LocalDateTime MINUS_INFINITY_TIMESTAMP = PostgresValueConverter.NEGATIVE_INFINITY_LOCAL_DATE_TIME;

    private PgTextValues() {
    }

    /**
     * True when the value is Debezium's placeholder for an unchanged TOAST column, in each shape Debezium
     * gives it: the string (text, json, …), its bytes (bytea), a one-element list (text[], bytea[]), the
     * list of its byte values (integer[], bigint[], date[]), a one-entry map (hstore) or a name-based UUID (uuid[]).
     */
    static boolean isUnavailable(Object value) {
        if (value instanceof String s) {
            return UNAVAILABLE.equals(s);
        }
        if (value instanceof byte[] bytes) {
            return Arrays.equals(UNAVAILABLE_BYTES, bytes);
        }
        if (value instanceof ByteBuffer buffer) {
            return isUnavailable(toBytes(buffer));
        }
        if (value instanceof List<?> list) {
            if (list.size() == 1) {
                return isUnavailable(list.get(0)) || UNAVAILABLE_UUID.equals(list.get(0));
            }
            return isPlaceholderByteValues(list);
        }
        if (value instanceof Map<?, ?> map) {
            return map.size() == 1 && UNAVAILABLE.equals(map.get(UNAVAILABLE));
        }
        return false;
    }

    private static boolean isPlaceholderByteValues(List<?> list) {
        if (list.size() != UNAVAILABLE_BYTES.length) {
            return false;
        }
        for (int i = 0; i < UNAVAILABLE_BYTES.length; i++) {
            if (!(list.get(i) instanceof Number n) || n.longValue() != UNAVAILABLE_BYTES[i]) {
                return false;
            }
        }
        return true;
    }

    /** The PostgreSQL text literal of {@code value}, or {@code null} for SQL NULL. */
    static String toText(String column, Schema schema, Object value) {
        if (value == null) {
            return null;
        }
        String logical = schema.name();
        if (logical != null) {
            String text = logicalToText(logical, schema, value);
            if (text != null) {
                return text;
            }
        }
        return switch (schema.type()) {
            case BOOLEAN -> ((Boolean) value) ? "t" : "f";
            case INT8, INT16, INT32, INT64, STRING -> value.toString();
            case FLOAT32 -> Float.toString((Float) value);
            case FLOAT64 -> Double.toString((Double) value);
            case BYTES -> byteaText(value);
            case ARRAY -> arrayLiteral(column, schema.valueSchema(), (List<?>) value);
            case MAP -> hstoreLiteral((Map<?, ?>) value);
            case STRUCT -> throw unsupported(column, schema);
        };
    }

    /**
     * {@code \x} and the hex digits, read from the value's own array (a buffer over a whole array is not copied first):
     * a large {@code bytea} is then held as its bytes and its text only, the text made in one go.
     */
    private static String byteaText(Object value) {
        if (value instanceof ByteBuffer b && b.hasArray()) {
            int from = b.arrayOffset() + b.position();
            return "\\x".concat(HEX.formatHex(b.array(), from, from + b.remaining()));
        }
        return "\\x".concat(HEX.formatHex(value instanceof ByteBuffer b ? toBytes(b) : (byte[]) value));
    }

    private static String logicalToText(String logical, Schema schema, Object value) {
        return switch (logical) {
            case Decimal.LOGICAL_NAME -> ((BigDecimal) value).toPlainString();
            case "io.debezium.data.VariableScaleDecimal" -> {
                Struct s = (Struct) value;
                yield new BigDecimal(new BigInteger(toBytes(s.get("value"))), s.getInt32("scale")).toPlainString();
            }
            case "io.debezium.time.Date" -> date(((Number) value).longValue());
            case "io.debezium.time.Time" -> time(((Number) value).longValue(), 1_000);
            case "io.debezium.time.MicroTime" -> time(((Number) value).longValue(), 1);
            case "io.debezium.time.NanoTime" -> time(((Number) value).longValue() / 1_000, 1);
            case "io.debezium.time.Timestamp" -> timestamp(((Number) value).longValue(), 1_000);
            case "io.debezium.time.MicroTimestamp" -> timestamp(((Number) value).longValue(), 1_000_000);
            case "io.debezium.time.NanoTimestamp" -> timestamp(((Number) value).longValue(), 1_000_000_000);
            case "io.debezium.time.MicroDuration" -> ((Number) value).longValue() + " microseconds";
            case "io.debezium.time.ZonedTimestamp" -> zonedTimestamp((String) value);
            default -> null; // ZonedTime, Json, Uuid, Xml, Enum, Interval(string): already PostgreSQL text
        };
    }

    /** {@code 2024-02-29}, {@code 0044-03-15 BC}: ISO years <= 0 are BC years (ISO year 0 is 1 BC). */
    private static String date(long epochDay) {
        if (epochDay == INFINITY_DAY || epochDay == MINUS_INFINITY_DAY) {
            return epochDay == INFINITY_DAY ? "infinity" : "-infinity";
        }
        LocalDate date = LocalDate.ofEpochDay(epochDay);
        StringBuilder sb = new StringBuilder(16);
        appendDate(sb, date);
        return bc(sb, date.getYear()).toString();
    }

    /** {@code 24:00:00} is a valid PostgreSQL time that {@link LocalTime} cannot hold. */
    private static String time(long units, long microsPerUnit) {
        long micros = Math.multiplyExact(units, microsPerUnit);
        if (micros == MICROS_PER_DAY) {
            return "24:00:00";
        }
        LocalTime t = LocalTime.ofNanoOfDay(micros * 1_000L);
        return appendClock(new StringBuilder(15), t.getHour(), t.getMinute(), t.getSecond(), t.getNano()).toString();
    }

    /** {@code 1969-12-31 23:59:59.999999}, {@code 0044-03-15 12:00:00 BC}, from a count of units since the epoch. */
    private static String timestamp(long sinceEpoch, long unitsPerSecond) {
        // Debezium 3.7 saturates the infinities to the long's ends (earlier versions sent the stand-ins below)
        if (sinceEpoch == Long.MAX_VALUE || sinceEpoch == Long.MIN_VALUE) {
            return sinceEpoch == Long.MAX_VALUE ? "infinity" : "-infinity";
        }
        long nanosPerUnit = 1_000_000_000L / unitsPerSecond;
        LocalDateTime local = LocalDateTime.ofEpochSecond(Math.floorDiv(sinceEpoch, unitsPerSecond),
                (int) (Math.floorMod(sinceEpoch, unitsPerSecond) * nanosPerUnit), ZoneOffset.UTC);
        if (local.equals(INFINITY_TIMESTAMP) || local.equals(MINUS_INFINITY_TIMESTAMP)) {
            return local.equals(INFINITY_TIMESTAMP) ? "infinity" : "-infinity";
        }
        StringBuilder sb = new StringBuilder(32);
        appendDate(sb, local.getYear(), local.getMonthValue(), local.getDayOfMonth());
        sb.append(' ');
        appendClock(sb, local.getHour(), local.getMinute(), local.getSecond(), local.getNano());
        return bc(sb, local.getYear()).toString();
    }

    /**
     * Debezium's {@code 2024-02-29T18:29:59.123456Z} in PostgreSQL's spelling, which also covers the years ISO
     * writes with a sign ({@code -0043-03-15T12:00:00Z} is {@code 0044-03-15 12:00:00+00 BC}); infinities pass as they are.
     */
    private static String zonedTimestamp(String iso) {
        if (iso.endsWith("infinity")) {
            return iso;
        }
        String common = utcTimestampInCommonShape(iso);
        if (common != null) {
            return common;
        }
        return timestamptz(OffsetDateTime.parse(iso));
    }

    /**
     * PostgreSQL's text of a {@code timestamptz} value: {@code 2024-02-29 18:29:59.123456+00}, the offset as PostgreSQL
     * prints it, BC years spelled out, Debezium's stand-ins for the infinities as {@code infinity}/{@code -infinity}.
     */
    static String timestamptz(OffsetDateTime t) {
        if (t.equals(PostgresValueConverter.POSITIVE_INFINITY_OFFSET_DATE_TIME)) {
            return "infinity";
        }
        if (t.equals(PostgresValueConverter.NEGATIVE_INFINITY_OFFSET_DATE_TIME)) {
            return "-infinity";
        }
        StringBuilder sb = new StringBuilder(40);
        appendDate(sb, t.getYear(), t.getMonthValue(), t.getDayOfMonth());
        sb.append(' ');
        appendClock(sb, t.getHour(), t.getMinute(), t.getSecond(), t.getNano());
        int offset = t.getOffset().getTotalSeconds();
        sb.append(offset < 0 ? '-' : '+');
        offset = Math.abs(offset);
        pad(sb, offset / 3600, 2);
        if (offset % 3600 != 0) {
            pad(sb.append(':'), offset % 3600 / 60, 2);
            if (offset % 60 != 0) {
                pad(sb.append(':'), offset % 60, 2);
            }
        }
        return bc(sb, t.getYear()).toString();
    }

    /**
     * The PostgreSQL text of Debezium's {@code 2024-02-29T18:29:59.123456Z} without parsing it into objects, which is
     * what almost every value looks like (capture normalises to UTC); null for any other shape (a sign, a five-digit
     * year, year 0, no seconds, an offset), which the general path handles.
     */
    static String utcTimestampInCommonShape(String iso) {
        int n = iso.length();
        if (n < 20 || iso.charAt(n - 1) != 'Z' || iso.charAt(4) != '-' || iso.charAt(7) != '-' || iso.charAt(10) != 'T'
                || iso.charAt(13) != ':' || iso.charAt(16) != ':'
                || !digits(iso, 0, 4) || !digits(iso, 5, 7) || !digits(iso, 8, 10) || !digits(iso, 11, 13)
                || !digits(iso, 14, 16) || !digits(iso, 17, 19) || iso.startsWith("0000")) {
            return null;
        }
        int fractionEnd = 19; // past the last fraction digit kept (trailing zeros dropped)
        if (n > 20) {
            if (iso.charAt(19) != '.' || n == 21 || !digits(iso, 20, n - 1)) {
                return null;
            }
            for (int i = 20; i < n - 1; i++) {
                if (iso.charAt(i) != '0') {
                    fractionEnd = i + 1;
                }
            }
        }
        StringBuilder sb = new StringBuilder(fractionEnd + 3);
        return sb.append(iso, 0, 10).append(' ').append(iso, 11, fractionEnd).append("+00").toString();
    }

    private static boolean digits(String s, int from, int to) {
        for (int i = from; i < to; i++) {
            char c = s.charAt(i);
            if (c < '0' || c > '9') {
                return false;
            }
        }
        return true;
    }

    private static void appendDate(StringBuilder sb, LocalDate date) {
        appendDate(sb, date.getYear(), date.getMonthValue(), date.getDayOfMonth());
    }

    private static void appendDate(StringBuilder sb, int isoYear, int month, int day) {
        pad(sb, isoYear > 0 ? isoYear : 1 - isoYear, 4).append('-');
        pad(sb, month, 2).append('-');
        pad(sb, day, 2);
    }

    /** PostgreSQL's time of day: seconds always, fraction only when non-zero and without trailing zeros. */
    private static StringBuilder appendClock(StringBuilder sb, int hour, int minute, int second, int nano) {
        pad(sb, hour, 2).append(':');
        pad(sb, minute, 2).append(':');
        pad(sb, second, 2);
        if (nano != 0) {
            int digits = 9;
            while (nano % 10 == 0) {
                nano /= 10;
                digits--;
            }
            pad(sb.append('.'), nano, digits);
        }
        return sb;
    }

    private static StringBuilder bc(StringBuilder sb, int isoYear) {
        return isoYear > 0 ? sb : sb.append(" BC");
    }

    /** {@code value} (not negative) in at least {@code width} digits, zeros in front. */
    private static StringBuilder pad(StringBuilder sb, int value, int width) {
        for (int bound = 10, i = 1; i < width; i++, bound *= 10) {
            if (value < bound) {
                sb.append('0');
            }
        }
        return sb.append(value);
    }

    private static String arrayLiteral(String column, Schema elementSchema, List<?> values) {
        StringBuilder sb = new StringBuilder("{");
        for (int i = 0; i < values.size(); i++) {
            if (i > 0) {
                sb.append(',');
            }
            Object element = values.get(i);
            if (element == null) {
                sb.append("NULL");
            } else if (element instanceof List<?> nested) {
                sb.append(arrayLiteral(column, elementSchema.valueSchema(), nested));
            } else {
                quoteInto(sb, toText(column, elementSchema, element));
            }
        }
        return sb.append('}').toString();
    }

    private static String hstoreLiteral(Map<?, ?> map) {
        StringBuilder sb = new StringBuilder();
        for (Map.Entry<?, ?> e : map.entrySet()) {
            if (!sb.isEmpty()) {
                sb.append(',');
            }
            quoteInto(sb, String.valueOf(e.getKey()));
            sb.append("=>");
            if (e.getValue() == null) {
                sb.append("NULL");
            } else {
                quoteInto(sb, e.getValue().toString());
            }
        }
        return sb.toString();
    }

    private static void quoteInto(StringBuilder sb, String text) {
        sb.append('"');
        for (int i = 0; i < text.length(); i++) {
            char c = text.charAt(i);
            if (c == '"' || c == '\\') {
                sb.append('\\');
            }
            sb.append(c);
        }
        sb.append('"');
    }

    private static byte[] toBytes(Object bytes) {
        if (bytes instanceof byte[] array) {
            return array;
        }
        ByteBuffer buffer = ((ByteBuffer) bytes).duplicate();
        byte[] array = new byte[buffer.remaining()];
        buffer.get(array);
        return array;
    }

    private static IllegalArgumentException unsupported(String column, Schema schema) {
        return new IllegalArgumentException("column " + column + " has a type tandem cannot carry yet ("
                + schema.type() + (schema.name() == null ? "" : " " + schema.name())
                + "); exclude the column from capture or cast it to text in the legacy schema");
    }
}
