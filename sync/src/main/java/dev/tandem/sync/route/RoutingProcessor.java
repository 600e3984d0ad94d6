package dev.tandem.sync.route;

import dev.tandem.capture.KafkaChangeWriter;
import dev.tandem.capture.envelope.ChangeEnvelope;
import dev.tandem.capture.envelope.EnvelopeCodec;
import dev.tandem.capture.envelope.EnvelopeFragments;
import dev.tandem.capture.envelope.EnvelopeKind;
import dev.tandem.capture.envelope.FragmentJoiner;
import dev.tandem.capture.envelope.Operation;
import dev.tandem.capture.envelope.SourcePosition;
import dev.tandem.sync.apply.IncompleteTransactionException;
import dev.tandem.sync.control.AppliedPosition;
import java.nio.ByteBuffer;
import java.util.List;
import org.apache.kafka.common.header.internals.RecordHeaders;
import org.apache.kafka.streams.processor.api.Processor;
import org.apache.kafka.streams.processor.api.ProcessorContext;
import org.apache.kafka.streams.processor.api.Record;
import org.apache.kafka.streams.processor.api.RecordMetadata;
import org.apache.kafka.streams.state.KeyValueStore;

/**
 * The router's one processor: copies each change of the ordered change log to its key's partition of the keyed log
 * as it arrives (a fence or a TRUNCATE to every partition), counting per open transaction what each partition got,
 * and at the transaction's COMMIT sends each partition that got something a COMMIT carrying its count and, in a
 * header, the COMMIT's offset in the ordered log.
 *
 * <p>Its state, in the store {@link #STORE}, is per open transaction a fixed-size record ({@link OpenTransaction}),
 * the last transaction routed whole, and the fragments of at most one large change: never a transaction's changes.
 * What capture writes twice is routed once: a change whose number in its transaction was routed already, and every
 * record of a transaction routed whole before (its commit-order key is covered by the last one routed).
 */
final class RoutingProcessor implements Processor<byte[], byte[], byte[], RoutedRecord> {

    static final String STORE = "tandem-router-state";
    private static final String LAST_ROUTED = "routed";
    private static final String OPEN = "tx:";

    private final String logTopic;
    private final int partitions;
    private final KeyRouting routing;
    private ProcessorContext<byte[], RoutedRecord> context;
    private KeyValueStore<String, byte[]> state;
    private StoredFragments fragments;

    RoutingProcessor(String logTopic, int partitions, KeyRouting routing) {
        this.logTopic = logTopic;
        this.partitions = partitions;
        this.routing = routing;
    }

    @Override
    public void init(ProcessorContext<byte[], RoutedRecord> context) {
        this.context = context;
        this.state = context.getStateStore(STORE);
        this.fragments = new StoredFragments(state);
    }

    @Override
    public void process(Record<byte[], byte[]> record) {
        long offset = context.recordMetadata().map(RecordMetadata::offset).orElse(-1L);
        if (EnvelopeFragments.isFragment(record.value())) {
            List<byte[]> parts = fragments.add(record.value());
            if (parts != null) {
                FragmentJoiner joiner = new FragmentJoiner();
                FragmentJoiner.Joined joined = null;
                for (byte[] part : parts) {
                    joined = joiner.add(offset, part);
                }
                if (joined == null) {
                    throw new IllegalStateException("the fragments of a large change ending at offset " + offset + " of "
                            + logTopic + " do not join; the change log is damaged");
                }
                change(joined.envelope(), record, parts);
            }
            return;
        }
        fragments.clear();
        ChangeEnvelope envelope = EnvelopeCodec.decode(record.value());
        switch (envelope.kind()) {
            case BEGIN -> {
            }
            case CHANGE, FENCE -> change(envelope, record, List.of(record.value()));
            case COMMIT -> commit(envelope, record, offset);
            default -> throw new IllegalStateException("unknown envelope kind " + envelope.kind() + " at offset " + offset
                    + " of " + logTopic);
        }
    }

