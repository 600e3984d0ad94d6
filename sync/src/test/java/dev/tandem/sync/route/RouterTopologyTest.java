package dev.tandem.sync.route;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.tandem.capture.KafkaChangeWriter;
import dev.tandem.capture.envelope.ChangeEnvelope;
import dev.tandem.capture.envelope.EnvelopeCodec;
import dev.tandem.capture.envelope.EnvelopeFragments;
import dev.tandem.capture.envelope.EnvelopeKind;
import dev.tandem.capture.envelope.FragmentJoiner;
import dev.tandem.capture.envelope.Operation;
import dev.tandem.capture.envelope.SourcePosition;
import dev.tandem.sync.apply.IncompleteTransactionException;
import dev.tandem.sync.mapping.CompiledJoin;
import dev.tandem.sync.mapping.CompiledTable;
import dev.tandem.sync.mapping.JoinSpec;
import dev.tandem.sync.mapping.TableSpec;
import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Properties;
import java.util.Set;
import org.apache.kafka.common.header.Header;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.streams.KeyValue;
import org.apache.kafka.streams.StreamsConfig;
import org.apache.kafka.streams.TestInputTopic;
import org.apache.kafka.streams.TopologyTestDriver;
import org.apache.kafka.streams.errors.StreamsException;
import org.apache.kafka.streams.state.KeyValueIterator;
import org.apache.kafka.streams.state.KeyValueStore;
import org.apache.kafka.streams.test.TestRecord;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

class RouterTopologyTest {

    private static final String LOG = "tandem.m.changes";
    private static final int PARTITIONS = 4;
    private static final String ITEMS = "public.items";

    private TopologyTestDriver driver;
    private TestInputTopic<byte[], byte[]> log;
    private KeyRouting routing;
    private long piped;

    private void start(KeyRouting keyRouting) {
        routing = keyRouting;
        Properties props = new Properties();
        props.put(StreamsConfig.APPLICATION_ID_CONFIG, "tandem-router-test");
        props.put(StreamsConfig.BOOTSTRAP_SERVERS_CONFIG, "127.0.0.1:9");
        props.put(StreamsConfig.PROCESSING_GUARANTEE_CONFIG, StreamsConfig.EXACTLY_ONCE_V2);
        // one topic per partition, so the test sees the processor's choice (which the real partitioner applies)
        driver = new TopologyTestDriver(RouterTopology.build(LOG, (key, value, context) -> "keyed." + value.partition(),
                (topic, key, value, count) -> Optional.of(Set.of(0)), PARTITIONS, keyRouting), props);
        log = driver.createInputTopic(LOG, new ByteArraySerializer(), new ByteArraySerializer());
    }

    private void start() {
        start(KeyRouting.of(List.of()));
    }

    @AfterEach
    void close() {
        if (driver != null) {
            driver.close();
        }
    }

    @Test
    void eachChangeGoesToItsKeysPartitionAndEachShareEndsWithACommitCountingIt() {
        start();
        List<ChangeEnvelope> changes = new ArrayList<>();
        for (int i = 1; i <= 20; i++) {
            changes.add(change(100, 10, i, ITEMS, Operation.INSERT, "id", Integer.toString(i)));
        }
        changes.add(change(100, 10, 21, ITEMS, Operation.UPDATE, "id", "1"));
        long commitOffset = transaction(100, 10, changes);

        List<List<Routed>> out = readAll();
        int seen = 0;
        for (int p = 0; p < PARTITIONS; p++) {
            List<Routed> share = out.get(p);
            List<Routed> rows = share.stream().filter(r -> r.envelope.kind() == EnvelopeKind.CHANGE).toList();
            for (Routed row : rows) {
                assertEquals(p, routing.partitionOf(row.envelope, PARTITIONS), "change " + row.envelope.position());
                assertNull(row.logOffset, "only COMMITs carry the ordered-log offset");
            }
            seen += rows.size();
            if (rows.isEmpty()) {
                assertTrue(share.isEmpty(), "a partition without changes of the transaction gets no COMMIT");
                continue;
            }
            Routed commit = share.get(share.size() - 1);
            assertEquals(EnvelopeKind.COMMIT, commit.envelope.kind());
            assertEquals(rows.size(), commit.envelope.eventCount());
            assertEquals(100, commit.envelope.position().txId());
            assertEquals(10, commit.envelope.position().txOrder());
            assertEquals(commitOffset, commit.logOffset);
            assertEquals(rows.size() + 1, share.size());
        }
        assertEquals(21, seen);
        // both changes of key 1 are in one partition, in source order
        int p1 = routing.partitionOf(changes.get(0), PARTITIONS);
        List<Long> orders = out.get(p1).stream().filter(r -> r.envelope.kind() == EnvelopeKind.CHANGE
                && r.envelope.key().get("id").equals("1")).map(r -> r.envelope.position().orderInTx()).toList();
        assertEquals(List.of(1L, 21L), orders);
    }

