package dev.tandem.capture.envelope;

/**
 * UTF-8 written straight into a caller's array, byte for byte what {@code String.getBytes(UTF_8)} gives (an
 * unpaired surrogate becomes {@code '?'}), so an envelope is encoded without a temporary array per string.
 */
public final class Utf8 {

    private Utf8() {
    }

    /** How many bytes {@link #encode} writes for {@code s}. */
    public static int length(String s) {
        int n = s.length();
        int bytes = n;
        for (int i = 0; i < n; i++) {
            char c = s.charAt(i);
            if (c < 0x80) {
                continue;
            }
            if (c < 0x800) {
                bytes += 1;
            } else if (!Character.isSurrogate(c)) {
                bytes += 2;
            } else if (pairAt(s, i)) {
                bytes += 2; // two chars, four bytes
                i++;
            }
        }
        return bytes;
    }

    /** Writes {@code s} at {@code at}; returns the index just past it. */
    public static int encode(String s, byte[] out, int at) {
        return encode(s, 0, s.length(), out, at);
    }

    /**
     * Writes the chars {@code from} to {@code to} of {@code s} at {@code at} (at most three bytes per char); returns the
     * index just past them. A surrogate pair must not straddle {@code to}: {@link #sliceEnd} picks such an end.
     */
    static int encode(String s, int from, int to, byte[] out, int at) {
        int n = to;
        for (int i = from; i < n; i++) {
            char c = s.charAt(i);
            if (c < 0x80) {
                out[at++] = (byte) c;
            } else if (c < 0x800) {
                out[at++] = (byte) (0xc0 | c >> 6);
                out[at++] = (byte) (0x80 | c & 0x3f);
            } else if (!Character.isSurrogate(c)) {
                out[at++] = (byte) (0xe0 | c >> 12);
                out[at++] = (byte) (0x80 | c >> 6 & 0x3f);
                out[at++] = (byte) (0x80 | c & 0x3f);
            } else if (pairAt(s, i)) {
                int cp = Character.toCodePoint(c, s.charAt(++i));
                out[at++] = (byte) (0xf0 | cp >> 18);
                out[at++] = (byte) (0x80 | cp >> 12 & 0x3f);
                out[at++] = (byte) (0x80 | cp >> 6 & 0x3f);
                out[at++] = (byte) (0x80 | cp & 0x3f);
            } else {
                out[at++] = '?';
            }
        }
        return at;
    }

    /** The end of a slice of {@code s} from {@code from}: {@code chars} chars on, or one more to keep a pair whole. */
    static int sliceEnd(String s, int from, int chars) {
        int end = (int) Math.min(s.length(), (long) from + chars);
        return end < s.length() && Character.isHighSurrogate(s.charAt(end - 1)) ? end + 1 : end;
    }

    private static boolean pairAt(String s, int i) {
        return Character.isHighSurrogate(s.charAt(i)) && i + 1 < s.length() && Character.isLowSurrogate(s.charAt(i + 1));
    }
}
