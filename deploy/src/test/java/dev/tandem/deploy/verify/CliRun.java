package dev.tandem.deploy.verify;

import dev.tandem.deploy.TandemCli;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;

/** One {@code tandem} command line run in this JVM: its exit code and what it printed on stdout and stderr. */
record CliRun(int code, String out, String err) {

    /** Runs {@code args} with stdout and stderr captured (one at a time: the streams are the JVM's). */
    static synchronized CliRun of(String... args) {
        PrintStream original = System.out;
        PrintStream originalErr = System.err;
        ByteArrayOutputStream captured = new ByteArrayOutputStream();
        ByteArrayOutputStream errors = new ByteArrayOutputStream();
        System.setOut(new PrintStream(captured, true, StandardCharsets.UTF_8));
        System.setErr(new PrintStream(errors, true, StandardCharsets.UTF_8));
        try {
            int code = TandemCli.commandLine().execute(args);
            return new CliRun(code, captured.toString(StandardCharsets.UTF_8), errors.toString(StandardCharsets.UTF_8));
        } finally {
            System.setOut(original);
            System.setErr(originalErr);
        }
    }

    @Override
    public String toString() {
        return "exit " + code + ", stdout: " + out + ", stderr: " + err;
    }
}