    @Test
    void interleavedTransactionsAreCountedApart() {
        start();
        pipe(ChangeEnvelope.begin(new SourcePosition(10, 0, 100, 0), 1));
        pipe(ChangeEnvelope.begin(new SourcePosition(11, 0, 101, 0), 1));
        for (int i = 1; i <= 6; i++) {
            pipe(change(100, 10, i, ITEMS, Operation.INSERT, "id", "a" + i));
            pipe(change(101, 11, 2 * i - 1, ITEMS, Operation.INSERT, "id", "b" + i));
            pipe(change(101, 11, 2 * i, ITEMS, Operation.INSERT, "id", "c" + i));
        }
        // the later transaction's COMMIT first: the earlier one, still open, is not taken for a replay
        pipe(ChangeEnvelope.commit(new SourcePosition(11, 0, 101, 0), 1, 12));
        pipe(change(100, 10, 7, ITEMS, Operation.INSERT, "id", "a7"));
        pipe(ChangeEnvelope.commit(new SourcePosition(10, 0, 100, 0), 1, 7));

        long[] changes100 = new long[PARTITIONS];
        long[] changes101 = new long[PARTITIONS];
        long[] commits100 = new long[PARTITIONS];
        long[] commits101 = new long[PARTITIONS];
        List<List<Routed>> out = readAll();
        for (int p = 0; p < PARTITIONS; p++) {
            for (Routed r : out.get(p)) {
                boolean first = r.envelope.position().txId() == 100;
                if (r.envelope.kind() == EnvelopeKind.CHANGE) {
                    (first ? changes100 : changes101)[p]++;
                } else {
                    (first ? commits100 : commits101)[p] += r.envelope.eventCount();
                }
            }
        }
        assertArrayEquals(changes100, commits100);
        assertArrayEquals(changes101, commits101);
        assertEquals(7, java.util.Arrays.stream(commits100).sum());
        assertEquals(12, java.util.Arrays.stream(commits101).sum());
    }

    @Test
    void aMergedTablesRowsTravelTogether() {
        TableSpec spec = new TableSpec("orders_v2", "public.orders", "o", new LinkedHashMap<>(Map.of("id", "o.id")),
                new LinkedHashMap<>(), null, null, false, null, null);
        LinkedHashMap<String, String> lineToOrder = new LinkedHashMap<>(Map.of("order_id", "id"));
        CompiledJoin lines = new CompiledJoin(new JoinSpec("public.order_lines", "l", lineToOrder), List.of(),
                List.of("order_id", "line_no"), lineToOrder);
        CompiledTable orders = new CompiledTable(spec, List.of(), List.of("id"), new LinkedHashMap<>(), new LinkedHashMap<>(),
                null, Map.of(), Map.of(), List.of(lines));
        start(KeyRouting.of(List.of(orders)));

        List<ChangeEnvelope> changes = new ArrayList<>();
        changes.add(change(100, 10, 1, "public.orders", Operation.INSERT, "id", "7"));
        for (int line = 1; line <= 12; line++) {
            changes.add(change(100, 10, line + 1, "public.order_lines", Operation.INSERT, "order_id", "7", "line_no",
                    Integer.toString(line)));
        }
        transaction(100, 10, changes);

        List<List<Routed>> out = readAll();
        int p = routing.partitionOf(changes.get(0), PARTITIONS);
        assertEquals(14, out.get(p).size(), "the order, its 12 lines and one COMMIT in one partition");
        assertEquals(13, out.get(p).get(13).envelope.eventCount());
        for (int other = 0; other < PARTITIONS; other++) {
            if (other != p) {
                assertTrue(out.get(other).isEmpty());
            }
        }
    }

