package dev.tandem.deploy.lifecycle;

import dev.tandem.deploy.run.MigrationConfig;
import dev.tandem.sync.mapping.CompiledTable;
import dev.tandem.sync.mapping.MappingCompiler;
import dev.tandem.sync.mapping.MappingSpec;
import dev.tandem.sync.mapping.ReverseMapping;
import java.sql.Connection;
import java.sql.SQLException;
import java.util.List;

/** Builds the two sides of a configured migration, with its forward and (when it has one) reverse mapping compiled. */
public final class SidesSetup {

    private SidesSetup() {
    }

    /** Both mappings compiled against both databases; fails naming the tables without a reverse projection. */
    public static Sides sides(MigrationConfig migration, MappingSpec mapping) throws SQLException {
        return sides(migration, mapping, true);
    }

    /** The forward mapping alone compiled: enough to find the tables, slots and fences of both sides. */
    public static Sides sidesForward(MigrationConfig migration, MappingSpec mapping) throws SQLException {
        return sides(migration, mapping, false);
    }

    private static Sides sides(MigrationConfig migration, MappingSpec mapping, boolean withReverse) throws SQLException {
        try (Connection legacy = migration.source().connect("tandem-switch-setup");
             Connection newDb = migration.target().connect("tandem-switch-setup")) {
            List<CompiledTable> forward = MappingCompiler.compile(mapping, legacy, newDb);
            List<CompiledTable> reverse = withReverse
                    ? MappingCompiler.compile(ReverseMapping.of(mapping), newDb, legacy) : List.of();
            return new Sides(migration.migration(), migration.source(), migration.target(), migration.bootstrapServers(),
                    forward, reverse);
        }
    }
}
