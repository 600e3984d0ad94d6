package dev.tandem.capture.envelope;

import java.util.OptionalLong;

/**
 * Reads a change log record by record and returns whole envelopes, joining the fragments {@link EnvelopeFragments}
 * cut a large one into. Holds at most one envelope being joined, preallocated at its final size.
 *
 * <p>It tolerates what an at-least-once writer and a reader that starts anywhere produce: a first fragment starts an
 * envelope afresh (dropping an unfinished one a crashed writer left behind: the writer replays it whole), fragments
 * read without their first (a reader positioned in the middle) are skipped, and so is an unfinished envelope followed
 * by a whole record. A skipped partial envelope is never returned: only an envelope whose every fragment arrived in
 * order is.
 */
public final class FragmentJoiner {

    /** A whole envelope and the offset of its first record (where re-reading must start to read it again). */
    public record Joined(ChangeEnvelope envelope, long firstOffset) {
    }

    private EnvelopeFragments.Header joining;
    private byte[] joined;
    private int filled;
    private long joiningSince;

    /** Takes the record read at {@code offset}; returns the envelope it completes, or null while one is being joined. */
    public Joined add(long offset, byte[] record) {
        if (!EnvelopeFragments.isFragment(record)) {
            drop();
            return new Joined(EnvelopeCodec.decode(record), offset);
        }
        EnvelopeFragments.Header header = EnvelopeFragments.Header.of(record);
        if (header.index() == 0) {
            start(header, offset);
        } else if (!header.sameEnvelope(joining) || header.index() != joining.index() + 1) {
            drop(); // read from the middle of an envelope, or a writer's replay interleaved: wait for a first fragment
            return null;
        }
        int length = record.length - EnvelopeFragments.HEADER_BYTES;
        if (length > joined.length - filled) {
            throw new IllegalArgumentException(header + " at offset " + offset + " carries " + length
                    + " bytes past the envelope's length of " + joined.length + "; the change log is damaged");
        }
        System.arraycopy(record, EnvelopeFragments.HEADER_BYTES, joined, filled, length);
        filled += length;
        joining = header;
        if (header.index() < header.count() - 1) {
            return null;
        }
        if (filled != joined.length) {
            throw new IllegalArgumentException(header + " at offset " + offset + " ends the envelope at " + filled
                    + " of its " + joined.length + " bytes; the change log is damaged");
        }
        byte[] whole = joined;
        long first = joiningSince;
        drop();
        return new Joined(EnvelopeCodec.decode(whole), first);
    }

    /** Offset of the first fragment of the envelope being joined, if one is: re-reading must start there. */
    public OptionalLong joiningSince() {
        return joining == null ? OptionalLong.empty() : OptionalLong.of(joiningSince);
    }

    private void start(EnvelopeFragments.Header header, long offset) {
        if (header.totalLength() < 0 || header.count() < 2) {
            throw new IllegalArgumentException(header + " at offset " + offset + " announces " + header.totalLength()
                    + " bytes in " + header.count() + " fragments; the change log is damaged");
        }
        joined = null; // an unfinished envelope's bytes go before the next one's are allocated
        joined = new byte[header.totalLength()];
        filled = 0;
        joiningSince = offset;
    }

    private void drop() {
        joining = null;
        joined = null;
        filled = 0;
    }
}