    @Test
    void fencesAndTruncatesGoToEveryPartitionAndAreCounted() {
        start();
        List<ChangeEnvelope> changes = List.of(
                ChangeEnvelope.fence(new SourcePosition(10, 0, 100, 1), 1, ChangeEnvelope.FENCE_PREFIX, "f-1"),
                new ChangeEnvelope(EnvelopeKind.CHANGE, new SourcePosition(10, 0, 100, 2), 1, ITEMS, Operation.TRUNCATE,
                        new LinkedHashMap<>(), null, null, Set.of(), 0),
                change(100, 10, 3, ITEMS, Operation.INSERT, "id", "1"));
        transaction(100, 10, changes);

        int keyed = routing.partitionOf(changes.get(2), PARTITIONS);
        List<List<Routed>> out = readAll();
        for (int p = 0; p < PARTITIONS; p++) {
            List<Routed> share = out.get(p);
            assertEquals("f-1", share.get(0).envelope.fenceId());
            assertEquals(Operation.TRUNCATE, share.get(1).envelope.operation());
            Routed commit = share.get(share.size() - 1);
            assertEquals(EnvelopeKind.COMMIT, commit.envelope.kind());
            assertEquals(p == keyed ? 3 : 2, commit.envelope.eventCount());
        }
    }

    @Test
    void aLargeTransactionIsRoutedAsItArrivesWithStateThatDoesNotGrowWithIt() {
        start();
        int size = 20_000;
        pipe(ChangeEnvelope.begin(new SourcePosition(10, 0, 100, 0), 1));
        for (int i = 1; i <= size; i++) {
            pipe(change(100, 10, i, ITEMS, Operation.INSERT, "id", Integer.toString(i)));
        }
        // before its COMMIT, every change is out already, and the state holds one fixed-size record for it
        List<List<Routed>> before = readAll();
        assertEquals(size, before.stream().mapToInt(List::size).sum());
        assertTrue(before.stream().flatMap(List::stream).allMatch(r -> r.envelope.kind() == EnvelopeKind.CHANGE));
        Map<String, byte[]> state = state();
        assertEquals(Set.of("tx:100"), state.keySet());
        assertEquals(Long.BYTES * (2 + PARTITIONS), state.get("tx:100").length);

        pipe(ChangeEnvelope.commit(new SourcePosition(10, 0, 100, 0), 1, size));
        List<List<Routed>> commits = readAll();
        long counted = 0;
        for (int p = 0; p < PARTITIONS; p++) {
            assertEquals(1, commits.get(p).size());
            long share = before.get(p).size();
            assertEquals(share, commits.get(p).get(0).envelope.eventCount());
            counted += share;
        }
        assertEquals(size, counted);
        assertEquals(Set.of("routed"), state().keySet(), "a routed transaction leaves only the last one routed");
    }

    @Test
    void aFragmentedLargeValueIsJoinedRoutedByItsKeyAndStoredUntilWhole() {
        start();
        LinkedHashMap<String, String> after = new LinkedHashMap<>(Map.of("id", "42", "body", "x".repeat(1_500_000)));
        ChangeEnvelope big = ChangeEnvelope.change(new SourcePosition(10, 0, 100, 2), 1, ITEMS, Operation.INSERT,
                new LinkedHashMap<>(Map.of("id", "42")), null, after, Set.of());
        ChangeEnvelope small = change(100, 10, 1, ITEMS, Operation.INSERT, "id", "1");
        pipe(ChangeEnvelope.begin(new SourcePosition(10, 0, 100, 0), 1));
        pipe(small);
        EnvelopeFragments fragments = EnvelopeFragments.of(EnvelopeCodec.encode(big), big.position());
        assertTrue(fragments.count() >= 3);
        pipeRecord(KafkaChangeWriter.keyOf(big), fragments.record(0));
        pipeRecord(KafkaChangeWriter.keyOf(big), fragments.record(1));
        assertTrue(state().containsKey("fragment:1"), "fragments read are kept in the store until the change is whole");
        assertEquals(1, readAll().stream().mapToInt(List::size).sum(), "nothing of the large change goes out before");
        for (int i = 2; i < fragments.count(); i++) {
            pipeRecord(KafkaChangeWriter.keyOf(big), fragments.record(i));
        }
        pipe(ChangeEnvelope.commit(new SourcePosition(10, 0, 100, 0), 1, 2));

        int p = routing.partitionOf(big, PARTITIONS);
        List<Routed> share = readAll().get(p);
        Routed joined = share.stream().filter(r -> r.envelope.position().orderInTx() == 2).findFirst().orElseThrow();
        assertEquals(after, joined.envelope.after());
        assertEquals(fragments.count(), joined.records, "re-cut into fragments the brokers' default limits accept");
        assertTrue(state().keySet().stream().noneMatch(k -> k.startsWith("fragment:")));
    }

