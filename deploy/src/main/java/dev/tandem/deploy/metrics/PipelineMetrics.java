package dev.tandem.deploy.metrics;

import dev.tandem.sync.apply.ApplyStats;
import dev.tandem.sync.backfill.BackfillProgress.TableProgress;
import dev.tandem.sync.backfill.BackfillProgress;
import dev.tandem.sync.mapping.CompiledTable;
import dev.tandem.sync.pipeline.Pipeline;
import io.micrometer.core.instrument.FunctionCounter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.binder.jvm.JvmGcMetrics;
import io.micrometer.core.instrument.binder.jvm.JvmMemoryMetrics;
import io.micrometer.core.instrument.binder.jvm.JvmThreadMetrics;
import io.micrometer.core.instrument.binder.system.ProcessorMetrics;
import io.micrometer.core.instrument.binder.system.UptimeMetrics;
import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.LongSupplier;
import java.util.function.Supplier;
import java.util.function.ToDoubleFunction;

/**
 * The Prometheus registry of one running migration: what the sync running now counts (forward before a cutover,
 * reverse after it), read when scraped, the WAL each direction's slot retains, plus the JVM's own metrics. Every
 * name is listed in {@code docs/metrics.md}.
 */
public final class PipelineMetrics implements AutoCloseable {

    /** The {@code table} tag of the overall backfill ETA and rate. */
    static final String OVERALL = "all";

    private final PrometheusMeterRegistry registry = new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
    private final JvmGcMetrics gc = new JvmGcMetrics();
    private final ReconcileGauges reconcileGauges = new ReconcileGauges(registry);
    private final Supplier<Pipeline> active;
    private final Set<String> tablesRegistered = ConcurrentHashMap.newKeySet();

    /** The metrics of one pipeline that runs forward only (the demo, tests). */
    public PipelineMetrics(String migration, Pipeline pipeline) {
        this(migration, () -> pipeline, () -> "forward", Map.of("forward", pipeline::slotWalRetainedBytes));
    }

    /**
     * @param active    the pipeline running now (null between two), whose counters the apply meters show
     * @param direction {@code forward}, {@code reverse} or {@code none}: which way {@code active} syncs
     * @param slots     per direction, the WAL its slot retains
     */
    public PipelineMetrics(String migration, Supplier<Pipeline> active, Supplier<String> direction,
                           Map<String, LongSupplier> slots) {
        this.active = active;
        Object running = this; // meters read the active pipeline when scraped, whichever it is by then
        registry.config().commonTags("migration", migration);
        for (String way : List.of("forward", "reverse")) {
            Gauge.builder("tandem_sync_direction", direction, d -> way.equals(d.get()) ? 1 : 0).tag("direction", way)
                    .description("1 for the direction the sync runs in now (forward: legacy → new; reverse: new → legacy)")
                    .strongReference(true).register(registry);
        }
        slots.forEach((way, bytes) -> Gauge.builder("tandem_slot_wal_retained_bytes", bytes, LongSupplier::getAsLong)
                .tag("slot", way).strongReference(true)
                .description("WAL the direction's replication slot holds on its database, running or idle (-1: no slot yet)")
                .register(registry));
        FunctionCounter.builder("tandem_capture_envelopes", running, p -> read(Pipeline::envelopesCaptured))
                .description("Change envelopes (changes and transaction markers) the capture wrote to Kafka since start")
                .register(registry);
        FunctionCounter.builder("tandem_apply_changes", running, stat(ApplyStats::changesApplied))
                .description("Row changes the applier wrote to the new schema since start").register(registry);
        FunctionCounter.builder("tandem_apply_transactions", running, stat(ApplyStats::transactionsApplied))
                .description("Source transactions applied since start").register(registry);
        FunctionCounter.builder("tandem_apply_batches", running, stat(ApplyStats::batches))
                .description("Target transactions (batches) committed since start").register(registry);
        FunctionCounter.builder("tandem_apply_replays_skipped", running, stat(ApplyStats::replaysSkipped))
                .description("Transactions read again after a capture restart and skipped as already applied")
                .register(registry);
        Gauge.builder("tandem_apply_lag_seconds", running, stat(s -> s.lagPercentileMs(50) / 1000.0))
                .tag("quantile", "0.5").description("Source commit → applied delay over recent transactions")
                .register(registry);
        Gauge.builder("tandem_apply_lag_seconds", running, stat(s -> s.lagPercentileMs(99) / 1000.0))
                .tag("quantile", "0.99").description("Source commit → applied delay over recent transactions")
                .register(registry);
        Gauge.builder("tandem_apply_open_transaction_changes", running, stat(ApplyStats::changesInOpenTransaction))
                .description("Changes of a large source transaction written so far into the target transaction its "
                        + "commit will commit (0 when none is open); its total is known only at its commit")
                .register(registry);
        Gauge.builder("tandem_backfill_rows", running, p -> read(Pipeline::rowsBackfilled))
                .description("Rows copied by the backfill so far").register(registry);
        FunctionCounter.builder("tandem_backfill_throttle_pauses", running,
                        p -> read(a -> a.sourceLoad() == null ? 0 : a.sourceLoad().pauses()))
                .description("Pauses of the backfill because the slot's WAL or the source's load was over its threshold")
                .register(registry);
        Gauge.builder("tandem_pipeline_failed", running, p -> read(a -> a.failure() == null ? 0 : 1))
                .description("1 when capture or apply stopped on an error").register(registry);
        new JvmMemoryMetrics().bindTo(registry);
        gc.bindTo(registry);
        new JvmThreadMetrics().bindTo(registry);
        new ProcessorMetrics().bindTo(registry);
        new UptimeMetrics().bindTo(registry); // process_start_time_seconds: restarts show in changes()
    }

