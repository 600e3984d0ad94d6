package dev.tandem.deploy.demo;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import dev.tandem.capture.PgDatabase;
import dev.tandem.deploy.ProgressLine;
import dev.tandem.deploy.StopSignal;
import dev.tandem.deploy.api.ApiServer;
import dev.tandem.deploy.api.ApiTls;
import dev.tandem.deploy.api.ApiToken;
import dev.tandem.deploy.control.PausedTablesMetrics;
import dev.tandem.deploy.lifecycle.PhaseListener;
import dev.tandem.deploy.lifecycle.PhaseStore;
import dev.tandem.deploy.metrics.PipelineMetrics;
import dev.tandem.embedded.EmbeddedStack;
import dev.tandem.reconcile.PassReport;
import dev.tandem.reconcile.ReconcileSettings;
import dev.tandem.reconcile.Reconciler;
import dev.tandem.reconcile.TableReport;
import dev.tandem.sync.apply.ApplyStats;
import dev.tandem.sync.fence.SourceFence;
import dev.tandem.sync.pipeline.Pipeline;
import dev.tandem.sync.pipeline.PipelineConfig;
import java.io.PrintStream;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;

/** One run of the demo, from an empty work directory to the final comparison. */
final class DemoRun {

    /** The demo's options, validated by {@link DemoCommand}. */
    record Settings(long rows, int writeRate, Duration duration, Duration consistencyTimeout, Path workDir, boolean json,
                    Duration progressInterval, Integer apiPort, ApiTls apiTls) {
    }

    private static final String MIGRATION = "shop";

    private final Settings settings;
    private final PrintStream console;
    private StopSignal stop;

    DemoRun(Settings settings) {
        this.settings = settings;
        this.console = settings.json() ? System.err : System.out;
    }

