package dev.tandem.deploy.verify;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The {@code reconcile:} config section: defaults, values, bad values named with the fix, and the documented defaults. */
class ReconcileConfigTest {

    @Test
    void defaultsWhenAbsentAndValuesWhenGiven(@TempDir Path dir) throws Exception {
        Path none = Files.writeString(dir.resolve("a.yaml"), "migration: m\n");
        assertEquals(ReconcileConfig.DEFAULTS, ReconcileConfig.load(none));
        Path given = Files.writeString(dir.resolve("b.yaml"), "reconcile:\n  continuous: false\n  pause: 5m\n  parallelism: 4\n  chunk_time: 250ms\n");
        ReconcileConfig config = ReconcileConfig.load(given);
        assertFalse(config.continuous());
        assertEquals(Duration.ofMinutes(5), config.pause());
        assertEquals(4, config.settings().parallelism());
        assertEquals(Duration.ofMillis(250), config.settings().chunkTime());
    }

    @Test
    void badValuesNameTheKeyAndTheFix(@TempDir Path dir) throws Exception {
        Path bad = Files.writeString(dir.resolve("c.yaml"), "reconcile:\n  parallelism: 0\n");
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> ReconcileConfig.load(bad));
        assertTrue(e.getMessage().contains("parallelism must be 1..64, was 0"), e.getMessage());
        Path pause = Files.writeString(dir.resolve("d.yaml"), "reconcile:\n  pause: soon\n");
        assertTrue(assertThrows(IllegalArgumentException.class, () -> ReconcileConfig.load(pause)).getMessage()
                .contains("'reconcile.pause' is 'soon'"));
    }

    @Test
    void runningMdDocumentsTheDefaultsInCode() throws Exception {
        String doc = Files.readString(Path.of("..", "docs", "running.md"));
        assertTrue(doc.contains("| `reconcile.continuous` | no | " + ReconcileConfig.DEFAULTS.continuous() + " |"));
        assertTrue(doc.contains("| `reconcile.pause` | no | " + ReconcileConfig.DEFAULTS.pause().toSeconds() + "s |"));
        assertTrue(doc.contains("| `reconcile.parallelism` | no | " + ReconcileConfig.DEFAULTS.parallelism() + " |"));
        assertTrue(doc.contains("| `reconcile.chunk_time` | no | " + ReconcileConfig.DEFAULTS.chunkTime().toMillis() + "ms |"));
    }
}
