package dev.tandem.capture;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import dev.tandem.capture.TopicReplication.Origin;
import org.junit.jupiter.api.Test;

class ReplicationSettingsTest {

    @Test
    void nothingConfiguredIsTheClustersDerivation() {
        for (int brokers = 1; brokers <= 5; brokers++) {
            assertEquals(TopicReplication.forBrokers(brokers), ReplicationSettings.FROM_CLUSTER.resolve(brokers));
        }
    }

    @Test
    void configuredValuesWinAndAreMarkedAsConfigured() {
        assertEquals(new TopicReplication((short) 2, 2, 5, Origin.CONFIG, Origin.CONFIG),
                new ReplicationSettings(2, 2).resolve(5));
        assertEquals(new TopicReplication((short) 1, 1, 3, Origin.CONFIG, Origin.CLUSTER),
                new ReplicationSettings(1, null).resolve(3), "min.insync follows the configured factor");
        assertEquals(new TopicReplication((short) 5, 2, 5, Origin.CONFIG, Origin.CLUSTER),
                new ReplicationSettings(5, null).resolve(5));
        assertEquals(new TopicReplication((short) 3, 1, 3, Origin.CLUSTER, Origin.CONFIG),
                new ReplicationSettings(null, 1).resolve(3));
    }

    @Test
    void impossibleValuesAreRefusedNamingTheKeyAndTheFix() {
        assertEquals("kafka.replication_factor is 0: a topic needs at least one copy; set it to 1 or more, or remove it "
                + "to get what the cluster can give (up to 3)",
                assertThrows(IllegalArgumentException.class, () -> new ReplicationSettings(0, null)).getMessage());
        assertEquals("kafka.min_insync_replicas is 0: a write needs at least one replica; set it to 1 or more, or remove it",
                assertThrows(IllegalArgumentException.class, () -> new ReplicationSettings(null, 0)).getMessage());
        assertEquals("kafka.min_insync_replicas is 3 but kafka.replication_factor is 2: no write could ever be "
                + "acknowledged; set kafka.min_insync_replicas to at most 2",
                assertThrows(IllegalArgumentException.class, () -> new ReplicationSettings(2, 3)).getMessage());
        assertThrows(IllegalArgumentException.class, () -> new ReplicationSettings(Integer.MAX_VALUE, null));
    }

    @Test
    void moreCopiesThanBrokersIsRefusedBeforeAnythingIsCreated() {
        assertEquals("Kafka: replication_factor 3 but the cluster has 1 broker: lower kafka.replication_factor or add brokers",
                assertThrows(IllegalStateException.class, () -> new ReplicationSettings(3, null).resolve(1)).getMessage());
        assertEquals("Kafka: replication_factor 4 but the cluster has 3 brokers: lower kafka.replication_factor or add brokers",
                assertThrows(IllegalStateException.class, () -> new ReplicationSettings(4, 2).resolve(3)).getMessage());
    }

    @Test
    void moreInSyncReplicasThanTheDerivedFactorIsRefused() {
        assertEquals("Kafka: min_insync_replicas 2 but the replication factor derived from the cluster's 1 broker is 1: "
                + "lower kafka.min_insync_replicas, or set kafka.replication_factor and add brokers",
                assertThrows(IllegalStateException.class, () -> new ReplicationSettings(null, 2).resolve(1)).getMessage());
    }
}
