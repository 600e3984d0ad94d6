package dev.tandem.sync.route;

import java.util.Optional;
import java.util.Set;
import org.apache.kafka.common.serialization.Serializer;
import org.apache.kafka.streams.processor.StreamPartitioner;

/**
 * A record of the keyed change log as the router's processor forwards it: the bytes to write and the partition they
 * belong to (chosen by {@link KeyRouting}, or every partition in turn for a fence), which the sink's partitioner reads.
 */
record RoutedRecord(int partition, byte[] value) {

    /** Writes the record's bytes as they are. */
    static final class ValueSerializer implements Serializer<RoutedRecord> {
        @Override
        public byte[] serialize(String topic, RoutedRecord record) {
            return record == null ? null : record.value();
        }
    }

    /** Sends each record to the partition the processor chose for it. */
    static final class Partitioner implements StreamPartitioner<byte[], RoutedRecord> {
        @Override
        public Optional<Set<Integer>> partitions(String topic, byte[] key, RoutedRecord record, int numPartitions) {
            if (record.partition() >= numPartitions) {
                throw new IllegalStateException("the router chose partition " + record.partition() + " but " + topic
                        + " has " + numPartitions + " partitions; the keyed log's partition count changed under a "
                        + "running migration: restore it or re-run with --rebackfill");
            }
            return Optional.of(Set.of(record.partition()));
        }
    }
}
