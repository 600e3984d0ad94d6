package dev.tandem.capture.envelope;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.Map;
import java.util.Set;

/**
 * The change log's compact encoding of an envelope: a two-byte header (magic {@code 'T'}, version)
 * then the fields in declaration order, integers big-endian, strings as an int length then UTF-8
 * ({@code -1} for null), maps as an int size ({@code -1} for null) then key and value strings.
 * Capture writes and the applier reads one for every change, so both work on the byte array directly:
 * encoding sizes the array exactly first, decoding shares repeated column and table names.
 */
final class BinaryEnvelope {

    static final byte MAGIC = 'T';
    private static final byte VERSION = 1;
    static final int NULL = -1;
    /** header, kind, five longs (position, commit time), operation, unavailable count, event count */
    private static final int FIXED_BYTES = 2 + 1 + 5 * 8 + 1 + 4 + 8;

    private BinaryEnvelope() {
    }

    static boolean isBinary(byte[] bytes) {
        return bytes.length >= 2 && bytes[0] == MAGIC && bytes[1] == VERSION;
    }

    /** Exact length of {@code e}'s encoding. */
    static int size(ChangeEnvelope e) {
        long size = FIXED_BYTES + sizeOf(e.table()) + sizeOf(e.key()) + sizeOf(e.before()) + sizeOf(e.after());
        for (String column : e.unavailable()) {
            size += sizeOf(column);
        }
        if (size > Integer.MAX_VALUE - 16) {
            throw new IllegalArgumentException("change " + e.position() + " of " + e.table() + " encodes to " + size
                    + " bytes, more than a Java array holds");
        }
        return (int) size;
    }

    static byte[] encode(ChangeEnvelope e) {
        return encode(e, size(e));
    }

    /** Encodes {@code e}, whose {@link #size} is {@code size}, into one array of that length. */
    static byte[] encode(ChangeEnvelope e, int size) {
        ArrayWriter out = new ArrayWriter(size);
        write(e, out);
        return out.finish();
    }

    /** Writes the fields of {@code e} in their order to {@code out}. */
    static void write(ChangeEnvelope e, Output out) {
        out.putByte(MAGIC);
        out.putByte(VERSION);
        out.putByte(e.kind().ordinal());
        SourcePosition p = e.position();
        out.putLong(p.txOrder());
        out.putLong(p.lsn());
        out.putLong(p.txId());
        out.putLong(p.orderInTx());
        out.putLong(e.commitTimeMs());
        out.putString(e.table());
        out.putByte(e.operation() == null ? NULL : e.operation().ordinal());
        out.putMap(e.key());
        out.putMap(e.before());
        out.putMap(e.after());
        out.putInt(e.unavailable().size());
        for (String column : e.unavailable()) {
            out.putString(column);
        }
        out.putLong(e.eventCount());
    }

    static ChangeEnvelope decode(byte[] bytes) throws IOException {
        Reader in = new Reader(bytes, 2);
        EnvelopeKind kind = EnvelopeKind.values()[in.getByte()];
        SourcePosition position = new SourcePosition(in.getLong(), in.getLong(), in.getLong(), in.getLong());
        long commitTimeMs = in.getLong();
        String table = in.getName();
        byte operation = in.getByte();
        LinkedHashMap<String, String> key = in.getMap();
        LinkedHashMap<String, String> before = in.getMap();
        LinkedHashMap<String, String> after = in.getMap();
        int unavailableCount = in.getInt();
        Set<String> unavailable = unavailableCount <= 0 ? Set.of() : new LinkedHashSet<>();
        for (int i = 0; i < unavailableCount; i++) {
            unavailable.add(in.getName());
        }
        long eventCount = in.getLong();
        return new ChangeEnvelope(kind, position, commitTimeMs, table, operation(operation), key, before, after,
                unavailable, eventCount);
    }

    /** A later version's operation reads as UNKNOWN, so the applier pauses its tables instead of failing whole. */
    private static Operation operation(byte ordinal) {
        Operation[] all = Operation.values();
        return ordinal < 0 ? null : ordinal < all.length ? all[ordinal] : Operation.UNKNOWN;
    }

