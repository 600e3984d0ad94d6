package dev.tandem.deploy.run;

import dev.tandem.capture.PgDatabase;
import dev.tandem.capture.ReplicationSettings;
import dev.tandem.sync.backfill.BackfillSettings;
import dev.tandem.sync.pipeline.PipelineConfig;
import dev.tandem.sync.route.Ordering;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.function.UnaryOperator;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.yaml.snakeyaml.LoaderOptions;
import org.yaml.snakeyaml.Yaml;
import org.yaml.snakeyaml.error.YAMLException;

/**
 * Reads a migration config file. {@code ${NAME}} is replaced by the environment variable NAME
 * (an error when unset) and {@code ${NAME:-default}} falls back to the default, so secrets stay
 * out of the file. Every error names the key and the fix, never a secret's value.
 */
public final class ConfigLoader {

    private static final Pattern SIZE = Pattern.compile("(\\d+)\\s*(kB|KB|kb|MB|mb|GB|gb)?");
    private static final Pattern VARIABLE = Pattern.compile("\\$\\{([A-Za-z_][A-Za-z0-9_]*)(?::-([^}]*))?}");

    private ConfigLoader() {
    }

    public static MigrationConfig load(Path file) {
        return load(file, System::getenv);
    }

    /**
     * Where the broker of {@code kafka: embedded} (data in {@code .tandem/kafka} beside the config) or
     * {@code kafka: {embedded: DIR}} listens unless {@code kafka.bootstrap} says otherwise.
     */
    public static final String EMBEDDED_BOOTSTRAP = "127.0.0.1:9092";

    /** Loads {@code file}, resolving variables through {@code environment} (tests pass their own). */
    public static MigrationConfig load(Path file, UnaryOperator<String> environment) {
        String text;
        try {
            text = Files.readString(file);
        } catch (IOException e) {
            throw new ConfigException(file + ": cannot read the config file (" + e.getMessage() + "); check the path");
        }
        Map<String, Object> root;
        try {
            Object parsed = new Yaml(new LoaderOptions()).load(text);
            if (!(parsed instanceof Map<?, ?> map)) {
                throw new ConfigException(file + ": expected keys migration, source, target, kafka and mapping");
            }
            @SuppressWarnings("unchecked")
            Map<String, Object> typed = (Map<String, Object>) map;
            root = typed;
        } catch (YAMLException e) {
            throw new ConfigException(file + ": not valid YAML: " + e.getMessage().lines().findFirst().orElse(""));
        }
        Reader reader = new Reader(file, root, environment);
        String migration = reader.string("migration", null);
        Path mapping = file.toAbsolutePath().getParent().resolve(reader.string("mapping", null)).normalize();
        int workers = (int) reader.number("backfill.workers", PipelineConfig.DEFAULT_BACKFILL_WORKERS);
        BackfillSettings backfill;
        try {
            backfill = new BackfillSettings(
                    reader.number("backfill.chunkRows", BackfillSettings.DEFAULT_CHUNK_ROWS),
                    reader.number("backfill.rowsPerSecond", BackfillSettings.DEFAULT_ROWS_PER_SECOND),
                    reader.bytes("backfill.maxRetainedWal", BackfillSettings.DEFAULT_MAX_RETAINED_WAL_BYTES),
                    (int) reader.number("backfill.maxActiveBackends", BackfillSettings.DEFAULT_MAX_ACTIVE_BACKENDS));
        } catch (IllegalArgumentException e) {
            throw new ConfigException(file + ": " + e.getMessage());
        }
        Path embeddedKafka = null;
        String bootstrap;
        boolean embedded = "embedded".equals(reader.lookup("kafka")) || reader.present("kafka.embedded");
        if (!embedded) {
            bootstrap = reader.string("kafka.bootstrap", null);
        } else {
            String dir = reader.present("kafka.embedded") ? reader.string("kafka.embedded", null) : ".tandem/kafka";
            embeddedKafka = file.toAbsolutePath().getParent().resolve(dir).normalize();
            bootstrap = reader.string("kafka.bootstrap", EMBEDDED_BOOTSTRAP);
            if (!bootstrap.trim().matches("127\\.0\\.0\\.1:\\d{1,5}")) {
                throw new ConfigException(file + ": kafka.bootstrap '" + bootstrap + "' cannot be the address of an embedded "
                        + "broker: use 127.0.0.1:PORT (default " + EMBEDDED_BOOTSTRAP + "), or remove kafka.embedded to use "
                        + "an external cluster");
            }
        }
        return new MigrationConfig(migration, reader.database("source"), reader.database("target"),
                bootstrap, mapping, workers, backfill, ordering(file, reader), embeddedKafka, replication(file, reader));
    }

