package dev.tandem.capture.envelope;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.Map;
import java.util.Set;

/**
 * The change log's compact encoding of an envelope: a two-byte header (magic {@code 'T'}, version)
 * then the fields in declaration order, strings as length-prefixed UTF-8 ({@code -1} for null).
 * About five times cheaper to write and read than JSON, which capture and apply do for every change.
 */
final class BinaryEnvelope {

    static final byte MAGIC = 'T';
    private static final byte VERSION = 1;

    private BinaryEnvelope() {
    }

    static boolean isBinary(byte[] bytes) {
        return bytes.length >= 2 && bytes[0] == MAGIC && bytes[1] == VERSION;
    }

    static byte[] encode(ChangeEnvelope e) {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream(128);
        try (DataOutputStream out = new DataOutputStream(bytes)) {
            out.writeByte(MAGIC);
            out.writeByte(VERSION);
            out.writeByte(e.kind().ordinal());
            SourcePosition p = e.position();
            out.writeLong(p.txOrder());
            out.writeLong(p.lsn());
            out.writeLong(p.txId());
            out.writeLong(p.orderInTx());
            out.writeLong(e.commitTimeMs());
            writeString(out, e.table());
            out.writeByte(e.operation() == null ? -1 : e.operation().ordinal());
            writeMap(out, e.key());
            writeMap(out, e.before());
            writeMap(out, e.after());
            out.writeInt(e.unavailable().size());
            for (String column : e.unavailable()) {
                writeString(out, column);
            }
            out.writeLong(e.eventCount());
        } catch (IOException impossible) {
            throw new IllegalStateException("writing to memory failed", impossible);
        }
        return bytes.toByteArray();
    }

    static ChangeEnvelope decode(byte[] bytes) throws IOException {
        DataInputStream in = new DataInputStream(new ByteArrayInputStream(bytes, 2, bytes.length - 2));
        EnvelopeKind kind = EnvelopeKind.values()[in.readByte()];
        SourcePosition position = new SourcePosition(in.readLong(), in.readLong(), in.readLong(), in.readLong());
        long commitTimeMs = in.readLong();
        String table = readString(in);
        byte operation = in.readByte();
        LinkedHashMap<String, String> key = readMap(in);
        LinkedHashMap<String, String> before = readMap(in);
        LinkedHashMap<String, String> after = readMap(in);
        int unavailableCount = in.readInt();
        Set<String> unavailable = new LinkedHashSet<>();
        for (int i = 0; i < unavailableCount; i++) {
            unavailable.add(readString(in));
        }
        long eventCount = in.readLong();
        return new ChangeEnvelope(kind, position, commitTimeMs, table, operation < 0 ? null : Operation.values()[operation],
                key, before, after, unavailable, eventCount);
    }

    private static void writeMap(DataOutputStream out, Map<String, String> map) throws IOException {
        if (map == null) {
            out.writeInt(-1);
            return;
        }
        out.writeInt(map.size());
        for (Map.Entry<String, String> entry : map.entrySet()) {
            writeString(out, entry.getKey());
            writeString(out, entry.getValue());
        }
    }

    private static LinkedHashMap<String, String> readMap(DataInputStream in) throws IOException {
        int size = in.readInt();
        if (size < 0) {
            return null;
        }
        LinkedHashMap<String, String> map = new LinkedHashMap<>(Math.max(4, size * 4 / 3 + 1));
        for (int i = 0; i < size; i++) {
            map.put(readString(in), readString(in));
        }
        return map;
    }

    private static void writeString(DataOutputStream out, String value) throws IOException {
        if (value == null) {
            out.writeInt(-1);
            return;
        }
        byte[] utf8 = value.getBytes(StandardCharsets.UTF_8);
        out.writeInt(utf8.length);
        out.write(utf8);
    }

    private static String readString(DataInputStream in) throws IOException {
        int length = in.readInt();
        if (length < 0) {
            return null;
        }
        byte[] utf8 = new byte[length];
        in.readFully(utf8);
        return new String(utf8, StandardCharsets.UTF_8);
    }
}
