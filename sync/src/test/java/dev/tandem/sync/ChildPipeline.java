package dev.tandem.sync;

import dev.tandem.capture.PgDatabase;
import dev.tandem.sync.mapping.TableMapping;
import dev.tandem.sync.pipeline.Pipeline;
import dev.tandem.sync.pipeline.PipelineConfig;
import dev.tandem.sync.route.Ordering;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/**
 * A pipeline syncing one table to a table of the same name, in a child JVM with a heap of the test's choosing: what
 * a size test needs to show that memory does not grow with a value's or a transaction's size. It exits on running out
 * of memory (some threads would otherwise die and leave it hanging), so a test sees that at once.
 */
final class ChildPipeline implements AutoCloseable {

    private final Process process;

    private ChildPipeline(Process process) {
        this.process = process;
    }

    /**
     * @param heap     the child's {@code -Xmx}, e.g. {@code 512m}
     * @param ordering {@code transactional} or {@code per-key}
     */
    static ChildPipeline start(String migration, PgDatabase legacy, PgDatabase app, String table, String ordering,
                               String heap, Path log) throws Exception {
        return start(migration, legacy, app, table, ordering, heap, List.of(), log);
    }

    /** As {@link #start(String, PgDatabase, PgDatabase, String, String, String, Path)}, with more JVM options. */
    static ChildPipeline start(String migration, PgDatabase legacy, PgDatabase app, String table, String ordering,
                               String heap, List<String> jvmOptions, Path log) throws Exception {
        String java = ProcessHandle.current().info().command().orElse("java");
        List<String> command = new ArrayList<>(List.of(java, "-Xmx" + heap, "-XX:+ExitOnOutOfMemoryError"));
        command.addAll(jvmOptions);
        command.addAll(List.of("-cp", System.getProperty("java.class.path"),
                ChildPipeline.class.getName(), migration, legacy.host(), Integer.toString(legacy.port()),
                legacy.database(), app.database(), TestDatabases.stack().kafka().bootstrapServers(), table, ordering));
        Files.createDirectories(log.toAbsolutePath().getParent());
        return new ChildPipeline(new ProcessBuilder(command).redirectErrorStream(true).redirectOutput(log.toFile()).start());
    }

    long pid() {
        return process.pid();
    }

    boolean isAlive() {
        return process.isAlive();
    }

    /** SIGKILL: the pipeline gets no chance to flush, roll back or close anything. */
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
        PipelineConfig config = new PipelineConfig(args[0], legacy, app, List.of(new TableMapping(args[6], args[6], Map.of())),
                args[5]);
        if (args[7].equals("per-key")) {
            config = config.withOrdering(Ordering.perKey(4, 2));
        }
        try (Pipeline pipeline = new Pipeline(config)) {
            pipeline.start();
            while (pipeline.failure() == null) {
                Thread.sleep(200);
            }
            System.out.println("pipeline failed: " + pipeline.failure());
            pipeline.failure().printStackTrace(System.out);
        }
        System.exit(1);
    }
}