    /** The reconciler's metrics, registered here so one scrape shows both. */
    public ReconcileGauges reconcileGauges() {
        return reconcileGauges;
    }

    /** Adds meters from another part of the service (they get the migration tag too). */
    public PipelineMetrics bind(io.micrometer.core.instrument.binder.MeterBinder binder) {
        binder.bindTo(registry);
        return this;
    }

    /** The Prometheus text exposition of every metric. */
    public String scrape() {
        registerBackfillTables();
        registerTables();
        return registry.scrape();
    }

    /** Per-table backfill meters, registered once a table is planned (registering again is a no-op). */
    private void registerBackfillTables() {
        Pipeline pipeline = active.get();
        if (pipeline == null) {
            return;
        }
        BackfillProgress progress = pipeline.backfillProgress();
        List<String> names = new ArrayList<>(progress.tables().stream().map(BackfillProgress.TableProgress::table).toList());
        if (names.isEmpty()) {
            return;
        }
        for (String table : names) {
            FunctionCounter.builder("tandem_backfill_rows_copied", progress, p -> read(p, table, TableProgress::rowsCopied))
                    .tag("table", table).description("Rows the backfill copied into the table, earlier runs included")
                    .register(registry);
            Gauge.builder("tandem_backfill_rows_estimated", progress, p -> read(p, table, TableProgress::rowsEstimated))
                    .tag("table", table).description("Rows the table's backfill is expected to copy")
                    .register(registry);
        }
        names.add(OVERALL);
        for (String table : names) {
            Gauge.builder("tandem_backfill_eta_seconds", progress, p -> read(p, table, t -> t.etaSeconds() == null ? -1
                            : t.etaSeconds()))
                    .tag("table", table).description("Seconds the backfill needs at its current rate (-1 while unknown)")
                    .register(registry);
            Gauge.builder("tandem_backfill_rows_per_second", progress, p -> read(p, table, TableProgress::rowsPerSecond))
                    .tag("table", table).description("Copy rate of this run").register(registry);
        }
    }

    private static double read(BackfillProgress progress, String table, ToDoubleFunction<TableProgress> value) {
        if (OVERALL.equals(table)) {
            return value.applyAsDouble(progress.overall());
        }
        return progress.tables().stream().filter(t -> t.table().equals(table)).findFirst()
                .map(value::applyAsDouble).orElse(0.0);
    }

    /** Per-table meters, once the pipeline compiled its mapping (it knows its tables only after start). */
    private void registerTables() {
        Pipeline pipeline = active.get();
        if (pipeline == null) {
            return;
        }
        for (CompiledTable table : pipeline.tables()) {
            String target = table.target();
            if (tablesRegistered.add(target)) {
                FunctionCounter.builder("tandem_apply_table_changes", this, stat(s -> s.changesApplied(target)))
                        .description("Source row changes from the change log applied to the target table since start")
                        .tag("table", target).register(registry);
            }
        }
    }

    private ToDoubleFunction<Object> stat(ToDoubleFunction<ApplyStats> value) {
        return ignored -> read(p -> p.applyStats() == null ? 0 : value.applyAsDouble(p.applyStats()));
    }

    /** A value of the pipeline running now; 0 between two. */
    private double read(ToDoubleFunction<Pipeline> value) {
        Pipeline pipeline = active.get();
        return pipeline == null ? 0 : value.applyAsDouble(pipeline);
    }

    @Override
    public void close() {
        gc.close();
        registry.close();
    }
}