    private static long sizeOf(Map<String, String> map) {
        long size = 4;
        if (map != null) {
            for (Map.Entry<String, String> entry : map.entrySet()) {
                size += sizeOf(entry.getKey()) + sizeOf(entry.getValue());
            }
        }
        return size;
    }

    private static long sizeOf(String value) {
        return value == null ? 4 : 4L + Utf8.length(value);
    }

    /** Where an encoding goes: the field order is {@link #write}'s, the bytes go wherever a subclass puts them. */
    abstract static class Output {

        abstract void putByte(int value);

        abstract void putInt(int value);

        /** A string as its UTF-8 length then its UTF-8 bytes, or {@link #NULL} for null. */
        abstract void putString(String value);

        final void putLong(long value) {
            putInt((int) (value >>> 32));
            putInt((int) value);
        }

        final void putMap(Map<String, String> map) {
            if (map == null) {
                putInt(NULL);
                return;
            }
            putInt(map.size());
            for (Map.Entry<String, String> entry : map.entrySet()) {
                putString(entry.getKey());
                putString(entry.getValue());
            }
        }
    }

    /** Writes into an array of the exact size the envelope needs. */
    private static final class ArrayWriter extends Output {
        private final byte[] buffer;
        private int at;

        ArrayWriter(int size) {
            buffer = new byte[size];
        }

        @Override
        void putByte(int value) {
            buffer[at++] = (byte) value;
        }

        @Override
        void putInt(int value) {
            buffer[at] = (byte) (value >>> 24);
            buffer[at + 1] = (byte) (value >>> 16);
            buffer[at + 2] = (byte) (value >>> 8);
            buffer[at + 3] = (byte) value;
            at += 4;
        }

        @Override
        void putString(String value) {
            if (value == null) {
                putInt(NULL);
                return;
            }
            int lengthAt = at;
            at += 4;
            at = Utf8.encode(value, buffer, at);
            int length = at - lengthAt - 4;
            at = lengthAt;
            putInt(length);
            at += length;
        }

        byte[] finish() {
            if (at != buffer.length) {
                throw new IllegalStateException("envelope encoding sized " + buffer.length + " bytes but wrote " + at);
            }
            return buffer;
        }
    }

    /** Reads from the array; names (map keys, tables) come from {@link DecodedNames}, values are new strings. */
    private static final class Reader {
        private final byte[] bytes;
        private int at;

        Reader(byte[] bytes, int at) {
            this.bytes = bytes;
            this.at = at;
        }

        byte getByte() throws IOException {
            need(1);
            return bytes[at++];
        }

        int getInt() throws IOException {
            need(4);
            int value = (bytes[at] & 0xff) << 24 | (bytes[at + 1] & 0xff) << 16 | (bytes[at + 2] & 0xff) << 8
                    | (bytes[at + 3] & 0xff);
            at += 4;
            return value;
        }

        long getLong() throws IOException {
            return (long) getInt() << 32 | (getInt() & 0xffffffffL);
        }

        String getString() throws IOException {
            int length = stringLength();
            if (length < 0) {
                return null;
            }
            String value = new String(bytes, at, length, StandardCharsets.UTF_8);
            at += length;
            return value;
        }

        String getName() throws IOException {
            int length = stringLength();
            if (length < 0) {
                return null;
            }
            String name = DecodedNames.of(bytes, at, length);
            at += length;
            return name;
        }

        LinkedHashMap<String, String> getMap() throws IOException {
            int size = getInt();
            if (size < 0) {
                return null;
            }
            LinkedHashMap<String, String> map = new LinkedHashMap<>(Math.max(4, size * 4 / 3 + 1));
            for (int i = 0; i < size; i++) {
                map.put(getName(), getString());
            }
            return map;
        }

        private int stringLength() throws IOException {
            int length = getInt();
            if (length < NULL) {
                throw new IOException("string of length " + length + " at byte " + (at - 4));
            }
            need(Math.max(0, length));
            return length;
        }

        private void need(int count) throws IOException {
            if (count > bytes.length - at) {
                throw new IOException("envelope ends at byte " + bytes.length + ", " + count + " more needed at byte " + at);
            }
        }
    }
}
