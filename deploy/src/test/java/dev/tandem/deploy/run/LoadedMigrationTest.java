package dev.tandem.deploy.run;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Optional;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The config and mapping loading {@code run}, {@code cutover}/{@code rollback} and {@code complete}/{@code cancel} share. */
class LoadedMigrationTest {

    private static final String CONFIG = """
            migration: shop
            source:
              url: jdbc:postgresql://legacy.internal/shop
            target:
              url: jdbc:postgresql://new.internal/shop
            kafka:
              bootstrap: 127.0.0.1:9092
            mapping: mapping.yaml
            """;

    @TempDir
    Path dir;

    private final ByteArrayOutputStream errors = new ByteArrayOutputStream();
    private final PrintStream err = new PrintStream(errors, true, StandardCharsets.UTF_8);

    @Test
    void loadsTheConfigAndTheMappingItNames() throws Exception {
        Files.writeString(dir.resolve("mapping.yaml"), "tables:\n  - target: app.item\n    from: legacy.item i\n    copy_same_named: true\n");
        Optional<LoadedMigration> loaded = LoadedMigration.load(write(CONFIG), err);
        assertTrue(loaded.isPresent(), errors.toString(StandardCharsets.UTF_8));
        assertEquals("shop", loaded.get().config().migration());
        assertEquals(1, loaded.get().mapping().tables().size());
        assertEquals("", errors.toString(StandardCharsets.UTF_8));
    }

    @Test
    void aBadConfigOrMappingIsPrintedAndLoadsNothing() throws Exception {
        assertEquals(Optional.empty(), LoadedMigration.load(dir.resolve("missing.yaml"), err));
        assertTrue(errors.toString(StandardCharsets.UTF_8).contains("missing.yaml: cannot read the config file"), errors.toString());

        errors.reset();
        Files.writeString(dir.resolve("mapping.yaml"), "tables: [ {target: app.item} ]\n");
        assertEquals(Optional.empty(), LoadedMigration.load(write(CONFIG), err), "a mapping without a source");
        assertTrue(errors.toString(StandardCharsets.UTF_8).contains("mapping.yaml"), "the message names the mapping file: " + errors);
        assertEquals(2, LoadedMigration.INVALID, "the documented exit code of an invalid config or mapping");
    }

    private Path write(String text) throws Exception {
        Path file = dir.resolve("migration.yaml");
        Files.writeString(file, text);
        return file;
    }
}
