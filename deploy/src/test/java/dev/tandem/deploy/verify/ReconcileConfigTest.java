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
        Path given = Files.writeString(dir.resolve("b.yaml"), "reconcile:\n  continuous: false\n  pause: 5m\n  parallelism: 4\n"
                + "  chunk_time: 250ms\n  max_hot_rechecks: 4\n  drift_per_chunk: 25\n");
        ReconcileConfig config = ReconcileConfig.load(given);
        assertFalse(config.continuous());
        assertEquals(Duration.ofMinutes(5), config.pause());
        assertEquals(4, config.settings().parallelism());
        assertEquals(Duration.ofMillis(250), config.settings().chunkTime());
        assertEquals(4, config.settings().maxHotRechecks());
        assertEquals(25, config.settings().driftPerChunk());
    }

    @Test
    void badValuesNameTheKeyAndTheFix(@TempDir Path dir) throws Exception {
        Path bad = Files.writeString(dir.resolve("c.yaml"), "reconcile:\n  parallelism: 0\n");
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> ReconcileConfig.load(bad));
        assertTrue(e.getMessage().contains("parallelism must be 1..64, was 0"), e.getMessage());
        Path pause = Files.writeString(dir.resolve("d.yaml"), "reconcile:\n  pause: soon\n");
        assertTrue(assertThrows(IllegalArgumentException.class, () -> ReconcileConfig.load(pause)).getMessage()
                .contains("'reconcile.pause' is 'soon'"));
        Path hot = Files.writeString(dir.resolve("e.yaml"), "reconcile:\n  max_hot_rechecks: many\n");
        assertTrue(assertThrows(IllegalArgumentException.class, () -> ReconcileConfig.load(hot)).getMessage()
                .contains("'reconcile.max_hot_rechecks' is 'many'; write a whole number"));
        Path negative = Files.writeString(dir.resolve("f.yaml"), "reconcile:\n  drift_per_chunk: -1\n");
        assertTrue(assertThrows(IllegalArgumentException.class, () -> ReconcileConfig.load(negative)).getMessage()
                .contains("driftPerChunk cannot be negative, was -1"));
    }

    @Test
    void runningMdDocumentsTheDefaultsInCode() throws Exception {
        String doc = Files.readString(Path.of("..", "docs", "running.md"));
        assertTrue(doc.contains("| `reconcile.continuous` | no | " + ReconcileConfig.DEFAULTS.continuous() + " |"));
        assertTrue(doc.contains("| `reconcile.pause` | no | " + ReconcileConfig.DEFAULTS.pause().toSeconds() + "s |"));
        assertTrue(doc.contains("| `reconcile.parallelism` | no | " + ReconcileConfig.DEFAULTS.parallelism() + " |"));
        assertTrue(doc.contains("| `reconcile.chunk_time` | no | " + ReconcileConfig.DEFAULTS.chunkTime().toMillis() + "ms |"));
        assertTrue(doc.contains("| `reconcile.max_hot_rechecks` | no | " + ReconcileConfig.DEFAULTS.maxHotRechecks() + " |"));
        assertTrue(doc.contains("| `reconcile.drift_per_chunk` | no | " + ReconcileConfig.DEFAULTS.driftPerChunk() + " |"));
    }
}
