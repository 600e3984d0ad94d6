package dev.tandem.deploy.lifecycle;

import dev.tandem.capture.CaptureConfig;
import dev.tandem.capture.PgDatabase;
import dev.tandem.sync.mapping.CompiledTable;
import java.util.List;

/**
 * The two sides of one migration and the compiled mappings between them: forward (legacy → new) and
 * reverse (new → legacy, which runs after a cutover under the name {@code <migration>_reverse}).
 */
public record Sides(String migration, PgDatabase legacy, PgDatabase newDb, String bootstrapServers,
                    List<CompiledTable> forward, List<CompiledTable> reverse) {

    public Sides {
        forward = List.copyOf(forward);
        reverse = List.copyOf(reverse);
    }

    public static String reverseName(String migration) {
        return migration + "_reverse";
    }

    public String reverseMigration() {
        return reverseName(migration);
    }

    public List<String> legacyTables() {
        return forward.stream().flatMap(t -> t.sources().stream()).distinct().toList();
    }

    public List<String> newTables() {
        return forward.stream().map(CompiledTable::target).distinct().toList();
    }

    /** The forward capture's slot and publication on the legacy database. */
    public CaptureConfig forwardCapture() {
        return new CaptureConfig(migration, legacy, legacyTables(), bootstrapServers);
    }

    /** The reverse capture's slot and publication on the new database. */
    public CaptureConfig reverseCapture() {
        return new CaptureConfig(reverseMigration(), newDb, newTables(), bootstrapServers);
    }
}
