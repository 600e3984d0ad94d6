package dev.tandem.sync;

import dev.tandem.capture.CaptureConfig;
import dev.tandem.capture.PgDatabase;
import dev.tandem.capture.debezium.CaptureEngine;
import java.io.File;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * A capture running in its own JVM, so a test can kill it with SIGKILL at any moment: no offset
 * flush, no clean close, exactly what a crashed tandem process leaves behind.
 */
final class CaptureProcess implements AutoCloseable {

    private final Process process;

    private CaptureProcess(Process process) {
        this.process = process;
    }

    static CaptureProcess start(CaptureConfig config, Path log) throws Exception {
        String java = ProcessHandle.current().info().command().orElse("java");
        PgDatabase db = config.source();
        List<String> command = List.of(java, "-Xmx256m", "-cp", System.getProperty("java.class.path"),
                CaptureProcess.class.getName(), config.migration(), db.host(), Integer.toString(db.port()), db.database(),
                config.bootstrapServers(), Long.toString(config.offsetFlush().toMillis()), String.join(",", config.tables()));
        Process process = new ProcessBuilder(command).redirectErrorStream(true).redirectOutput(log.toFile()).start();
        CaptureProcess capture = new CaptureProcess(process);
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
        while (!Files.readString(log).contains("capture-started")) {
            if (!process.isAlive() || System.nanoTime() > deadline) {
                process.destroyForcibly();
                throw new IllegalStateException("capture process did not start; see " + log);
            }
            Thread.sleep(100);
        }
        return capture;
    }

    /** SIGKILL: the process gets no chance to flush or close anything. */
    void kill() throws InterruptedException {
        process.destroyForcibly();
        process.waitFor(30, TimeUnit.SECONDS);
    }

    @Override
    public void close() throws InterruptedException {
        kill();
    }

    public static void main(String[] args) throws Exception {
        PgDatabase source = new PgDatabase(args[1], Integer.parseInt(args[2]), args[3], "postgres", "");
        CaptureConfig config = new CaptureConfig(args[0], source, Arrays.asList(args[6].split(",")), args[4],
                null, Duration.ofMillis(Long.parseLong(args[5])));
        CaptureEngine engine = new CaptureEngine(config);
        engine.start();
        System.out.println("capture-started");
        while (engine.isRunning()) {
            Thread.sleep(200);
        }
        System.out.println("capture stopped: " + engine.failure());
        System.exit(1);
    }

    static Path logFile(String name) {
        return new File("target", name + ".log").toPath();
    }
}
