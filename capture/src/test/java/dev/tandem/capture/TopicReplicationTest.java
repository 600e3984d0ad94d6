package dev.tandem.capture;

import static org.junit.jupiter.api.Assertions.assertEquals;

import org.junit.jupiter.api.Test;

class TopicReplicationTest {

    @Test
    void topicsGetWhatTheClusterCanGiveUpToThreeCopiesWithTwoInSync() {
        assertEquals(new TopicReplication((short) 1, 1, 1), TopicReplication.forBrokers(1));
        assertEquals(new TopicReplication((short) 2, 1, 2), TopicReplication.forBrokers(2));
        assertEquals(new TopicReplication((short) 3, 2, 3), TopicReplication.forBrokers(3));
        assertEquals(new TopicReplication((short) 3, 2, 6), TopicReplication.forBrokers(6));
    }
}
