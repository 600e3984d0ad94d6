package dev.tandem.capture;

import java.util.ArrayList;
import java.util.List;

/**
 * The one place that turns names into quoted SQL identifiers; no SQL is built from unquoted names.
 *
 * <p>A qualified table name is written {@code schema.table}. Both parts are exact, case-sensitive names
 * ({@code legacy.Order} is the table {@code "Order"}); a part that contains a dot, a double quote or white
 * space is written in double quotes with inner quotes doubled, as in SQL: {@code "we.ird"."ta""ble"}.
 * {@link #qualified} writes that canonical form, {@link #parts} reads it back.
 */
public final class SqlIdentifiers {

    private SqlIdentifiers() {
    }

    /** {@code name} as a quoted identifier: {@code my"col} becomes {@code "my""col"}. */
    public static String quote(String name) {
        if (name == null || name.isEmpty()) {
            throw new IllegalArgumentException("an SQL identifier cannot be empty");
        }
        return "\"" + name.replace("\"", "\"\"") + "\"";
    }

    /** A {@code schema.table} name with both parts quoted. */
    public static String quoteQualified(String qualified) {
        String[] parts = parts(qualified);
        return quote(parts[0]) + "." + quote(parts[1]);
    }

    /** The canonical {@code schema.table} text of a table: parts quoted only where a plain part would be ambiguous. */
    public static String qualified(String schema, String table) {
        return part(schema) + "." + part(table);
    }

    /** Rewrites a {@code schema.table} name into its canonical text ({@code "app"."Order"} becomes {@code app.Order}). */
    public static String canonical(String qualified) {
        String[] parts = parts(qualified);
        return qualified(parts[0], parts[1]);
    }

    /**
     * The schema and table of a {@code schema.table} name, each unquoted.
     *
     * @throws IllegalArgumentException naming the text and the expected syntax when it is not exactly two parts
     */
    public static String[] parts(String qualified) {
        if (qualified == null) {
            throw new IllegalArgumentException("a table name is missing: write it as schema.table");
        }
        List<String> parts = new ArrayList<>();
        int i = 0;
        int n = qualified.length();
        while (true) {
            StringBuilder part = new StringBuilder();
            if (i < n && qualified.charAt(i) == '"') {
                i++;
                while (true) {
                    if (i >= n) {
                        throw malformed(qualified, "an opening double quote is not closed");
                    }
                    char c = qualified.charAt(i++);
                    if (c == '"') {
                        if (i < n && qualified.charAt(i) == '"') {
                            part.append('"');
                            i++;
                        } else {
                            break;
                        }
                    } else {
                        part.append(c);
                    }
                }
            } else {
                while (i < n && qualified.charAt(i) != '.') {
                    char c = qualified.charAt(i++);
                    if (c == '"') {
                        throw malformed(qualified, "a double quote inside an unquoted part");
                    }
                    part.append(c);
                }
            }
            if (part.isEmpty()) {
                throw malformed(qualified, "an empty part");
            }
            parts.add(part.toString());
            if (i == n) {
                break;
            }
            if (qualified.charAt(i) != '.') {
                throw malformed(qualified, "text after a closing double quote");
            }
            i++;
        }
        if (parts.size() != 2) {
            throw malformed(qualified, parts.size() + " part(s) instead of 2");
        }
        return parts.toArray(new String[0]);
    }

    private static String part(String name) {
        if (name == null || name.isEmpty()) {
            throw new IllegalArgumentException("an SQL identifier cannot be empty");
        }
        boolean plain = name.chars().noneMatch(c -> c == '.' || c == '"' || Character.isWhitespace(c));
        return plain ? name : quote(name);
    }

    private static IllegalArgumentException malformed(String qualified, String problem) {
        return new IllegalArgumentException("'" + qualified + "' is not a qualified name (" + problem + "): write it as "
                + "schema.table, with double quotes around a part that contains a dot, a quote or a space, e.g. \"we.ird\".\"my table\"");
    }
}
