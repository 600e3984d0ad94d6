package dev.tandem.sync.apply;

import dev.tandem.capture.envelope.Utf8;
import dev.tandem.sync.mapping.ArrayBinding;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.SQLException;

/**
 * Binds a statement's columns of values as text arrays, choosing how they travel by their size: as {@code text[]}
 * normally, and once a statement carries a megabyte or more as the UTF-8 bytes of each array's literal, which pgjdbc
 * reads from a stream as it sends them ({@link ArrayBinding#UTF8_BYTES}, {@link TextArrayLiteral}). pgjdbc's own way
 * holds a value about four times over (the literal as it grows, the literal, its bytes) while the statement runs.
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
                long length = literalLength(column);
                if (length > Integer.MAX_VALUE) {
                    throw new SQLException("new side: a batch column of " + length + " bytes is more than one parameter"
                            + " carries; lower the applier's batch size (maxBatchChanges)");
                }
                // read by pgjdbc as it sends the statement: the literal is never held whole, only the values are
                ps.setBinaryStream(parameter++, new TextArrayLiteral(column), (int) length);
            }
        }
    }

    /** Length in bytes of the UTF-8 {@code text[]} literal {@link TextArrayLiteral} streams for {@code values}. */
    static long literalLength(String[] values) {
        long size = 2 + Math.max(0, values.length - 1);
        for (String value : values) {
            size += value == null ? 4 : 2 + Utf8.length(value) + escapes(value);
        }
        return size;
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
