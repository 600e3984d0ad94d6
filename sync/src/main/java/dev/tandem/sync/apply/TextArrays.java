package dev.tandem.sync.apply;

import dev.tandem.capture.envelope.Utf8;
import dev.tandem.sync.mapping.ArrayBinding;
import java.io.ByteArrayInputStream;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.SQLException;

/**
 * Binds a statement's columns of values as text arrays, choosing how they travel by their size: as {@code text[]}
 * normally, and once a statement carries a megabyte or more as the UTF-8 bytes of each array's literal, built once at
 * its exact size and streamed by pgjdbc ({@link ArrayBinding#UTF8_BYTES}). pgjdbc's own way holds a value about four
 * times over (the literal as it grows, the literal, its bytes), which a value of 64 MB does not fit in 512 MiB with.
 */
public final class TextArrays {

    /** Characters in a statement's values from which they are bound as bytes. */
    static final long BYTES_FROM_CHARS = 1 << 20;

    private TextArrays() {
    }

    /** How {@code values} (one array per parameter) are bound: what the statement's SQL must be rendered with. */
    public static ArrayBinding bindingFor(String[][] values) {
        long chars = 0;
        for (String[] column : values) {
            for (String value : column) {
                chars += value == null ? 0 : value.length();
            }
        }
        return chars >= BYTES_FROM_CHARS ? ArrayBinding.UTF8_BYTES : ArrayBinding.TEXT;
    }

    /** Binds each of {@code values} as {@code binding} says, the first at parameter {@code first}. */
    public static void bind(Connection c, PreparedStatement ps, int first, String[][] values, ArrayBinding binding)
            throws SQLException {
        int parameter = first;
        for (String[] column : values) {
            if (binding == ArrayBinding.TEXT) {
                ps.setArray(parameter++, c.createArrayOf("text", column));
            } else {
                byte[] literal = utf8Literal(column);
                ps.setBinaryStream(parameter++, new ByteArrayInputStream(literal), literal.length);
            }
        }
    }

    /**
     * The UTF-8 bytes of the {@code text[]} literal of {@code values}: {@code {"a","b \"c\"",NULL}}, every element
     * quoted, a double quote or backslash inside one escaped by a backslash.
     */
    static byte[] utf8Literal(String[] values) {
        long size = 2 + Math.max(0, values.length - 1);
        for (String value : values) {
            size += value == null ? 4 : 2 + Utf8.length(value) + escapes(value);
        }
        if (size > Integer.MAX_VALUE - 16) {
            throw new IllegalArgumentException("a batch column of " + size + " bytes is more than one array can carry; "
                    + "lower the applier's batch size");
        }
        byte[] out = new byte[(int) size];
        int at = 0;
        out[at++] = '{';
        for (int i = 0; i < values.length; i++) {
            if (i > 0) {
                out[at++] = ',';
            }
            at = element(values[i], out, at);
        }
        out[at++] = '}';
        if (at != out.length) {
            throw new IllegalStateException("text array literal sized " + out.length + " bytes but wrote " + at);
        }
        return out;
    }

    private static int element(String value, byte[] out, int at) {
        if (value == null) {
            out[at++] = 'N';
            out[at++] = 'U';
            out[at++] = 'L';
            out[at++] = 'L';
            return at;
        }
        out[at++] = '"';
        int start = at;
        at = Utf8.encode(value, out, at);
        int escapes = escapes(value);
        if (escapes > 0) {
            at = escapeInPlace(out, start, at, escapes);
        }
        out[at++] = '"';
        return at;
    }

    /**
     * Puts a backslash before each {@code "} and {@code \} of the UTF-8 bytes {@code out[from, to)}, moving them right
     * by {@code escapes} in all (the room after {@code to} is free): one pass from the end, no second array. Neither
     * byte occurs inside a multi-byte UTF-8 sequence, so the bytes are scanned as they are.
     */
    private static int escapeInPlace(byte[] out, int from, int to, int escapes) {
        int write = to + escapes;
        for (int read = to - 1; read >= from; read--) {
            byte b = out[read];
            out[--write] = b;
            if (b == '"' || b == '\\') {
                out[--write] = '\\';
            }
        }
        return to + escapes;
    }

    private static int escapes(String value) {
        int n = 0;
        for (int i = 0; i < value.length(); i++) {
            char ch = value.charAt(i);
            if (ch == '"' || ch == '\\') {
                n++;
            }
        }
        return n;
    }
}