    /** Routes a change carried by {@code records} (one, or the fragments of a large change) unless it was routed. */
    private void change(ChangeEnvelope change, Record<byte[], byte[]> read, List<byte[]> records) {
        SourcePosition at = change.position();
        String key = OPEN + at.txId();
        byte[] stored = state.get(key);
        if (stored == null && lastRouted().covers(at.txOrder(), at.txId())) {
            return; // capture replayed a transaction routed whole before
        }
        OpenTransaction open = stored == null ? OpenTransaction.start(at.txOrder(), partitions) : OpenTransaction.decode(stored);
        if (at.orderInTx() <= open.lastRouted) {
            return; // capture replayed the transaction from its start: this change went out already
        }
        if (at.orderInTx() != open.lastRouted + 1) {
            throw new IncompleteTransactionException("source transaction " + at.txId() + " is missing changes in the "
                    + "change log " + logTopic + ": after change " + open.lastRouted + " comes change " + at.orderInTx()
                    + "; routing it would lose changes, so the router stops: re-run the backfill for this migration");
        }
        byte[] recordKey = read.key() != null ? read.key() : KafkaChangeWriter.keyOf(change);
        if (change.kind() == EnvelopeKind.FENCE || change.operation() == Operation.TRUNCATE) {
            for (int p = 0; p < partitions; p++) {
                send(p, recordKey, records, null, read.timestamp());
                open.counts[p]++;
            }
        } else {
            int p = routing.partitionOf(change, partitions);
            send(p, recordKey, records, null, read.timestamp());
            open.counts[p]++;
        }
        open.lastRouted = at.orderInTx();
        open.txOrder = at.txOrder();
        state.put(key, open.encode());
    }

    /** Ends a transaction: each partition that got some of its changes gets a COMMIT counting them. */
    private void commit(ChangeEnvelope commit, Record<byte[], byte[]> read, long offset) {
        long txId = commit.position().txId();
        byte[] stored = state.get(OPEN + txId);
        if (stored == null) {
            return; // nothing of it was routed: a replay of a transaction routed whole, or one without changes
        }
        OpenTransaction open = OpenTransaction.decode(stored);
        if (open.lastRouted != commit.eventCount()) {
            throw new IncompleteTransactionException("source transaction " + txId + " committed " + commit.eventCount()
                    + " changes but the change log " + logTopic + " holds " + open.lastRouted + " of them before its "
                    + "COMMIT (offset " + offset + "); routing it would lose changes, so the router stops: re-run the "
                    + "backfill for this migration");
        }
        SourcePosition position = new SourcePosition(open.txOrder, 0, txId, 0);
        for (int p = 0; p < partitions; p++) {
            if (open.counts[p] > 0) {
                ChangeEnvelope share = ChangeEnvelope.commit(position, commit.commitTimeMs(), open.counts[p]);
                send(p, KafkaChangeWriter.keyOf(share), List.of(EnvelopeCodec.encode(share)), offset, read.timestamp());
            }
        }
        state.delete(OPEN + txId);
        if (!lastRouted().covers(open.txOrder, txId)) { // the latest in commit order, should COMMITs ever interleave
            state.put(LAST_ROUTED, ByteBuffer.allocate(2 * Long.BYTES).putLong(open.txOrder).putLong(txId).array());
        }
    }

    private AppliedPosition lastRouted() {
        byte[] last = state.get(LAST_ROUTED);
        if (last == null) {
            return AppliedPosition.START;
        }
        ByteBuffer in = ByteBuffer.wrap(last);
        return new AppliedPosition(0, in.getLong(), in.getLong());
    }

    private void send(int partition, byte[] key, List<byte[]> records, Long logOffset, long timestamp) {
        for (byte[] value : records) {
            RecordHeaders headers = new RecordHeaders();
            if (logOffset != null) {
                headers.add(KeyedLog.LOG_OFFSET_HEADER, KeyedLog.offsetHeader(logOffset));
            }
            context.forward(new Record<>(key, new RoutedRecord(partition, value), timestamp, headers));
        }
    }
}
