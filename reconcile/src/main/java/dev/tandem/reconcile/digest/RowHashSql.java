package dev.tandem.reconcile.digest;

import static dev.tandem.capture.SqlIdentifiers.quote;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.regex.Pattern;

/**
 * The SQL of one row's 64-bit hash, over a row in the target's shape ({@code r."column"}). Two rows hash equal when
 * every column prints as the same text in the pinned session ({@link SessionPin}): that is what the reconciler calls
 * equal, so {@code NULL} and {@code ''}, {@code 1.0} and {@code 1.00}, trailing spaces and differently normalized
 * Unicode all differ.
 *
 * <p>Printing values costs more than reading them (printing a {@code timestamptz} costs about a third of hashing a
 * whole row's text), so {@link #typed} hashes the values of types whose binary form is as exact as their text:
 * {@code smallint}, {@code integer}, {@code boolean}, {@code date}, {@code uuid} and {@code bytea} as they are;
 * {@code bigint}, {@code numeric}, timestamps and {@code time} through their send functions (the typed hash of a
 * {@code bigint} or timestamp folds it to 32 bits, so 1 and 4294967296 would collide, and that of a {@code numeric}
 * ignores its sign and scale); text under {@code "C"}, so bytes are hashed whatever the column's collation. Every
 * other column keeps its printed text, in one nested {@code ROW(…)::text}. Each column's hash is seeded with the row's
 * key: {@code hash_record_extended} combines column hashes linearly, so without it a value moved from one row to
 * another would leave a chunk's sum unchanged.
 */
final class RowHashSql {

    private static final String ALIAS = "r";
    private static final Pattern VARCHAR = Pattern.compile("character varying(\\(\\d+\\))?");
    private static final Pattern NUMERIC = Pattern.compile("numeric(\\(\\d+(,\\d+)?\\))?");
    private static final Pattern TIMESTAMPTZ = Pattern.compile("timestamp(\\(\\d\\))? with time zone");
    private static final Pattern TIMESTAMP = Pattern.compile("timestamp(\\(\\d\\))? without time zone");
    private static final Pattern TIME = Pattern.compile("time(\\(\\d\\))? without time zone");
    private static final List<String> INTEGERS = List.of("smallint", "integer", "bigint");

    private RowHashSql() {
    }

    /** The hash of the row's text ({@code hashtextextended(ROW(…)::text, 0)}): for servers older than PostgreSQL 14. */
    static String text(List<String> columns) {
        return "hashtextextended(" + textOf(columns) + ", 0)";
    }

    /**
     * The typed hash (PostgreSQL 14 and later on both sides).
     *
     * @param columns the row's columns in order
     * @param types   column → its type in the target ({@code format_type} spelling)
     * @param key     the key columns, whose values seed the column hashes
     */
    static String typed(List<String> columns, Map<String, String> types, List<String> key) {
        List<String> elements = new ArrayList<>();
        List<String> printed = new ArrayList<>();
        for (String column : columns) {
            String element = element(ref(column), types.get(column));
            if (element == null) {
                printed.add(column);
            } else {
                elements.add(element);
            }
        }
        if (!printed.isEmpty()) {
            elements.add(textOf(printed) + " COLLATE \"C\"");
        }
        return "pg_catalog.hash_record_extended(ROW(" + String.join(", ", elements) + "), " + seed(types, key) + ")";
    }

    /** The row's key as a 64-bit seed: an integer key itself, any other key hashed. */
    private static String seed(Map<String, String> types, List<String> key) {
        if (key.size() == 1 && INTEGERS.contains(types.get(key.get(0)))) {
            return "coalesce(" + ref(key.get(0)) + "::bigint, 0)";
        }
        List<String> elements = new ArrayList<>();
        for (String column : key) {
            String element = element(ref(column), types.get(column));
            elements.add(element != null ? element : textOf(List.of(column)) + " COLLATE \"C\"");
        }
        return "coalesce(pg_catalog.hash_record_extended(ROW(" + String.join(", ", elements) + "), 0), 0)";
    }

    /** How a value of {@code type} enters the typed hash, or null when only its text is exact. */
    private static String element(String ref, String type) {
        if (type == null) {
            return null;
        }
        if (type.equals("bigint")) {
            return "pg_catalog.int8send(" + ref + ")";
        }
        if (type.equals("smallint") || type.equals("integer") || type.equals("boolean") || type.equals("date")
                || type.equals("uuid") || type.equals("bytea")) {
            return ref;
        }
        if (type.equals("text") || VARCHAR.matcher(type).matches()) {
            return ref + "::text COLLATE \"C\"";
        }
        if (NUMERIC.matcher(type).matches()) {
            return "pg_catalog.numeric_send(" + ref + ")";
        }
        if (TIMESTAMPTZ.matcher(type).matches()) {
            return "pg_catalog.timestamptz_send(" + ref + ")";
        }
        if (TIMESTAMP.matcher(type).matches()) {
            return "pg_catalog.timestamp_send(" + ref + ")";
        }
        if (TIME.matcher(type).matches()) {
            return "pg_catalog.time_send(" + ref + ")";
        }
        return null;
    }

    private static String textOf(List<String> columns) {
        return "ROW(" + String.join(", ", columns.stream().map(RowHashSql::ref).toList()) + ")::text";
    }

    private static String ref(String column) {
        return ALIAS + "." + quote(column);
    }
}
