package dev.tandem.sync.route;

import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.common.serialization.Serdes;
import org.apache.kafka.streams.Topology;
import org.apache.kafka.streams.processor.StreamPartitioner;
import org.apache.kafka.streams.processor.TopicNameExtractor;
import org.apache.kafka.streams.state.Stores;

/**
 * Per-key ordering's router as a Kafka Streams topology: the ordered change log in, one processor
 * ({@link RoutingProcessor}) with an in-memory, changelogged state store, the keyed change log out.
 */
public final class RouterTopology {

    static final String SOURCE = "ordered-log";
    static final String PROCESSOR = "route";
    static final String SINK = "keyed-log";

    private RouterTopology() {
    }

    /** The topology copying {@code logTopic} into the {@code partitions} partitions of {@code keyedTopic}. */
    public static Topology build(String logTopic, String keyedTopic, int partitions, KeyRouting routing) {
        return build(logTopic, (key, value, context) -> keyedTopic, new RoutedRecord.Partitioner(), partitions, routing);
    }

    /** The same with the output topic chosen per record (tests name one topic per partition to see the choice). */
    static Topology build(String logTopic, TopicNameExtractor<byte[], RoutedRecord> keyedTopic,
                          StreamPartitioner<byte[], RoutedRecord> partitioner, int partitions, KeyRouting routing) {
        Topology topology = new Topology();
        topology.addSource(SOURCE, new ByteArrayDeserializer(), new ByteArrayDeserializer(), logTopic);
        topology.addProcessor(PROCESSOR, () -> new RoutingProcessor(logTopic, partitions, routing), SOURCE);
        // in memory: the state is a few small records per open transaction; the changelog restores it elsewhere
        topology.addStateStore(Stores.keyValueStoreBuilder(Stores.inMemoryKeyValueStore(RoutingProcessor.STORE),
                Serdes.String(), Serdes.ByteArray()).withCachingEnabled(), PROCESSOR);
        topology.addSink(SINK, keyedTopic, new ByteArraySerializer(), new RoutedRecord.ValueSerializer(),
                partitioner, PROCESSOR);
        return topology;
    }
}
