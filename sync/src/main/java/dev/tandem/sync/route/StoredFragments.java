package dev.tandem.sync.route;

import dev.tandem.capture.envelope.EnvelopeFragments;
import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.List;
import org.apache.kafka.streams.state.KeyValueStore;

/**
 * The fragments of one large change the router has read but not yet routed, kept in its state store: a Streams
 * commit may fall between two fragments, and the fragments read before it must survive a restart that resumes
 * after them. At most one change is held, as {@code FragmentJoiner} does: a first fragment starts afresh, a fragment
 * that does not follow the one held drops both (a writer's replay brings the change again whole).
 */
final class StoredFragments {

    private static final String PREFIX = "fragment:";
    private static final String LAST = PREFIX + "last";

    private final KeyValueStore<String, byte[]> store;

    StoredFragments(KeyValueStore<String, byte[]> store) {
        this.store = store;
    }

    /** Keeps {@code fragment}; returns all fragments of its change, in order, once the last one arrived, else null. */
    List<byte[]> add(byte[] fragment) {
        EnvelopeFragments.Header header = EnvelopeFragments.Header.of(fragment);
        if (header.index() == 0) {
            clear();
        } else if (!follows(header)) {
            clear(); // read from the middle of a change, or a writer's replay started it over: wait for a first fragment
            return null;
        }
        store.put(PREFIX + header.index(), fragment);
        store.put(LAST, ByteBuffer.allocate(Integer.BYTES).putInt(header.index()).array());
        if (header.index() < header.count() - 1) {
            return null;
        }
        List<byte[]> all = new ArrayList<>(header.count());
        for (int i = 0; i < header.count(); i++) {
            all.add(store.get(PREFIX + i));
        }
        clear();
        return all;
    }

    /** Drops the fragments held (a whole record came: the change they began was cut off). */
    void clear() {
        byte[] last = store.get(LAST);
        if (last == null) {
            return;
        }
        for (int i = ByteBuffer.wrap(last).getInt(); i >= 0; i--) {
            store.delete(PREFIX + i);
        }
        store.delete(LAST);
    }

    private boolean follows(EnvelopeFragments.Header header) {
        byte[] previous = store.get(PREFIX + (header.index() - 1));
        byte[] last = store.get(LAST);
        if (previous == null || last == null || ByteBuffer.wrap(last).getInt() != header.index() - 1) {
            return false;
        }
        EnvelopeFragments.Header held = EnvelopeFragments.Header.of(previous);
        return held.txOrder() == header.txOrder() && held.txId() == header.txId()
                && held.orderInTx() == header.orderInTx() && held.count() == header.count()
                && held.totalLength() == header.totalLength();
    }
}