    int execute() throws Exception {
        long started = System.nanoTime();
        try (StopSignal signal = StopSignal.install();
             EmbeddedStack stack = EmbeddedStack.startFresh(settings.workDir())) {
            stop = signal;
            long startupMs = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - started);
            return runOn(stack, startupMs);
        }
    }

    private int runOn(EmbeddedStack stack, long startupMs) throws Exception {
        stack.postgres().createDatabase("legacy");
        stack.postgres().createDatabase("app");
        PgDatabase legacy = new PgDatabase("127.0.0.1", stack.postgres().port(), "legacy", "postgres", "");
        PgDatabase newDb = new PgDatabase("127.0.0.1", stack.postgres().port(), "app", "postgres", "");
        String kafka = stack.kafka().bootstrapServers();
        console.printf("tandem demo: embedded stack up in %d ms%n", startupMs);
        console.printf("  legacy database  %s%n  new database     %s%n  Kafka bootstrap  %s%n",
                stack.postgres().jdbcUrl("legacy"), stack.postgres().jdbcUrl("app"), kafka);

        ShopSchema.create(legacy, newDb);
        ShopSchema.Size size = ShopSchema.Size.of(settings.rows());
        long seedStart = System.nanoTime();
        ShopSchema.seed(legacy, size);
        console.printf("seeded the legacy shop: %d customers, %d loyalty accounts, %d orders, %d order lines in %.1f s%n",
                size.customers(), size.loyalty(), size.orders(), size.lines(), seconds(seedStart));

        ShopWorkload workload = new ShopWorkload(legacy, size, settings.writeRate());
        Thread workloadThread = new Thread(workload, "shop-app");
        workloadThread.start();
        long workloadStart = System.nanoTime();

        Path mappingFile = settings.workDir().resolve("shop-mapping.yaml");
        PipelineConfig config = new PipelineConfig(MIGRATION, legacy, newDb, ShopSchema.mapping(mappingFile), kafka);
        console.printf("mapping: %s (try: ./tandem check --mapping %s --source %s --target %s)%n", mappingFile,
                mappingFile, stack.postgres().jdbcUrl("legacy"), stack.postgres().jdbcUrl("app"));
        try (Pipeline pipeline = new Pipeline(config).reportingTo(new PhaseListener(new PhaseStore(MIGRATION, newDb), "tandem demo"));
             PipelineMetrics metrics = new PipelineMetrics(MIGRATION, pipeline).bind(new PausedTablesMetrics(MIGRATION, newDb));
             ApiServer api = settings.apiPort() == null ? null : new ApiServer(MIGRATION, "127.0.0.1", settings.apiPort(), newDb,
                     ApiToken.load(null, System.getenv("TANDEM_API_TOKEN")), metrics::scrape, null, settings.apiTls())) {
            if (api != null) {
                console.printf("status page at %s, API at %sapi/v1/migrations/%s/status, metrics at %smetrics%n", api.uri(),
                        api.uri(), MIGRATION, api.uri());
            }
            long backfillStart = System.nanoTime();
            ProgressLine progress = new ProgressLine(console, pipeline, size.total(),
                    () -> " | workload " + workload.committed() + " tx");
            progress.startPrinting(settings.progressInterval());
            pipeline.start();
            double backfillSeconds = seconds(backfillStart);
            console.printf("backfill done: %d rows in %.1f s; streaming changes%n", pipeline.rowsBackfilled(), backfillSeconds);

            waitForStop(pipeline);
            workload.stop();
            workloadThread.join();
            double workloadSeconds = seconds(workloadStart);
            console.printf("workload stopped after %d transactions; checking both schemas%n", workload.committed());

            PassReport comparison = awaitConsistent(pipeline, legacy, newDb);
            progress.stop();
            DemoReport report = report(comparison, pipeline, backfillSeconds, startupMs, workload.committed(),
                    workloadSeconds);
            print(report);
            Throwable failure = pipeline.failure() != null ? pipeline.failure() : workload.failure();
            if (failure != null) {
                console.println("the pipeline failed: " + failure.getMessage());
                return 1;
            }
            if (!report.consistent()) {
                console.printf("the schemas did not match within %d s; inspect them at the URLs above%n",
                        settings.consistencyTimeout().toSeconds());
                return 1;
            }
            return 0;
        }
    }

    /** Runs until the duration passes, Ctrl-C, or the pipeline fails. */
    private void waitForStop(Pipeline pipeline) throws InterruptedException {
        long deadline = settings.duration() == null ? Long.MAX_VALUE : System.nanoTime() + settings.duration().toNanos();
        while (System.nanoTime() < deadline && pipeline.failure() == null) {
            if (stop.await(Duration.ofMillis(200))) {
                console.println("stopping (Ctrl-C)");
                return;
            }
        }
    }

    /** Verification passes by the reconciler (fenced through the running sync) until one is consistent or time runs out. */
    private PassReport awaitConsistent(Pipeline pipeline, PgDatabase legacy, PgDatabase newDb) throws Exception {
        Reconciler reconciler = new Reconciler(MIGRATION, legacy, newDb, pipeline.tables(), ReconcileSettings.DEFAULTS,
                new SourceFence(MIGRATION, legacy, newDb));
        long deadline = System.nanoTime() + settings.consistencyTimeout().toNanos();
        while (true) {
            PassReport result = reconciler.verifyPass();
            if (result.consistent() || System.nanoTime() > deadline || pipeline.failure() != null || stop.requested()) {
                return result;
            }
            Thread.sleep(250);
        }
    }

    private static DemoReport report(PassReport comparison, Pipeline pipeline, double backfillSeconds,
                                     long startupMs, long workloadTx, double workloadSeconds) {
        ApplyStats stats = pipeline.applyStats();
        List<DemoReport.TableReport> tables = comparison.tables().stream()
                .map(c -> new DemoReport.TableReport(source(pipeline, c), c.table(), c.rowsCompared(), c.targetRows(), c.consistent()))
                .toList();
        return new DemoReport(
                comparison.consistent(),
                tables.stream().mapToLong(DemoReport.TableReport::rowsLegacy).sum(),
                tables.stream().mapToLong(DemoReport.TableReport::rowsNew).sum(),
                stats == null ? 0 : stats.changesApplied(),
                stats == null ? 0 : stats.lagPercentileMs(50),
                stats == null ? 0 : stats.lagPercentileMs(99),
                pipeline.rowsBackfilled(), round1(backfillSeconds), startupMs, workloadTx, round1(workloadSeconds), tables);
    }

    private static String source(Pipeline pipeline, TableReport report) {
        return pipeline.tables().stream().filter(t -> t.target().equals(report.table()))
                .map(t -> String.join(" + ", t.sources())).findFirst().orElse(report.table());
    }

    private void print(DemoReport report) throws Exception {
        console.println(report.asText());
        if (settings.json()) {
            System.out.println(new ObjectMapper().disable(SerializationFeature.INDENT_OUTPUT).writeValueAsString(report));
        }
    }

    private static double seconds(long sinceNanos) {
        return (System.nanoTime() - sinceNanos) / 1e9;
    }

    private static double round1(double value) {
        return Math.round(value * 10) / 10.0;
    }
}