    @Test
    void aFragmentCutOffByACaptureCrashIsDroppedAndTheReplayRoutedOnce() {
        start();
        LinkedHashMap<String, String> after = new LinkedHashMap<>(Map.of("id", "42", "body", "y".repeat(1_200_000)));
        ChangeEnvelope big = ChangeEnvelope.change(new SourcePosition(10, 0, 100, 1), 1, ITEMS, Operation.INSERT,
                new LinkedHashMap<>(Map.of("id", "42")), null, after, Set.of());
        EnvelopeFragments fragments = EnvelopeFragments.of(EnvelopeCodec.encode(big), big.position());
        pipe(ChangeEnvelope.begin(new SourcePosition(10, 0, 100, 0), 1));
        pipeRecord(KafkaChangeWriter.keyOf(big), fragments.record(0));
        // capture crashed here; it writes the transaction again whole
        transaction(100, 10, List.of(big));
        List<Routed> all = readAll().stream().flatMap(List::stream).toList();
        assertEquals(2, all.size());
        assertEquals(after, all.get(0).envelope.after());
        assertEquals(1, all.get(1).envelope.eventCount());
    }

    @Test
    void aReplayedTransactionIsRoutedOnce() {
        start();
        List<ChangeEnvelope> first = List.of(change(100, 10, 1, ITEMS, Operation.INSERT, "id", "1"),
                change(100, 10, 2, ITEMS, Operation.INSERT, "id", "2"));
        transaction(100, 10, first);
        int routedFirst = readAll().stream().mapToInt(List::size).sum();

        // capture restarted: it writes the routed transaction again, then a transaction it had cut off, whole
        transaction(100, 10, first);
        pipe(ChangeEnvelope.begin(new SourcePosition(20, 0, 200, 0), 1));
        List<ChangeEnvelope> second = new ArrayList<>();
        for (int i = 1; i <= 5; i++) {
            second.add(change(200, 20, i, ITEMS, Operation.INSERT, "id", "s" + i));
        }
        second.subList(0, 3).forEach(this::pipe);
        transaction(200, 20, second);

        List<Routed> after = readAll().stream().flatMap(List::stream).toList();
        assertTrue(routedFirst >= 3);
        assertEquals(5, after.stream().filter(r -> r.envelope.kind() == EnvelopeKind.CHANGE).count());
        assertTrue(after.stream().allMatch(r -> r.envelope.position().txId() == 200), "transaction 100 is not repeated");
        assertEquals(5, after.stream().filter(r -> r.envelope.kind() == EnvelopeKind.COMMIT)
                .mapToLong(r -> r.envelope.eventCount()).sum());
    }

    @Test
    void aTransactionMissingChangesStopsTheRouter() {
        start();
        pipe(change(100, 10, 1, ITEMS, Operation.INSERT, "id", "1"));
        StreamsException gap = assertThrows(StreamsException.class,
                () -> pipe(change(100, 10, 3, ITEMS, Operation.INSERT, "id", "3")));
        assertInstanceOf(IncompleteTransactionException.class, gap.getCause());
        assertTrue(gap.getCause().getMessage().contains("after change 1 comes change 3"), gap.getCause().getMessage());
    }

