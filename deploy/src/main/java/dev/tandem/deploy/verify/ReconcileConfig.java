package dev.tandem.deploy.verify;

import dev.tandem.reconcile.ReconcileSettings;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import org.yaml.snakeyaml.LoaderOptions;
import org.yaml.snakeyaml.Yaml;
import org.yaml.snakeyaml.error.YAMLException;

/**
 * The optional {@code reconcile:} section of a migration config: whether {@code tandem run} verifies continuously,
 * the pause between passes, and the load budget.
 *
 * @param continuous  run passes in the background of {@code tandem run} (default true)
 * @param pause       pause between two passes (default 60s)
 * @param parallelism chunks compared at once (default 2)
 * @param chunkTime   target time per chunk (default 500ms)
 * @param maxHotRechecks rechecks of a row that keeps changing before it is reported as unsettled (default 10)
 * @param driftPerChunk  drifted rows stored per chunk, counts staying exact (default 1000)
 */
public record ReconcileConfig(boolean continuous, Duration pause, int parallelism, Duration chunkTime, int maxHotRechecks,
                              int driftPerChunk) {

    public static final ReconcileConfig DEFAULTS = new ReconcileConfig(true, Duration.ofSeconds(60),
            ReconcileSettings.DEFAULTS.parallelism(), ReconcileSettings.DEFAULTS.chunkTime(),
            ReconcileSettings.DEFAULT_MAX_HOT_RECHECKS, ReconcileSettings.DEFAULT_DRIFT_PER_CHUNK);

    public ReconcileSettings settings() {
        ReconcileSettings d = ReconcileSettings.DEFAULTS;
        return new ReconcileSettings(chunkTime, d.initialChunkRows(), d.maxChunkRows(), parallelism, d.maxRechecks(), d.fenceTimeout(),
                d.leafRows(), d.sampleCap(), d.busySessions(), d.backoff(), maxHotRechecks, driftPerChunk);
    }

    /** Reads the {@code reconcile:} section of {@code file}; defaults for whatever is absent. */
    public static ReconcileConfig load(Path file) {
        Object section;
        try {
            Object root = new Yaml(new LoaderOptions()).load(Files.readString(file));
            section = root instanceof Map<?, ?> map ? map.get("reconcile") : null;
        } catch (IOException | YAMLException e) {
            throw new IllegalArgumentException(file + ": cannot read the reconcile section (" + e.getMessage() + ")", e);
        }
        if (section == null) {
            return DEFAULTS;
        }
        if (!(section instanceof Map<?, ?> map)) {
            throw new IllegalArgumentException(file + ": 'reconcile' must be a map with continuous, pause, parallelism, chunk_time, "
                    + "max_hot_rechecks, drift_per_chunk");
        }
        boolean continuous = map.containsKey("continuous") ? bool(file, map.get("continuous")) : DEFAULTS.continuous();
        Duration pause = map.containsKey("pause") ? duration(file, "reconcile.pause", map.get("pause")) : DEFAULTS.pause();
        Duration chunkTime = map.containsKey("chunk_time") ? duration(file, "reconcile.chunk_time", map.get("chunk_time"))
                : DEFAULTS.chunkTime();
        int parallelism = whole(file, map, "parallelism", DEFAULTS.parallelism(), "from 1 to 64, e.g. 2");
        int maxHotRechecks = whole(file, map, "max_hot_rechecks", DEFAULTS.maxHotRechecks(), "from 0 to 1000, e.g. 10");
        int driftPerChunk = whole(file, map, "drift_per_chunk", DEFAULTS.driftPerChunk(), "from 0 up, e.g. 1000");
        ReconcileConfig config = new ReconcileConfig(continuous, pause, parallelism, chunkTime, maxHotRechecks, driftPerChunk);
        try {
            config.settings();
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException(file + ": " + e.getMessage(), e);
        }
        return config;
    }

    private static int whole(Path file, Map<?, ?> map, String key, int fallback, String range) {
        if (!map.containsKey(key)) {
            return fallback;
        }
        try {
            return Integer.parseInt(map.get(key).toString().trim());
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException(file + ": 'reconcile." + key + "' is '" + map.get(key) + "'; write a whole number "
                    + range, e);
        }
    }

    private static boolean bool(Path file, Object value) {
        if (value instanceof Boolean b) {
            return b;
        }
        throw new IllegalArgumentException(file + ": 'reconcile.continuous' is '" + value + "'; write true or false");
    }

    private static Duration duration(Path file, String key, Object value) {
        try {
            return new dev.tandem.deploy.DurationConverter().convert(value.toString());
        } catch (picocli.CommandLine.TypeConversionException e) {
            throw new IllegalArgumentException(file + ": '" + key + "' is '" + value + "'; write a duration such as 500ms, 30s or 5m", e);
        }
    }
}
