package dev.tandem.deploy;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;

/**
 * Keeps each technology inside the module that owns it (DESIGN.md): Debezium and Kafka Connect
 * types only in capture's Debezium package, JDBC only where tandem talks to the databases, HTTP
 * only in deploy. Scans the main sources of every module.
 */
class ModuleBoundariesTest {

    /** Import prefix → source path fragments allowed to use it. */
    private static final Map<String, List<String>> ALLOWED = Map.of(
            "io.debezium", List.of("capture/src/main/java/dev/tandem/capture/debezium/"),
            "org.apache.kafka.connect", List.of("capture/src/main/java/dev/tandem/capture/debezium/"),
            "java.sql", List.of("capture/src/main/java/dev/tandem/capture/replication/",
                    "capture/src/main/java/dev/tandem/capture/PgDatabase.java",
                    "sync/src/main/java/", "reconcile/src/main/java/", "embedded/src/main/java/",
                    // in deploy: the lifecycle (its state in the control schema, its readiness checks on the catalogs);
                    // and the demo's and the benchmarks' workloads, which play the application
                    "deploy/src/main/java/dev/tandem/deploy/lifecycle/", "deploy/src/main/java/dev/tandem/deploy/demo/",
                    "deploy/src/main/java/dev/tandem/deploy/bench/"),
            "com.sun.net.httpserver", List.of("deploy/src/main/java/"),
            "java.net.http", List.of("deploy/src/main/java/"));

    @Test
    void technologiesStayInTheirModules() throws IOException {
        Path root = Path.of("..").toAbsolutePath().normalize();
        List<String> violations = new ArrayList<>();
        for (String module : List.of("embedded", "capture", "sync", "reconcile", "deploy")) {
            Path sources = root.resolve(module).resolve("src/main/java");
            try (Stream<Path> files = Files.walk(sources)) {
                files.filter(p -> p.toString().endsWith(".java")).forEach(file -> check(root, file, violations));
            }
        }
        assertEquals(List.of(), violations);
    }

    private static void check(Path root, Path file, List<String> violations) {
        String relative = root.relativize(file).toString().replace('\\', '/');
        List<String> lines;
        try {
            lines = Files.readAllLines(file);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        for (String line : lines) {
            String trimmed = line.trim();
            if (!trimmed.startsWith("import ")) {
                continue;
            }
            String imported = trimmed.replace("import static ", "").replace("import ", "");
            ALLOWED.forEach((prefix, allowed) -> {
                if (imported.startsWith(prefix + ".") && allowed.stream().noneMatch(relative::contains)) {
                    violations.add(relative + " imports " + imported);
                }
            });
        }
    }
}
