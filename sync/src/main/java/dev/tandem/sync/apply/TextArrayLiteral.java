package dev.tandem.sync.apply;

import java.io.InputStream;

/**
 * The UTF-8 bytes of the {@code text[]} literal of some values, made as they are read: {@code {"a","b \"c\"",NULL}},
 * every element quoted, a double quote or backslash inside one escaped by a backslash. What pgjdbc streams to the
 * target for a batch of large values, so the literal never exists whole beside the values it is made of.
 */
final class TextArrayLiteral extends InputStream {

    private static final byte[] NULL = {'N', 'U', 'L', 'L'};

    private final String[] values;
    /** Bytes made and not read yet: {@code pending[from, to)}; at most one element's opening or one char's worth. */
    private final byte[] pending = new byte[8];
    private int from;
    private int to;
    private int element = -1;
    /** Next char of the current element, or -1 when its opening quote is due. */
    private int charAt = -1;
    private boolean closed;

    TextArrayLiteral(String[] values) {
        this.values = values;
    }

    @Override
    public int read() {
        if (from == to && !fill()) {
            return -1;
        }
        return pending[from++] & 0xff;
    }

    @Override
    public int read(byte[] b, int off, int len) {
        if (len == 0) {
            return 0;
        }
        int n = 0;
        while (n < len) {
            if (from == to && inValue()) {
                n = copyChars(b, off, n, len); // the bulk of a large value, straight into the caller's array
                if (n == len) {
                    break;
                }
            }
            if (from == to && !fill()) {
                break;
            }
            int take = Math.min(len - n, to - from);
            System.arraycopy(pending, from, b, off + n, take);
            from += take;
            n += take;
        }
        return n == 0 ? -1 : n;
    }

    private boolean inValue() {
        return element >= 0 && element < values.length && values[element] != null && charAt >= 0
                && charAt < values[element].length();
    }

    /** Encodes chars of the current value into {@code b} while four bytes and an escape fit; returns the new count. */
    private int copyChars(byte[] b, int off, int n, int len) {
        String value = values[element];
        while (n + 5 <= len && charAt < value.length()) {
            to = 0;
            charAt = encodeChar(value, charAt);
            System.arraycopy(pending, 0, b, off + n, to);
            n += to;
        }
        from = 0;
        to = 0;
        return n;
    }

    /** Makes the next few bytes; false at the end of the literal. */
    private boolean fill() {
        from = 0;
        to = 0;
        if (closed) {
            return false;
        }
        if (element == -1) {
            pending[to++] = '{';
            next();
            return true;
        }
        if (element == values.length) {
            pending[to++] = '}';
            closed = true;
            return true;
        }
        String value = values[element];
        if (value == null) {
            System.arraycopy(NULL, 0, pending, 0, NULL.length);
            to = NULL.length;
            next();
        } else if (charAt == -1) {
            pending[to++] = '"';
            charAt = 0;
        } else if (charAt == value.length()) {
            pending[to++] = '"';
            next();
        } else {
            charAt = encodeChar(value, charAt);
        }
        return true;
    }

    /** Moves to the next element, writing the comma before it. */
    private void next() {
        element++;
        charAt = -1;
        if (element > 0 && element < values.length) {
            pending[to++] = ',';
        }
    }

    /** Writes the char at {@code i} of {@code s} (a pair: both) as UTF-8, escaped; returns the index after it. */
    private int encodeChar(String s, int i) {
        char c = s.charAt(i);
        if (c < 0x80) {
            if (c == '"' || c == '\\') {
                pending[to++] = '\\';
            }
            pending[to++] = (byte) c;
        } else if (c < 0x800) {
            pending[to++] = (byte) (0xc0 | c >> 6);
            pending[to++] = (byte) (0x80 | c & 0x3f);
        } else if (!Character.isSurrogate(c)) {
            pending[to++] = (byte) (0xe0 | c >> 12);
            pending[to++] = (byte) (0x80 | c >> 6 & 0x3f);
            pending[to++] = (byte) (0x80 | c & 0x3f);
        } else if (Character.isHighSurrogate(c) && i + 1 < s.length() && Character.isLowSurrogate(s.charAt(i + 1))) {
            int cp = Character.toCodePoint(c, s.charAt(i + 1));
            pending[to++] = (byte) (0xf0 | cp >> 18);
            pending[to++] = (byte) (0x80 | cp >> 12 & 0x3f);
            pending[to++] = (byte) (0x80 | cp >> 6 & 0x3f);
            pending[to++] = (byte) (0x80 | cp & 0x3f);
            return i + 2;
        } else {
            pending[to++] = '?'; // an unpaired surrogate, as String.getBytes(UTF_8) writes it
        }
        return i + 1;
    }
}
