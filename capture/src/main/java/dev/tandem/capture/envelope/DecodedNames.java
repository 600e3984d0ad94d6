package dev.tandem.capture.envelope;

import java.nio.charset.StandardCharsets;

/**
 * One shared {@code String} per column or table name read from the change log. Every change repeats its table's
 * names; sharing them saves decoding them again, and lets the applier's map lookups find a name whose hash is
 * already known and that equals the key by identity.
 *
 * <p>A fixed table of slots, indexed by a hash of the bytes. A slot is read and replaced without locking: a
 * {@code String} is immutable, so a reader sees either the old or the new one, and a miss only costs a new string.
 */
final class DecodedNames {

    private static final int SLOTS = 1024;
    /** Longer names are decoded each time: they are rare and comparing them costs as much as decoding. */
    private static final int MAX_LENGTH = 64;
    private static final String[] NAMES = new String[SLOTS];

    private DecodedNames() {
    }

    /** The name encoded in {@code bytes[from, from + length)} as UTF-8. */
    static String of(byte[] bytes, int from, int length) {
        if (length > MAX_LENGTH) {
            return new String(bytes, from, length, StandardCharsets.UTF_8);
        }
        int hash = 0;
        for (int i = from; i < from + length; i++) {
            if (bytes[i] < 0) {
                return new String(bytes, from, length, StandardCharsets.UTF_8); // not ASCII: not shared
            }
            hash = 31 * hash + bytes[i];
        }
        int slot = (hash ^ hash >>> 16) & (SLOTS - 1);
        String known = NAMES[slot];
        if (known != null && sameAscii(known, bytes, from, length)) {
            return known;
        }
        String name = new String(bytes, from, length, StandardCharsets.US_ASCII);
        NAMES[slot] = name;
        return name;
    }

    private static boolean sameAscii(String name, byte[] bytes, int from, int length) {
        if (name.length() != length) {
            return false;
        }
        for (int i = 0; i < length; i++) {
            if (name.charAt(i) != bytes[from + i]) {
                return false;
            }
        }
        return true;
    }
}
