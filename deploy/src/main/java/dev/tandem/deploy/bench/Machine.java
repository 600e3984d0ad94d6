package dev.tandem.deploy.bench;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Optional;

/**
 * The machine a bench ran on, as reported with its results.
 *
 * @param cpus       processors available to the JVM ({@code nproc})
 * @param cpuModel   {@code model name} from {@code /proc/cpuinfo}, or null
 * @param memoryMib  {@code MemTotal} from {@code /proc/meminfo}, or null
 */
record Machine(int cpus, String cpuModel, Long memoryMib, String os, String java, String postgresql) {

    static Machine describe(String postgresVersion) {
        return new Machine(Runtime.getRuntime().availableProcessors(),
                procField("/proc/cpuinfo", "model name").orElse(null),
                procField("/proc/meminfo", "MemTotal").map(v -> Long.parseLong(v.replaceAll("[^0-9]", "")) / 1024)
                        .orElse(null),
                System.getProperty("os.name") + " " + System.getProperty("os.version") + " " + System.getProperty("os.arch"),
                System.getProperty("java.vm.name") + " " + System.getProperty("java.runtime.version"),
                postgresVersion);
    }

    private static Optional<String> procField(String file, String field) {
        Path path = Path.of(file);
        if (!Files.isReadable(path)) {
            return Optional.empty();
        }
        try {
            return Files.readAllLines(path).stream()
                    .filter(l -> l.startsWith(field))
                    .map(l -> l.substring(l.indexOf(':') + 1).trim())
                    .findFirst();
        } catch (IOException e) {
            return Optional.empty(); // descriptive only: a machine without procfs reports null
        }
    }
}
