package dev.tandem.capture;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.tandem.capture.TopicReplication.Origin;
import java.util.List;
import org.junit.jupiter.api.Test;

class TopicReplicationTest {

    @Test
    void topicsGetWhatTheClusterCanGiveUpToThreeCopiesWithTwoInSync() {
        assertEquals(new TopicReplication((short) 1, 1, 1, Origin.CLUSTER, Origin.CLUSTER), TopicReplication.forBrokers(1));
        assertEquals(new TopicReplication((short) 2, 1, 2, Origin.CLUSTER, Origin.CLUSTER), TopicReplication.forBrokers(2));
        assertEquals(new TopicReplication((short) 3, 2, 3, Origin.CLUSTER, Origin.CLUSTER), TopicReplication.forBrokers(3));
        assertEquals(new TopicReplication((short) 3, 2, 6, Origin.CLUSTER, Origin.CLUSTER), TopicReplication.forBrokers(6));
    }

    @Test
    void theDerivedReplicationWarnsAboutNothing() {
        for (int brokers = 1; brokers <= 6; brokers++) {
            assertEquals(List.of(), TopicReplication.forBrokers(brokers).warnings(), brokers + " brokers");
        }
    }

    @Test
    void asManyInSyncAsCopiesWarnsThatOneBrokerDownStopsWrites() {
        List<String> warnings = new ReplicationSettings(3, 3).resolve(5).warnings();
        assertEquals(1, warnings.size(), warnings.toString());
        assertTrue(warnings.get(0).contains("one broker down stops every write")
                && warnings.get(0).contains("kafka.min_insync_replicas to 2"), warnings.get(0));
    }

    @Test
    void fewerThanThreeCopiesOnAClusterOfThreeWarns() {
        List<String> warnings = new ReplicationSettings(2, 1).resolve(3).warnings();
        assertEquals(1, warnings.size(), warnings.toString());
        assertTrue(warnings.get(0).contains("replication factor 2 on a cluster of 3 brokers")
                && warnings.get(0).contains("kafka.replication_factor to 3"), warnings.get(0));
        assertEquals(List.of(), new ReplicationSettings(2, 1).resolve(2).warnings(), "two brokers cannot give three");
    }

    @Test
    void reportsWhereEachValueCameFrom() {
        assertEquals("replication factor 1 (kafka.replication_factor), min.insync.replicas 1 (derived from the factor)",
                new ReplicationSettings(1, null).resolve(1).toString());
        assertEquals("replication factor 3 (from the cluster's 4 brokers), min.insync.replicas 3 (kafka.min_insync_replicas)",
                new ReplicationSettings(null, 3).resolve(4).toString());
    }
}
