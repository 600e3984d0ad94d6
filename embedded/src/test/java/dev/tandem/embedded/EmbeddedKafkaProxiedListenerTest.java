package dev.tandem.embedded;

import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** A proxied listener needs two different real ports; bad ones are refused before anything starts or is written. */
class EmbeddedKafkaProxiedListenerTest {

    @TempDir
    Path dir;

    @Test
    void refusesMissingOrEqualPortsNamingBoth() {
        for (int[] ports : new int[][] {{0, 40000}, {40000, -1}, {40001, 40001}}) {
            IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                    () -> EmbeddedKafka.startWithProxiedListener(dir.resolve("kafka"), ports[0], ports[1]));
            assertTrue(e.getMessage().contains("port " + ports[0]) && e.getMessage().contains("port " + ports[1]),
                    e.getMessage());
        }
        assertTrue(Files.notExists(dir.resolve("kafka")), "nothing is formatted for a refused broker");
    }
}
