package dev.tandem.capture;

/** The one place that turns names into quoted SQL identifiers; no SQL is built from unquoted names. */
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
        int dot = qualified.indexOf('.');
        if (dot <= 0 || dot == qualified.length() - 1) {
            throw new IllegalArgumentException("'" + qualified + "' is not a qualified name: write it as schema.table");
        }
        return quote(qualified.substring(0, dot)) + "." + quote(qualified.substring(dot + 1));
    }
}
