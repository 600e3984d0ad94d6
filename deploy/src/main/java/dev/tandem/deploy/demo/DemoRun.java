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
import dev.tandem.deploy.lifecycle.Lifecycle;
import dev.tandem.deploy.lifecycle.MigrationPhase.SyncDirection;
import dev.tandem.deploy.lifecycle.PhaseListener;
import dev.tandem.deploy.lifecycle.Sides;
import dev.tandem.deploy.lifecycle.SidesSetup;
import dev.tandem.deploy.lifecycle.SyncSupervisor;
import dev.tandem.deploy.lifecycle.switchover.SwitchSettings;
import dev.tandem.deploy.lifecycle.switchover.Switchover;
import dev.tandem.deploy.metrics.PipelineMetrics;
import dev.tandem.deploy.metrics.WriteBlockMetrics;
import dev.tandem.deploy.run.MigrationConfig;
import dev.tandem.deploy.verify.ReconcileConfig;
import dev.tandem.embedded.EmbeddedStack;
import dev.tandem.reconcile.PassReport;
import dev.tandem.reconcile.ReconcileSettings;
import dev.tandem.reconcile.Reconciler;
import dev.tandem.reconcile.TableReport;
import dev.tandem.sync.apply.ApplyStats;
import dev.tandem.sync.fence.SourceFence;
import dev.tandem.sync.mapping.MappingSpec;
import dev.tandem.sync.mapping.ReverseMapping;
import dev.tandem.sync.pipeline.Pipeline;
import dev.tandem.sync.pipeline.PipelineConfig;
import java.io.PrintStream;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.Supplier;

/** One run of the demo, from an empty work directory through the switch and back to the final comparison. */
final class DemoRun {

    /**
     * The demo's options, validated by {@link DemoCommand}.
     *
     * @param duration with the switch, the workload's whole time (a third before the cutover, a third on the new
     *                 schema, a third after the rollback); without it, how long to stream (null: until Ctrl-C)
     */
    record Settings(long rows, int writeRate, Duration duration, Duration consistencyTimeout, Path workDir, boolean json,
                    Duration progressInterval, Integer apiPort, ApiTls apiTls, boolean switching, Duration writeBlockBudget) {
    }