    /** {@code kafka.replication_factor} and {@code kafka.min_insync_replicas}: each optional, checked together. */
    private static ReplicationSettings replication(Path file, Reader reader) {
        Integer factor = reader.present(ReplicationSettings.FACTOR_KEY)
                ? clamped(reader.number(ReplicationSettings.FACTOR_KEY, 3)) : null;
        Integer minInsync = reader.present(ReplicationSettings.MIN_INSYNC_KEY)
                ? clamped(reader.number(ReplicationSettings.MIN_INSYNC_KEY, 2)) : null;
        try {
            return new ReplicationSettings(factor, minInsync);
        } catch (IllegalArgumentException e) {
            throw new ConfigException(file + ": " + e.getMessage());
        }
    }

    /** A number past the int range stays past it (and is refused as too large) instead of wrapping around. */
    private static int clamped(long value) {
        return (int) Math.max(Integer.MIN_VALUE, Math.min(Integer.MAX_VALUE, value));
    }

    private static Ordering ordering(Path file, Reader reader) {
        String mode = reader.string("sync.ordering", "transactional");
        boolean sized = reader.present("sync.partitions") || reader.present("sync.workers");
        if (sized && mode.trim().equalsIgnoreCase("transactional")) {
            throw new ConfigException(file + ": sync.partitions and sync.workers apply to per-key ordering only; "
                    + "set sync.ordering: per-key or remove them");
        }
        try {
            return Ordering.parse(mode, (int) reader.number("sync.partitions", Ordering.DEFAULT_PARTITIONS),
                    (int) reader.number("sync.workers", Ordering.DEFAULT_WORKERS));
        } catch (IllegalArgumentException e) {
            throw new ConfigException(file + ": " + e.getMessage());
        }
    }

    /** Looks keys up by dotted path and substitutes variables. */
    private record Reader(Path file, Map<String, Object> root, UnaryOperator<String> environment) {

        PgDatabase database(String key) {
            String url = string(key + ".url", null);
            String password = string(key + ".password", "");
            try {
                return PgDatabase.fromUrl(url, password);
            } catch (IllegalArgumentException e) {
                throw new ConfigException(file + ": " + key + ".url: " + e.getMessage());
            }
        }

        long number(String path, long fallback) {
            String text = string(path, Long.toString(fallback)).trim();
            try {
                return Long.parseLong(text);
            } catch (NumberFormatException e) {
                throw new ConfigException(file + ": '" + path + "' is '" + text + "'; write a whole number, e.g. " + fallback);
            }
        }

        /** A size in bytes, written as a number with an optional kB, MB or GB suffix (powers of 1024). */
        long bytes(String path, long fallback) {
            String text = string(path, Long.toString(fallback)).trim();
            Matcher m = SIZE.matcher(text);
            if (!m.matches()) {
                throw new ConfigException(file + ": '" + path + "' is '" + text + "'; write a size such as 512MB or 1GB");
            }
            long unit = switch (m.group(2) == null ? "" : m.group(2).toUpperCase()) {
                case "KB" -> 1L << 10;
                case "MB" -> 1L << 20;
                case "GB" -> 1L << 30;
                default -> 1;
            };
            return Long.parseLong(m.group(1)) * unit;
        }

        boolean present(String path) {
            return lookup(path) != null;
        }

        private Object lookup(String path) {
            Object value = root;
            for (String part : path.split("\\.")) {
                value = value instanceof Map<?, ?> map ? map.get(part) : null;
            }
            return value;
        }

        String string(String path, String fallback) {
            Object value = lookup(path);
            if (value == null) {
                if (fallback == null) {
                    throw new ConfigException(file + ": '" + path + "' is missing; add it (see docs/running.md)");
                }
                return fallback;
            }
            return substitute(path, value.toString());
        }

        private String substitute(String path, String value) {
            Matcher m = VARIABLE.matcher(value);
            StringBuilder sb = new StringBuilder();
            while (m.find()) {
                String resolved = environment.apply(m.group(1));
                if (resolved == null) {
                    if (m.group(2) == null) {
                        throw new ConfigException(file + ": '" + path + "' uses ${" + m.group(1) + "}, which is not set; "
                                + "export " + m.group(1) + " or write ${" + m.group(1) + ":-default}");
                    }
                    resolved = m.group(2);
                }
                m.appendReplacement(sb, Matcher.quoteReplacement(resolved));
            }
            m.appendTail(sb);
            return sb.toString();
        }
    }

    /** A config file that cannot be used; the message names the key and the fix. */
    public static final class ConfigException extends IllegalArgumentException {
        public ConfigException(String message) {
            super(message);
        }
    }
}
