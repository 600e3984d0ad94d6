package dev.tandem.sync;

import dev.tandem.capture.PgDatabase;
import dev.tandem.sync.backfill.BackfillSettings;
import dev.tandem.sync.mapping.TableMapping;
import dev.tandem.sync.pipeline.Pipeline;
import dev.tandem.sync.pipeline.PipelineConfig;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/**
 * A whole pipeline (backfill, capture, apply) in its own JVM, so a test can kill it with SIGKILL in
 * the middle of its backfill: nothing is flushed or closed, exactly what a crashed tandem leaves.
 */
final class PipelineProcess implements AutoCloseable {

    private final Process process;

    private PipelineProcess(Process process) {
        this.process = process;
    }

    /** Starts the pipeline of {@link #config} in a child JVM; returns once the JVM runs. */
    static PipelineProcess start(String migration, PgDatabase legacy, PgDatabase app, BackfillSettings backfill, Path log)
            throws Exception {
        String java = ProcessHandle.current().info().command().orElse("java");
        List<String> command = List.of(java, "-Xmx384m", "-cp", System.getProperty("java.class.path"),
                PipelineProcess.class.getName(), migration, legacy.host(), Integer.toString(legacy.port()), legacy.database(),
                app.database(), TestDatabases.stack().kafka().bootstrapServers(), Long.toString(backfill.chunkRows()),
                Long.toString(backfill.rowsPerSecond()));
        Files.createDirectories(log.getParent());
        return new PipelineProcess(new ProcessBuilder(command).redirectErrorStream(true).redirectOutput(log.toFile()).start());
    }

    /** The resume test's pipeline: legacy.account → app.account, offsets flushed every second. */
    static PipelineConfig config(String migration, PgDatabase legacy, PgDatabase app, String bootstrap,
                                 BackfillSettings backfill) {
        return new PipelineConfig(migration, legacy, app,
                List.of(new TableMapping("legacy.account", "app.account", Map.of("id", "account_id"))), bootstrap)
                .withCaptureOffsetFlush(Duration.ofSeconds(1))
                .withBackfill(2, backfill);
    }

    boolean isAlive() {
        return process.isAlive();
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
        PgDatabase legacy = new PgDatabase(args[1], Integer.parseInt(args[2]), args[3], "postgres", "");
        PgDatabase app = new PgDatabase(args[1], Integer.parseInt(args[2]), args[4], "postgres", "");
        BackfillSettings backfill = BackfillSettings.DEFAULTS.withChunkRows(Long.parseLong(args[6]))
                .withRowsPerSecond(Long.parseLong(args[7]));
        try (Pipeline pipeline = new Pipeline(config(args[0], legacy, app, args[5], backfill))) {
            pipeline.start();
            System.out.println("pipeline-streaming");
            while (pipeline.failure() == null) {
                Thread.sleep(200);
            }
            System.out.println("pipeline failed: " + pipeline.failure());
        }
        System.exit(1);
    }
}