    private static final String MIGRATION = "shop";
    private static final String ACTOR = "tandem demo";

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
            return runOn(stack, startupMs, new DemoTimeline(started, console));
        }
    }

    private int runOn(EmbeddedStack stack, long startupMs, DemoTimeline timeline) throws Exception {
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
        timeline.add("seed", String.format("legacy shop: %d customers, %d loyalty accounts, %d orders, %d order lines in %.1f s",
                size.customers(), size.loyalty(), size.orders(), size.lines(), seconds(seedStart)));

        Path mappingFile = settings.workDir().resolve("shop-mapping.yaml");
        MappingSpec mapping = ShopSchema.mapping(mappingFile);
        console.printf("mapping: %s (try: ./tandem check --mapping %s --source %s --target %s)%n", mappingFile,
                mappingFile, stack.postgres().jdbcUrl("legacy"), stack.postgres().jdbcUrl("app"));
        MigrationConfig migration = new MigrationConfig(MIGRATION, legacy, newDb, kafka, mappingFile,
                PipelineConfig.DEFAULT_BACKFILL_WORKERS, null, null, null, null);
        Lifecycle lifecycle = new Lifecycle(migration, mapping, ReconcileConfig.DEFAULTS);
        Sides sides = SidesSetup.sides(migration, mapping);
        Pipeline first = lifecycle.forwardPipeline().reportingTo(new PhaseListener(lifecycle.phases(), ACTOR));
        PipelineConfig reverseConfig = new PipelineConfig(Sides.reverseName(MIGRATION), newDb, legacy,
                ReverseMapping.of(mapping), kafka);
        AtomicReference<DemoSync> following = new AtomicReference<>();
        Supplier<Pipeline> active = () -> following.get() == null ? first : following.get().active();
        Supplier<String> direction = () -> following.get() == null ? "forward" : following.get().direction().name().toLowerCase();
        String token = blankToNull(System.getenv("TANDEM_API_TOKEN"));
        try (SyncSupervisor supervisor = new SyncSupervisor(lifecycle.phases(), lifecycle::forwardPipeline,
                     () -> new Pipeline(reverseConfig)).recovering(() -> Switchover.recoverIfOrphaned(sides, ACTOR));
             PipelineMetrics metrics = new PipelineMetrics(MIGRATION, active, direction, lifecycle.slotRetention())
                     .bind(new WriteBlockMetrics(lifecycle.phases())).bind(new PausedTablesMetrics(MIGRATION, newDb));
             ApiServer api = settings.apiPort() == null ? null : new ApiServer(MIGRATION, "127.0.0.1", settings.apiPort(), newDb,
                     ApiToken.load(null, token), metrics::scrape, null, settings.apiTls());
             // the application reads its route flag over plain HTTP on loopback: the user's API, unless that one is HTTPS
             ApiServer routeApi = api != null && settings.apiTls() == null ? null
                     : new ApiServer(MIGRATION, "127.0.0.1", 0, newDb, ApiToken.load(null, token), metrics::scrape)) {
            if (api != null) {
                console.printf("status page at %s, API at %sapi/v1/migrations/%s/status, metrics at %smetrics%n", api.uri(),
                        api.uri(), MIGRATION, api.uri());
            }
            RouteFlag route = new RouteFlag((routeApi != null ? routeApi : api).uri(), MIGRATION, token);
            ShopWorkload workload = new ShopWorkload(legacy, newDb, route, size, settings.writeRate());
            Thread workloadThread = new Thread(workload, "shop-app");
            workloadThread.setDaemon(true); // a failed start must not leave it holding the JVM open
            workloadThread.start();
            long workloadStart = System.nanoTime();

            ProgressLine progress = new ProgressLine(console, active, direction, size.total(),
                    () -> " | workload " + workload.committedOnLegacy() + " tx on legacy, " + workload.committedOnNew() + " on new");
            progress.startPrinting(settings.progressInterval());
            long backfillStart = System.nanoTime();
            try {
                first.start();
            } catch (Exception e) {
                workload.stop();
                progress.stop();
                try {
                    first.close();
                } catch (Exception closing) {
                    e.addSuppressed(closing);
                }
                throw e;
            }
            double backfillSeconds = seconds(backfillStart);
            timeline.add("backfill", String.format("%d rows copied in %.1f s; streaming legacy → new", first.rowsBackfilled(),
                    backfillSeconds));
            try (DemoSync sync = new DemoSync(supervisor, first)) {
                following.set(sync);
                Reconciler forward = new Reconciler(MIGRATION, legacy, newDb, sides.forward(), ReconcileSettings.DEFAULTS,
                        new SourceFence(MIGRATION, legacy, newDb));
                SwitchScript.Result switched = null;
                if (settings.switching()) {
                    Reconciler reverse = new Reconciler(Sides.reverseName(MIGRATION), newDb, legacy, sides.reverse(),
                            ReconcileSettings.DEFAULTS, new SourceFence(Sides.reverseName(MIGRATION), newDb, legacy));
                    Duration third = settings.duration().dividedBy(3);
                    switched = new SwitchScript(lifecycle, sync, forward, reverse,
                            SwitchSettings.DEFAULTS.withBudget(settings.writeBlockBudget()), workload, timeline, stop, third,
                            settings.consistencyTimeout()).run();
                } else {
                    waitForStop(sync);
                }
                workload.stop();
                workloadThread.join();
                double workloadSeconds = seconds(workloadStart);
                timeline.add("stop", "workload stopped after " + workload.committed() + " transactions; comparing both schemas");

                Throwable failure = sync.failure() != null ? sync.failure() : workload.failure();
                // the comparison is fenced through the forward sync: none while the new schema stayed live
                PassReport comparison = sync.direction() == SyncDirection.FORWARD ? awaitConsistent(forward, sync) : null;
                progress.stop();
                timeline.add("compare", comparison == null ? "skipped: the new schema is still live"
                        : comparison.consistent() ? "both schemas hold the same rows" : comparison.driftedRows() + " rows differ");
                DemoReport report = report(comparison, sync.active(), first, backfillSeconds, startupMs, workload.committed(),
                        workloadSeconds, switched, newSide(workload, legacy), timeline);
                print(report);
                return verdict(failure, switched, comparison);
            } finally {
                following.set(null);
            }
        }
    }

    /** The exit code, after saying what went wrong, if anything. */
    private int verdict(Throwable failure, SwitchScript.Result switched, PassReport comparison) {
        if (failure != null) {
            console.println("the pipeline failed: " + failure.getMessage());
            return 1;
        }
        if (switched != null && switched.problem() != null) {
            console.println("the switch did not complete: " + switched.problem());
            return 1;
        }
        if (comparison == null) {
            console.println("the demo ended with the new schema live, so legacy and new were not compared");
            return 1;
        }
        if (!comparison.consistent()) {
            console.printf("the schemas did not match within %d s; inspect them at the URLs above%n",
                    settings.consistencyTimeout().toSeconds());
            return 1;
        }
        return 0;
    }

    /** What the application wrote while the new schema was live, and how much of it legacy holds now. */
    private static DemoReport.NewSide newSide(ShopWorkload workload, PgDatabase legacy) throws SQLException {
        List<Long> orders = workload.ordersOnNew();
        return new DemoReport.NewSide(workload.committedOnNew(), orders.size(), orders.isEmpty() ? 0 : orders.get(0),
                orders.isEmpty() ? 0 : orders.get(orders.size() - 1), countOrders(legacy, orders), workload.refused());
    }

    /** Without the switch: runs until the duration passes, Ctrl-C, or the sync fails. */
    private void waitForStop(DemoSync sync) throws InterruptedException {
        long deadline = settings.duration() == null ? Long.MAX_VALUE : System.nanoTime() + settings.duration().toNanos();
        while (System.nanoTime() < deadline && sync.failure() == null) {
            if (stop.await(Duration.ofMillis(200))) {
                console.println("stopping (Ctrl-C)");
                return;
            }
        }
    }

    /** Verification passes (fenced through the running sync) until one is consistent or time runs out. */
    private PassReport awaitConsistent(Reconciler reconciler, DemoSync sync) throws Exception {
        long deadline = System.nanoTime() + settings.consistencyTimeout().toNanos();
        while (true) {
            PassReport result = reconciler.verifyPass();
            if (result.consistent() || System.nanoTime() > deadline || sync.failure() != null || stop.requested()) {
                return result;
            }
        }
    }

    /** How many of {@code keys} legacy.tbl_order holds. */
    private static long countOrders(PgDatabase legacy, List<Long> keys) throws SQLException {
        try (Connection c = legacy.connect("tandem-demo-report");
             PreparedStatement ps = c.prepareStatement("SELECT count(*) FROM legacy.tbl_order WHERE ord_id = ANY (?)")) {
            ps.setArray(1, c.createArrayOf("bigint", keys.toArray()));
            try (ResultSet rs = ps.executeQuery()) {
                rs.next();
                return rs.getLong(1);
            }
        }
    }

    private static DemoReport report(PassReport comparison, Pipeline active, Pipeline first, double backfillSeconds,
                                     long startupMs, long workloadTx, double workloadSeconds, SwitchScript.Result switched,
                                     DemoReport.NewSide newSide, DemoTimeline timeline) {
        ApplyStats stats = active == null ? null : active.applyStats();
        List<DemoReport.TableReport> tables = comparison == null ? List.of() : comparison.tables().stream()
                .map(c -> new DemoReport.TableReport(source(first, c), c.table(), c.rowsCompared(), c.targetRows(), c.consistent()))
                .toList();
        return new DemoReport(
                comparison != null && comparison.consistent(),
                tables.stream().mapToLong(DemoReport.TableReport::rowsLegacy).sum(),
                tables.stream().mapToLong(DemoReport.TableReport::rowsNew).sum(),
                stats == null ? 0 : stats.changesApplied(),
                stats == null ? 0 : stats.lagPercentileMs(50),
                stats == null ? 0 : stats.lagPercentileMs(99),
                first.rowsBackfilled(), round1(backfillSeconds), startupMs, workloadTx, round1(workloadSeconds), tables,
                switched == null ? null : switched.cutover(), switched == null ? null : switched.rollback(),
                newSide, timeline.moments());
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

    private static String blankToNull(String value) {
        return value == null || value.isBlank() ? null : value.strip();
    }

    private static double seconds(long sinceNanos) {
        return (System.nanoTime() - sinceNanos) / 1e9;
    }

    private static double round1(double value) {
        return Math.round(value * 10) / 10.0;
    }
}
