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
 */
public record ReconcileConfig(boolean continuous, Duration pause, int parallelism, Duration chunkTime) {

    public static final ReconcileConfig DEFAULTS = new ReconcileConfig(true, Duration.ofSeconds(60),
            ReconcileSettings.DEFAULTS.parallelism(), ReconcileSettings.DEFAULTS.chunkTime());

    public ReconcileSettings settings() {
        ReconcileSettings d = ReconcileSettings.DEFAULTS;
        return new ReconcileSettings(chunkTime, d.initialChunkRows(), d.maxChunkRows(), parallelism, d.maxRechecks(), d.fenceTimeout(),
                d.leafRows(), d.sampleCap(), d.busySessions(), d.backoff());
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
            throw new IllegalArgumentException(file + ": 'reconcile' must be a map with continuous, pause, parallelism, chunk_time");
        }
        boolean continuous = map.containsKey("continuous") ? bool(file, map.get("continuous")) : DEFAULTS.continuous();
        Duration pause = map.containsKey("pause") ? duration(file, "reconcile.pause", map.get("pause")) : DEFAULTS.pause();
        Duration chunkTime = map.containsKey("chunk_time") ? duration(file, "reconcile.chunk_time", map.get("chunk_time"))
                : DEFAULTS.chunkTime();
        int parallelism = DEFAULTS.parallelism();
        if (map.containsKey("parallelism")) {
            try {
                parallelism = Integer.parseInt(map.get("parallelism").toString().trim());
            } catch (NumberFormatException e) {
                throw new IllegalArgumentException(file + ": 'reconcile.parallelism' is '" + map.get("parallelism")
                        + "'; write a whole number from 1 to 64, e.g. 2", e);
            }
        }
        ReconcileConfig config = new ReconcileConfig(continuous, pause, parallelism, chunkTime);
        try {
            config.settings();
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException(file + ": " + e.getMessage(), e);
        }
        return config;
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
