package dev.tandem.capture.debezium;

import java.math.BigDecimal;
import java.math.BigInteger;
import java.nio.ByteBuffer;
import java.time.Instant;
import java.time.LocalDate;
import java.time.LocalDateTime;
import java.time.LocalTime;
import java.time.ZoneOffset;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
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

    private static final HexFormat HEX = HexFormat.of();

    private PgTextValues() {
    }

    /** True when the value is Debezium's placeholder for an unchanged TOAST column. */
    static boolean isUnavailable(Object value) {
        if (value instanceof String s) {
            return UNAVAILABLE.equals(s);
        }
        if (value instanceof byte[] bytes) {
            return bytes.length == UNAVAILABLE.length() && UNAVAILABLE.equals(new String(bytes, java.nio.charset.StandardCharsets.UTF_8));
        }
        if (value instanceof ByteBuffer buffer) {
            return isUnavailable(toBytes(buffer));
        }
        if (value instanceof List<?> list) {
            return list.size() == 1 && isUnavailable(list.get(0));
        }
        return false;
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
            case BYTES -> "\\x" + HEX.formatHex(value instanceof ByteBuffer b ? toBytes(b) : (byte[]) value);
            case ARRAY -> arrayLiteral(column, schema.valueSchema(), (List<?>) value);
            case MAP -> hstoreLiteral((Map<?, ?>) value);
            case STRUCT -> throw unsupported(column, schema);
        };
    }

    private static String logicalToText(String logical, Schema schema, Object value) {
        return switch (logical) {
            case Decimal.LOGICAL_NAME -> ((BigDecimal) value).toPlainString();
            case "io.debezium.data.VariableScaleDecimal" -> {
                Struct s = (Struct) value;
                yield new BigDecimal(new BigInteger(toBytes(s.get("value"))), s.getInt32("scale")).toPlainString();
            }
            case "io.debezium.time.Date" -> date(LocalDate.ofEpochDay(((Number) value).longValue()));
            case "io.debezium.time.Time" -> LocalTime.ofNanoOfDay(((Number) value).longValue() * 1_000_000L).toString();
            case "io.debezium.time.MicroTime" -> LocalTime.ofNanoOfDay(((Number) value).longValue() * 1_000L).toString();
            case "io.debezium.time.NanoTime" -> LocalTime.ofNanoOfDay(((Number) value).longValue()).toString();
            case "io.debezium.time.Timestamp" -> timestamp(((Number) value).longValue() * 1_000_000L);
            case "io.debezium.time.MicroTimestamp" -> timestamp(Math.multiplyExact(((Number) value).longValue(), 1_000L));
            case "io.debezium.time.NanoTimestamp" -> timestamp(((Number) value).longValue());
            case "io.debezium.time.MicroDuration" -> ((Number) value).longValue() + " microseconds";
            default -> null; // ZonedTimestamp, ZonedTime, Json, Uuid, Xml, Enum, Interval(string): already PostgreSQL text
        };
    }

    private static String date(LocalDate date) {
        return date.getYear() > 0 ? date.toString() : date.withYear(1 - date.getYear()) + " BC";
    }

    private static String timestamp(long epochNanos) {
        Instant instant = Instant.ofEpochSecond(Math.floorDiv(epochNanos, 1_000_000_000L), Math.floorMod(epochNanos, 1_000_000_000L));
        LocalDateTime local = LocalDateTime.ofInstant(instant, ZoneOffset.UTC);
        // ISO years <= 0 are BC years in PostgreSQL's spelling (ISO year 0 is 1 BC).
        return local.getYear() > 0 ? local.toString() : local.withYear(1 - local.getYear()) + " BC";
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
