package dev.tandem.embedded;

import java.nio.file.Path;

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
            EmbeddedStack started = EmbeddedStack.startFresh(workDir);
            Runtime.getRuntime().addShutdownHook(new Thread(started::close, "tandem-test-stack-stop"));
            stack = started;
        }
        return stack;
    }
}
