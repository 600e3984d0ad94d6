package dev.tandem.deploy.run;

import dev.tandem.sync.mapping.MappingParser;
import dev.tandem.sync.mapping.MappingSpec;
import java.io.PrintStream;
import java.nio.file.Path;
import java.util.Optional;

/**
 * A migration's config and its parsed mapping, loaded the one way {@code tandem run}, {@code cutover}/{@code rollback}
 * and {@code complete}/{@code cancel} load them.
 */
public record LoadedMigration(MigrationConfig config, MappingSpec mapping) {

    /** The exit code of a command whose config or mapping is invalid. */
    public static final int INVALID = 2;

    /**
     * Loads {@code configFile} and the mapping it names; on a config or mapping error prints the message (which names
     * the file, the key and the fix) to {@code err} and returns empty: the command then exits with {@link #INVALID}.
     */
    public static Optional<LoadedMigration> load(Path configFile, PrintStream err) {
        try {
            MigrationConfig config = ConfigLoader.load(configFile);
            return Optional.of(new LoadedMigration(config, MappingParser.parse(config.mapping())));
        } catch (IllegalArgumentException e) { // ConfigLoader.ConfigException and MappingException
            err.println(e.getMessage());
            return Optional.empty();
        }
    }
}
