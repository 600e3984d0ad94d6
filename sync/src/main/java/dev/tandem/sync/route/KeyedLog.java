package dev.tandem.sync.route;

import java.nio.ByteBuffer;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.common.header.Header;

/**
 * The keyed change log of per-key ordering: the router's copy of the ordered change log, split by key over
 * partitions. Each record carries, in a header, its offset in the ordered log, so appliers can say how far into
 * the ordered log they have applied (what the cutover and the reconciler read).
 */
public final class KeyedLog {

    /** Header holding the record's offset in the ordered change log (8 bytes, big-endian). */
    public static final String LOG_OFFSET_HEADER = "tandem.log-offset";

    private KeyedLog() {
    }

    public static byte[] offsetHeader(long logOffset) {
        return ByteBuffer.allocate(Long.BYTES).putLong(logOffset).array();
    }

    /** The record's offset in the ordered change log: its header, or its own offset when it was read there. */
    public static long logOffsetOf(ConsumerRecord<byte[], byte[]> record) {
        Header header = record.headers().lastHeader(LOG_OFFSET_HEADER);
        return header == null ? record.offset() : ByteBuffer.wrap(header.value()).getLong();
    }
}
