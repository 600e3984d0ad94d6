package dev.tandem.capture.envelope;

import java.util.function.Consumer;

/**
 * An encoded envelope cut into change-log records small enough for any broker's default limits: records of a change
 * log stay under {@link #RECORD_BYTES}, so a value of any size PostgreSQL stores travels without raising the
 * producer's {@code max.request.size} or a topic's {@code max.message.bytes} (both 1 MiB by default). The fragments
 * of one envelope are written in order to one partition; {@link FragmentJoiner} puts them back together.
 *
 * <p>A fragment is a header (magic {@code 'F'}, version, the envelope's transaction order, transaction id and order
 * in the transaction, the fragment's index, the fragment count and the envelope's whole length, integers big-endian)
 * followed by its share of the encoded envelope. A fragment is not an envelope: {@link EnvelopeCodec#decode} refuses
 * it, so a reader that does not join fragments fails loudly instead of skipping a change. Capture writes the fragments
 * of a change as it encodes them ({@link #write}); both ways give the same bytes.
 */
public final class EnvelopeFragments {

    /** Largest change-log record tandem writes: half of the broker's and producer's default 1 MiB limits. */
    public static final int RECORD_BYTES = 512 * 1024;

    static final byte MAGIC = 'F';
    private static final byte VERSION = 1;
    static final int HEADER_BYTES = 2 + 3 * 8 + 3 * 4;
    static final int PAYLOAD_BYTES = RECORD_BYTES - HEADER_BYTES;

    private final byte[] encoded;
    private final SourcePosition position;

    private EnvelopeFragments(byte[] encoded, SourcePosition position) {
        this.encoded = encoded;
        this.position = position;
    }

    /** The records that carry {@code encoded}, the encoding of an envelope at {@code position}. */
    public static EnvelopeFragments of(byte[] encoded, SourcePosition position) {
        return new EnvelopeFragments(encoded, position);
    }

    /** How many records carry the envelope: 1 when it fits one record as it is. */
    public int count() {
        return count(encoded.length);
    }

    /** How many records carry an envelope whose encoding is {@code encodedLength} bytes long. */
    static int count(int encodedLength) {
        return encodedLength <= RECORD_BYTES ? 1 : (int) (((long) encodedLength + PAYLOAD_BYTES - 1) / PAYLOAD_BYTES);
    }

    /** Length of {@code envelope}'s encoding: what {@link #write} cuts into records and a size limit is checked on. */
    public static int encodedLength(ChangeEnvelope envelope) {
        return BinaryEnvelope.size(envelope);
    }

    /**
     * Encodes {@code envelope}, whose {@link #encodedLength} is {@code encodedLength}, and hands its records to
     * {@code records} in order: the encoding itself when it fits one record, else fragments, each encoded as the one
     * before it is handed on (so the whole encoding of a large change is never held); returns how many.
     */
    public static int write(ChangeEnvelope envelope, int encodedLength, Consumer<byte[]> records) {
        int count = count(encodedLength);
        if (count == 1) {
            records.accept(BinaryEnvelope.encode(envelope, encodedLength));
            return 1;
        }
        FragmentWriter out = new FragmentWriter(envelope.position(), encodedLength, count, records);
        BinaryEnvelope.write(envelope, out);
        out.finish();
        return count;
    }

    /**
     * Record {@code index} of {@link #count()}: the encoded envelope itself when it fits one record, else a fragment.
     * Each is made when asked for, so a writer holds one fragment besides the envelope at a time.
     */
    public byte[] record(int index) {
        int count = count();
        if (index < 0 || index >= count) {
            throw new IndexOutOfBoundsException("fragment " + index + " of " + count);
        }
        if (count == 1) {
            return encoded;
        }
        int from = index * PAYLOAD_BYTES;
        int length = Math.min(PAYLOAD_BYTES, encoded.length - from);
        byte[] fragment = new byte[HEADER_BYTES + length];
        int at = writeHeader(fragment, position, index, count, encoded.length);
        System.arraycopy(encoded, from, fragment, at, length);
        return fragment;
    }

    /** Writes the header of fragment {@code index} of {@code count} into {@code fragment}; returns where its payload starts. */
    static int writeHeader(byte[] fragment, SourcePosition position, int index, int count, int totalLength) {
        int at = 0;
        fragment[at++] = MAGIC;
        fragment[at++] = VERSION;
        at = putLong(fragment, at, position.txOrder());
        at = putLong(fragment, at, position.txId());
        at = putLong(fragment, at, position.orderInTx());
        at = putInt(fragment, at, index);
        at = putInt(fragment, at, count);
        return putInt(fragment, at, totalLength);
    }

    /** True when {@code record} is a fragment of a larger envelope rather than a whole one. */
    public static boolean isFragment(byte[] record) {
        return record.length >= HEADER_BYTES && record[0] == MAGIC && record[1] == VERSION;
    }

    /** The parsed header of a fragment; its payload starts at {@link #HEADER_BYTES}. */
    public record Header(long txOrder, long txId, long orderInTx, int index, int count, int totalLength) {

        public static Header of(byte[] fragment) {
            return new Header(getLong(fragment, 2), getLong(fragment, 10), getLong(fragment, 18), getInt(fragment, 26),
                    getInt(fragment, 30), getInt(fragment, 34));
        }

        boolean sameEnvelope(Header other) {
            return other != null && txOrder == other.txOrder && txId == other.txId && orderInTx == other.orderInTx
                    && count == other.count && totalLength == other.totalLength;
        }

        @Override
        public String toString() {
            return "fragment " + (index + 1) + " of " + count + " of the change #" + orderInTx + " of tx " + txId;
        }
    }

    private static int putLong(byte[] b, int at, long value) {
        return putInt(b, putInt(b, at, (int) (value >>> 32)), (int) value);
    }

    private static int putInt(byte[] b, int at, int value) {
        b[at] = (byte) (value >>> 24);
        b[at + 1] = (byte) (value >>> 16);
        b[at + 2] = (byte) (value >>> 8);
        b[at + 3] = (byte) value;
        return at + 4;
    }

    private static int getInt(byte[] b, int at) {
        return (b[at] & 0xff) << 24 | (b[at + 1] & 0xff) << 16 | (b[at + 2] & 0xff) << 8 | (b[at + 3] & 0xff);
    }

    private static long getLong(byte[] b, int at) {
        return (long) getInt(b, at) << 32 | (getInt(b, at + 4) & 0xffffffffL);
    }
}