    @Test
    void aCommitCountingMoreThanArrivedStopsTheRouter() {
        start();
        pipe(change(100, 10, 1, ITEMS, Operation.INSERT, "id", "1"));
        StreamsException short1 = assertThrows(StreamsException.class,
                () -> pipe(ChangeEnvelope.commit(new SourcePosition(10, 0, 100, 0), 1, 2)));
        assertInstanceOf(IncompleteTransactionException.class, short1.getCause());
    }

    @Test
    void thePartitionerSendsARecordWhereTheProcessorChose() {
        RoutedRecord.Partitioner partitioner = new RoutedRecord.Partitioner();
        assertEquals(Optional.of(Set.of(3)), partitioner.partitions("t", null, new RoutedRecord(3, new byte[0]), 4));
        assertThrows(IllegalStateException.class, () -> partitioner.partitions("t", null, new RoutedRecord(4, new byte[0]), 4));
    }

    // --- helpers

    private record Routed(ChangeEnvelope envelope, Long logOffset, int records) {
    }

    private static ChangeEnvelope change(long txId, long txOrder, long orderInTx, String table, Operation op,
                                         String... keyValues) {
        LinkedHashMap<String, String> key = new LinkedHashMap<>();
        for (int i = 0; i < keyValues.length; i += 2) {
            key.put(keyValues[i], keyValues[i + 1]);
        }
        LinkedHashMap<String, String> after = new LinkedHashMap<>(key);
        after.put("note", "n" + orderInTx);
        return ChangeEnvelope.change(new SourcePosition(txOrder, 0, txId, orderInTx), 1, table, op, key, null,
                op == Operation.DELETE ? null : after, Set.of());
    }

    /** Pipes BEGIN, the changes and the COMMIT; returns the COMMIT's offset in the ordered log. */
    private long transaction(long txId, long txOrder, List<ChangeEnvelope> changes) {
        pipe(ChangeEnvelope.begin(new SourcePosition(txOrder, 0, txId, 0), 1));
        changes.forEach(this::pipe);
        long offset = piped;
        pipe(ChangeEnvelope.commit(new SourcePosition(txOrder, 0, txId, 0), 1, changes.size()));
        return offset;
    }

    private void pipe(ChangeEnvelope envelope) {
        pipeRecord(KafkaChangeWriter.keyOf(envelope), EnvelopeCodec.encode(envelope));
    }

    private void pipeRecord(byte[] key, byte[] value) {
        piped++;
        log.pipeInput(key, value);
    }

    /** What each partition got since the last read, fragments joined. */
    private List<List<Routed>> readAll() {
        List<List<Routed>> all = new ArrayList<>();
        for (int p = 0; p < PARTITIONS; p++) {
            List<Routed> share = new ArrayList<>();
            FragmentJoiner joiner = new FragmentJoiner();
            int records = 0;
            for (TestRecord<byte[], byte[]> record : driver.createOutputTopic("keyed." + p, new ByteArrayDeserializer(),
                    new ByteArrayDeserializer()).readRecordsToList()) {
                records++;
                FragmentJoiner.Joined joined = joiner.add(records, record.value());
                if (joined == null) {
                    continue;
                }
                assertArrayEquals(KafkaChangeWriter.keyOf(joined.envelope()), record.key());
                Header offset = record.headers().lastHeader(KeyedLog.LOG_OFFSET_HEADER);
                share.add(new Routed(joined.envelope(), offset == null ? null : ByteBuffer.wrap(offset.value()).getLong(),
                        records));
                records = 0;
            }
            all.add(share);
        }
        return all;
    }

    private Map<String, byte[]> state() {
        KeyValueStore<String, byte[]> store = driver.getKeyValueStore(RoutingProcessor.STORE);
        assertNotNull(store);
        Map<String, byte[]> all = new java.util.HashMap<>();
        try (KeyValueIterator<String, byte[]> entries = store.all()) {
            while (entries.hasNext()) {
                KeyValue<String, byte[]> entry = entries.next();
                all.put(entry.key, entry.value);
            }
        }
        return all;
    }

    private static void assertNull(Object value, String message) {
        org.junit.jupiter.api.Assertions.assertNull(value, message);
    }
}
