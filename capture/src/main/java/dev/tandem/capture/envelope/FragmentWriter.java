package dev.tandem.capture.envelope;

import java.util.function.Consumer;

/**
 * Encodes an envelope larger than one record straight into its fragments, handing each on as it fills: the whole
 * encoding of a large value never exists at once, so capture holds one fragment besides the change itself.
 */
final class FragmentWriter extends BinaryEnvelope.Output {

    /** Chars of a string encoded at a time (one more to keep a surrogate pair whole): at most 3 bytes each. */
    private static final int SLICE_CHARS = 16 * 1024;

    private final SourcePosition position;
    private final int totalLength;
    private final int count;
    private final Consumer<byte[]> records;
    private final byte[] scratch = new byte[3 * (SLICE_CHARS + 1)];
    private byte[] fragment;
    private int at;
    private int index;
    private long written;

    /** Writes the {@code count} fragments of an encoding of {@code totalLength} bytes to {@code records}. */
    FragmentWriter(SourcePosition position, int totalLength, int count, Consumer<byte[]> records) {
        this.position = position;
        this.totalLength = totalLength;
        this.count = count;
        this.records = records;
        startFragment();
    }

    @Override
    void putByte(int value) {
        if (at == fragment.length) {
            nextFragment();
        }
        fragment[at++] = (byte) value;
        written++;
    }

    @Override
    void putInt(int value) {
        putByte(value >>> 24);
        putByte(value >>> 16);
        putByte(value >>> 8);
        putByte(value);
    }

    @Override
    void putString(String value) {
        if (value == null) {
            putInt(BinaryEnvelope.NULL);
            return;
        }
        putInt(Utf8.length(value));
        for (int from = 0; from < value.length(); ) {
            int to = Utf8.sliceEnd(value, from, SLICE_CHARS);
            put(scratch, Utf8.encode(value, from, to, scratch, 0));
            from = to;
        }
    }

    /** Hands on the last fragment; fails if the encoding did not have the length it was sized at. */
    void finish() {
        if (written != totalLength || index != count - 1 || at != fragment.length) {
            throw new IllegalStateException("change " + position + " was sized at " + totalLength + " bytes in " + count
                    + " fragments but encoded to " + written + " bytes");
        }
        records.accept(fragment);
        fragment = null;
    }

    private void put(byte[] bytes, int length) {
        int from = 0;
        while (from < length) {
            if (at == fragment.length) {
                nextFragment();
            }
            int n = Math.min(length - from, fragment.length - at);
            System.arraycopy(bytes, from, fragment, at, n);
            at += n;
            from += n;
        }
        written += length;
    }

    private void nextFragment() {
        if (index == count - 1) {
            throw new IllegalStateException("change " + position + " was sized at " + totalLength
                    + " bytes but encodes to more");
        }
        records.accept(fragment);
        index++;
        startFragment();
    }

    private void startFragment() {
        long from = (long) index * EnvelopeFragments.PAYLOAD_BYTES;
        int payload = (int) Math.min(EnvelopeFragments.PAYLOAD_BYTES, totalLength - from);
        fragment = new byte[EnvelopeFragments.HEADER_BYTES + payload];
        at = EnvelopeFragments.writeHeader(fragment, position, index, count, totalLength);
    }
}
