package dev.tandem.embedded;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Comparator;
import java.util.stream.Stream;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The one embedded stack that all tests in a JVM share: started on first use under
 * {@code target/tandem-test-stack} of the module being tested, fresh for every JVM, stopped when the JVM exits.
 *
 * <p>Test classes isolate themselves by creating their own databases
 * ({@code SharedTestStack.get().postgres().createDatabase("capture_slot_it")}) and topics, with names unique across
 * the module's test classes.
 */
public final class SharedTestStack {

    private static final Logger log = LoggerFactory.getLogger(SharedTestStack.class);

    /** Relative to the working directory, which Maven sets to the module being tested. */
    static final Path WORK_DIR = Path.of("target", "tandem-test-stack");

    private static EmbeddedStack stack;

    private SharedTestStack() {
    }

    /** The shared stack, started on the first call. */
    public static synchronized EmbeddedStack get() {
        if (stack == null) {
            Path workDir = WORK_DIR.toAbsolutePath();
            clear(workDir);
            EmbeddedStack started = EmbeddedStack.start(workDir);
            Runtime.getRuntime().addShutdownHook(new Thread(started::close, "tandem-test-stack-stop"));
            stack = started;
        }
        return stack;
    }

    /**
     * Deletes what an earlier test JVM left in {@code workDir}, after stopping a PostgreSQL it left running there;
     * refuses when a live JVM still uses the directory.
     */
    private static void clear(Path workDir) {
        if (!Files.exists(workDir)) {
            return;
        }
        try {
            OrphanedPostmaster.stop(workDir.resolve("postgres"), Duration.ofSeconds(30));
            try (Stream<Path> paths = Files.walk(workDir)) {
                for (Path path : paths.sorted(Comparator.reverseOrder()).toList()) {
                    Files.delete(path);
                }
            }
        } catch (IOException e) {
            throw new UncheckedIOException("cannot clear the test stack directory " + workDir + " left by an earlier"
                    + " test run; delete it by hand (`rm -rf " + workDir + "`)", e);
        }
        log.info("Cleared {} left by an earlier test run", workDir);
    }
}
