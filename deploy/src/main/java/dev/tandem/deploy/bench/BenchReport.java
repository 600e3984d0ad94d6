package dev.tandem.deploy.bench;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.tandem.deploy.lifecycle.switchover.SwitchReport;
import java.time.Instant;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * The results of one {@code tandem bench}: medians and every run, as JSON ({@link #json()}) and as a
 * Markdown table ({@link #markdown()}). A part that did not run, or is not built yet, reports null.
 */
final class BenchReport {

    private static final ObjectMapper JSON = new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT);

    private final BenchSettings settings;
    private final Machine machine;
    private final Instant startedAt;
    private List<SyncBench.Run> sync;
    private List<SteadyBench.Run> steady;
    private List<BackfillBench.Size> backfill;
    private List<ReconcileBench.Size> reconcile;
    private CutoverBench.Result cutover;
    private List<LargeTransactionBench.Run> largeTx;
    private ResourceMeter.Figures resources;
    private final ObjectNode errors = JSON.createObjectNode();

    BenchReport(BenchSettings settings, Machine machine, Instant startedAt) {
        this.settings = settings;
        this.machine = machine;
        this.startedAt = startedAt;
    }

    void sync(List<SyncBench.Run> runs) {
        this.sync = runs;
    }

    void steady(List<SteadyBench.Run> runs) {
        this.steady = runs;
    }

    void backfill(List<BackfillBench.Size> sizes) {
        this.backfill = sizes;
    }

    void cutover(CutoverBench.Result result) {
        this.cutover = result;
    }

    void reconcile(List<ReconcileBench.Size> sizes) {
        this.reconcile = sizes;
    }

    void largeTx(List<LargeTransactionBench.Run> runs) {
        this.largeTx = runs;
    }

    void resources(ResourceMeter.Figures figures) {
        this.resources = figures;
    }

    /** Records why a part produced no figures. */
    void failed(BenchSettings.Part part, Throwable cause) {
        errors.put(part.label(), cause.getClass().getSimpleName() + ": " + cause.getMessage());
    }

    String json() throws Exception {
        ObjectNode root = JSON.createObjectNode();
        root.put("started_at", startedAt.toString());
        root.set("machine", machineNode());
        root.set("settings", settingsNode());
        root.set("sync", syncNode());
        root.set("steady", steadyNode());
        root.set("backfill", backfillNode());
        root.set("reconcile", reconcileNode());
        root.set("cutover", cutoverNode());
        root.set("large_tx", largeTxNode());
        root.set("resources", resourcesNode());
        root.set("errors", errors);
        return JSON.writeValueAsString(root);
    }

    private ObjectNode machineNode() {
        ObjectNode m = JSON.createObjectNode();
        m.put("cpus", machine.cpus());
        m.put("cpu_model", machine.cpuModel());
        m.put("memory_mib", machine.memoryMib());
        m.put("os", machine.os());
        m.put("java", machine.java());
        m.put("postgresql", machine.postgresql());
        return m;
    }

    private ObjectNode settingsNode() {
        ObjectNode s = JSON.createObjectNode();
        s.put("runs", settings.runs());
        s.put("sync_rows", settings.syncRows());
        s.put("sync_ordering", settings.syncOrdering().perKey() ? "per-key" : "transactional");
        s.put("update_rows", settings.updateRows());
        s.put("transaction_rows", BenchSettings.TRANSACTION_ROWS);
        s.put("steady_rate", settings.steadyRate());
        s.put("steady_duration_s", settings.steadyDuration().toMillis() / 1000.0);
        s.put("steady_warmup_s", settings.steadyWarmup().toMillis() / 1000.0);
        ArrayNode sizes = s.putArray("backfill_rows");
        settings.backfillRows().forEach(sizes::add);
        s.put("large_tx_rows", settings.largeTxRows());
        ArrayNode parts = s.putArray("parts");
        settings.parts().stream().sorted().forEach(p -> parts.add(p.label()));
        return s;
    }

    private ObjectNode syncNode() {
        ObjectNode n = JSON.createObjectNode();
        n.put("rows", settings.syncRows() + settings.updateRows());
        if (sync == null || sync.isEmpty()) {
            n.putNull("tandem_rows_per_s");
            n.putNull("native_rows_per_s");
            n.putNull("ratio");
            return n;
        }
        n.put("tandem_rows_per_s", Math.round(Stats.median(sync, r -> r.tandem().rowsPerSecond())));
        n.put("native_rows_per_s", Math.round(Stats.median(sync, r -> r.nativeReplication().rowsPerSecond())));
        n.put("ratio", round(Stats.median(sync, SyncBench.Run::ratio), 3));
        if (sync.stream().allMatch(r -> r.tandem().captureSeconds() != null && r.tandem().captureSeconds() > 0)) {
            n.put("tandem_capture_envelopes_per_s", Math.round(Stats.median(sync,
                    r -> r.tandem().envelopes() / r.tandem().captureSeconds())));
        }
        n.put("writer_rows_per_s", Math.round(Stats.median(sync,
                r -> (settings.syncRows() + settings.updateRows()) / r.tandem().writerSeconds())));
        ArrayNode runs = n.putArray("runs");
        for (SyncBench.Run r : sync) {
            ObjectNode run = runs.addObject();
            run.put("tandem_rows_per_s", Math.round(r.tandem().rowsPerSecond()));
            run.put("native_rows_per_s", Math.round(r.nativeReplication().rowsPerSecond()));
            run.put("ratio", round(r.ratio(), 3));
            run.put("tandem_s", round(r.tandem().seconds(), 2));
            run.put("native_s", round(r.nativeReplication().seconds(), 2));
            run.put("tandem_writer_s", round(r.tandem().writerSeconds(), 2));
            run.put("native_writer_s", round(r.nativeReplication().writerSeconds(), 2));
            run.put("tandem_capture_done_s", round(r.tandem().captureSeconds(), 2));
            run.put("tandem_envelopes", r.tandem().envelopes());
            run.put("tandem_cpu_s", round(r.tandem().cpuSeconds(), 2));
        }
        return n;
    }

    private ObjectNode steadyNode() {
        ObjectNode n = JSON.createObjectNode();
        n.put("rate", settings.steadyRate());
        if (steady == null || steady.isEmpty()) {
            for (String key : List.of("p50_ms", "p95_ms", "p99_ms", "native_p50_ms", "native_p95_ms", "native_p99_ms")) {
                n.putNull(key);
            }
            return n;
        }
        n.put("p50_ms", round(Stats.median(steady, r -> r.tandem().p50Ms()), 1));
        n.put("p95_ms", round(Stats.median(steady, r -> r.tandem().p95Ms()), 1));
        n.put("p99_ms", round(Stats.median(steady, r -> r.tandem().p99Ms()), 1));
        n.put("native_p50_ms", round(Stats.median(steady, r -> r.nativeReplication().p50Ms()), 1));
        n.put("native_p95_ms", round(Stats.median(steady, r -> r.nativeReplication().p95Ms()), 1));
        n.put("native_p99_ms", round(Stats.median(steady, r -> r.nativeReplication().p99Ms()), 1));
        n.put("achieved_rate", round(Stats.median(steady, r -> r.tandem().achievedRate()), 1));
        ArrayNode runs = n.putArray("runs");
        for (SteadyBench.Run r : steady) {
            ObjectNode run = runs.addObject();
            side(run.putObject("tandem"), r.tandem());
            side(run.putObject("native"), r.nativeReplication());
        }
        return n;
    }

    private static void side(ObjectNode n, SteadyBench.Side s) {
        n.put("p50_ms", round(s.p50Ms(), 1));
        n.put("p95_ms", round(s.p95Ms(), 1));
        n.put("p99_ms", round(s.p99Ms(), 1));
        n.put("max_ms", round(s.maxMs(), 1));
        n.put("rows", s.rows());
        n.put("achieved_rate", round(s.achievedRate(), 1));
    }

    /** {@code ratio} is the median ratio at the largest size; every size is listed under {@code sizes}. */
    private ObjectNode backfillNode() {
        ObjectNode n = JSON.createObjectNode();
        if (backfill == null || backfill.isEmpty()) {
            n.putNull("ratio");
            n.putNull("tandem_rows_per_s");
            n.putNull("copy_rows_per_s");
            return n;
        }
        BackfillBench.Size largest = backfill.get(backfill.size() - 1);
        n.put("ratio", round(Stats.median(largest.runs(), BackfillBench.Run::ratio), 3));
        n.put("tandem_rows_per_s", Math.round(Stats.median(largest.runs(), BackfillBench.Run::tandemRowsPerSecond)));
        n.put("copy_rows_per_s", Math.round(Stats.median(largest.runs(), BackfillBench.Run::copyRowsPerSecond)));
        ArrayNode sizes = n.putArray("sizes");
        for (BackfillBench.Size size : backfill) {
            ObjectNode s = sizes.addObject();
            s.put("rows", size.rows());
            s.put("tandem_rows_per_s", Math.round(Stats.median(size.runs(), BackfillBench.Run::tandemRowsPerSecond)));
            s.put("copy_rows_per_s", Math.round(Stats.median(size.runs(), BackfillBench.Run::copyRowsPerSecond)));
            s.put("ratio", round(Stats.median(size.runs(), BackfillBench.Run::ratio), 3));
            ArrayNode runs = s.putArray("runs");
            for (BackfillBench.Run r : size.runs()) {
                ObjectNode run = runs.addObject();
                run.put("tandem_rows_per_s", Math.round(r.tandemRowsPerSecond()));
                run.put("copy_rows_per_s", Math.round(r.copyRowsPerSecond()));
                run.put("ratio", round(r.ratio(), 3));
            }
        }
        return n;
    }

    /** {@code ratio} is the median ratio at the largest size; every size is listed under {@code sizes}. */
    private ObjectNode cutoverNode() {
        ObjectNode node = JSON.createObjectNode();
        if (cutover == null) {
            node.putNull("write_block_median_ms");
            node.putNull("write_block_max_ms");
            node.putNull("rollback_write_block_median_ms");
            node.putNull("rollback_write_block_max_ms");
            return node;
        }
        Map<String, Object> in = CutoverBench.summary(cutover.cutovers());
        Map<String, Object> back = CutoverBench.summary(cutover.rollbacks());
        node.put("write_block_median_ms", (Long) in.get("median_ms"));
        node.put("write_block_max_ms", (Long) in.get("max_ms"));
        node.put("rollback_write_block_median_ms", (Long) back.get("median_ms"));
        node.put("rollback_write_block_max_ms", (Long) back.get("max_ms"));
        node.put("cutovers_switched", (Integer) in.get("switched"));
        node.put("cutovers_aborted", (Long) in.get("aborted"));
        node.put("rollbacks_switched", (Integer) back.get("switched"));
        node.put("rollbacks_aborted", (Long) back.get("aborted"));
        node.set("cutover_phases", JSON.valueToTree(CutoverBench.phases(cutover.cutovers())));
        node.set("rollback_phases", JSON.valueToTree(CutoverBench.phases(cutover.rollbacks())));
        node.put("application_tx_per_s", Math.round(cutover.achievedTxPerSecond()));
        node.put("application_writes_refused", cutover.refusedWrites());
        ArrayNode blocks = node.putArray("switches");
        for (List<SwitchReport> reports : List.of(cutover.cutovers(), cutover.rollbacks())) {
            for (SwitchReport report : reports) {
                ObjectNode one = blocks.addObject();
                one.put("operation", report.operation().label());
                one.put("outcome", report.outcome().label());
                one.put("write_block_ms", report.blockMillis());
                report.phaseMillis().forEach(one::put);
            }
        }
        return node;
    }

    /**
     * Medians of the large-transaction runs: commit→visible seconds and rows/s of both sides, their ratio, and
     * tandem's peak heap while it carried the transaction (with the heap's maximum, the launcher's {@code -Xmx}).
     */
    private ObjectNode largeTxNode() {
        ObjectNode n = JSON.createObjectNode();
        n.put("rows", settings.largeTxRows());
        if (largeTx == null || largeTx.isEmpty()) {
            for (String key : List.of("tandem_rows_per_s", "native_rows_per_s", "ratio", "tandem_commit_to_visible_s",
                    "native_commit_to_visible_s", "tandem_peak_heap_mib", "heap_max_mib")) {
                n.putNull(key);
            }
            return n;
        }
        n.put("tandem_rows_per_s", Math.round(Stats.median(largeTx, LargeTransactionBench.Run::tandemRowsPerSecond)));
        n.put("native_rows_per_s", Math.round(Stats.median(largeTx, LargeTransactionBench.Run::nativeRowsPerSecond)));
        n.put("ratio", round(Stats.median(largeTx, LargeTransactionBench.Run::ratio), 3));
        n.put("tandem_commit_to_visible_s", round(Stats.median(largeTx, r -> r.tandem().seconds()), 2));
        n.put("native_commit_to_visible_s", round(Stats.median(largeTx, r -> r.nativeReplication().seconds()), 2));
        n.put("tandem_statement_s", round(Stats.median(largeTx, r -> r.tandem().statementSeconds()), 2));
        n.put("native_statement_s", round(Stats.median(largeTx, r -> r.nativeReplication().statementSeconds()), 2));
        n.put("tandem_peak_heap_mib", round(Stats.median(largeTx, r -> r.tandem().heap().peakHeapMib()), 1));
        putNullable(n, "tandem_peak_heap_after_gc_mib", largeTx.stream().allMatch(r -> r.tandem().heap().peakHeapAfterGcMib() != null)
                ? round(Stats.median(largeTx, r -> r.tandem().heap().peakHeapAfterGcMib()), 1) : null);
        n.put("heap_max_mib", round(largeTx.get(0).tandem().heap().heapMaxMib(), 1));
        ArrayNode runs = n.putArray("runs");
        for (LargeTransactionBench.Run r : largeTx) {
            ObjectNode run = runs.addObject();
            run.put("tandem_rows_per_s", Math.round(r.tandemRowsPerSecond()));
            run.put("native_rows_per_s", Math.round(r.nativeRowsPerSecond()));
            run.put("ratio", round(r.ratio(), 3));
            run.put("tandem_commit_to_visible_s", round(r.tandem().seconds(), 2));
            run.put("native_commit_to_visible_s", round(r.nativeReplication().seconds(), 2));
            run.put("tandem_statement_s", round(r.tandem().statementSeconds(), 2));
            run.put("native_statement_s", round(r.nativeReplication().statementSeconds(), 2));
            run.put("tandem_peak_heap_mib", round(r.tandem().heap().peakHeapMib(), 1));
            putNullable(run, "tandem_peak_heap_after_gc_mib", round(r.tandem().heap().peakHeapAfterGcMib(), 1));
        }
        return n;
    }

    private static void putNullable(ObjectNode n, String key, Double value) {
        if (value == null) {
            n.putNull(key);
        } else {
            n.put(key, value);
        }
    }

    private ObjectNode reconcileNode() {
        ObjectNode n = JSON.createObjectNode();
        if (reconcile == null || reconcile.isEmpty()) {
            n.putNull("ratio");
            n.putNull("tandem_rows_per_s");
            n.putNull("baseline_rows_per_s");
            return n;
        }
        ReconcileBench.Size largest = reconcile.get(reconcile.size() - 1);
        n.put("ratio", round(Stats.median(largest.runs(), ReconcileBench.Run::ratio), 3));
        n.put("tandem_rows_per_s", Math.round(Stats.median(largest.runs(), ReconcileBench.Run::tandemRowsPerSecond)));
        n.put("baseline_rows_per_s", Math.round(Stats.median(largest.runs(), ReconcileBench.Run::scanRowsPerSecond)));
        n.put("baseline", "SELECT count(*), sum(hashtextextended(t::text, 0)) over the source table");
        ArrayNode sizes = n.putArray("sizes");
        for (ReconcileBench.Size size : reconcile) {
            ObjectNode s = sizes.addObject();
            s.put("rows", size.rows());
            s.put("tandem_rows_per_s", Math.round(Stats.median(size.runs(), ReconcileBench.Run::tandemRowsPerSecond)));
            s.put("baseline_rows_per_s", Math.round(Stats.median(size.runs(), ReconcileBench.Run::scanRowsPerSecond)));
            s.put("ratio", round(Stats.median(size.runs(), ReconcileBench.Run::ratio), 3));
            List<ReconcileBench.Run> shared = size.runs().stream().filter(r -> r.shared() != null).toList();
            if (!shared.isEmpty()) {
                s.put("shared_instances", shared.get(0).shared().chunksPerInstance().size());
                s.put("shared_rows_per_s", Math.round(Stats.median(shared, r -> r.shared().rowsPerSecond())));
                s.put("shared_speedup", round(Stats.median(shared, r -> r.shared().rowsPerSecond() / r.tandemRowsPerSecond()), 3));
            }
            ArrayNode runs = s.putArray("runs");
            for (ReconcileBench.Run r : size.runs()) {
                ObjectNode run = runs.addObject();
                run.put("tandem_rows_per_s", Math.round(r.tandemRowsPerSecond()));
                run.put("baseline_rows_per_s", Math.round(r.scanRowsPerSecond()));
                run.put("chunks", r.chunks());
                run.put("ratio", round(r.ratio(), 3));
                if (r.shared() != null) {
                    run.put("shared_rows_per_s", Math.round(r.shared().rowsPerSecond()));
                    ArrayNode perInstance = run.putArray("shared_chunks_per_instance");
                    r.shared().chunksPerInstance().forEach(perInstance::add);
                }
            }
        }
        return n;
    }

    private ObjectNode resourcesNode() {
        ObjectNode n = JSON.createObjectNode();
        if (resources == null) {
            for (String key : List.of("peak_heap_mib", "peak_heap_after_gc_mib", "heap_max_mib", "peak_rss_mib",
                    "cpu_s_per_million_events")) {
                n.putNull(key);
            }
            return n;
        }
        n.put("peak_heap_mib", round(resources.peakHeapMib(), 1));
        n.put("peak_heap_after_gc_mib", round(resources.peakHeapAfterGcMib(), 1));
        n.put("heap_max_mib", round(resources.heapMaxMib(), 1));
        if (resources.peakRssMib() == null) {
            n.putNull("peak_rss_mib");
        } else {
            n.put("peak_rss_mib", round(resources.peakRssMib(), 1));
        }
        Double cpu = cpuPerMillionEvents();
        if (cpu == null) {
            n.putNull("cpu_s_per_million_events");
        } else {
            n.put("cpu_s_per_million_events", round(cpu, 2));
        }
        return n;
    }

    /** JVM CPU seconds of tandem's bulk sync runs per million row changes (median); null without the sync part. */
    private Double cpuPerMillionEvents() {
        if (sync == null || sync.isEmpty()) {
            return null;
        }
        double events = settings.syncRows() + settings.updateRows();
        return Stats.median(sync, r -> r.tandem().cpuSeconds() / (events / 1e6));
    }

    String markdown() {
        StringBuilder md = new StringBuilder();
        md.append(String.format(Locale.ROOT, "Medians of %d run(s); %d CPUs, %s MiB RAM, %s, PostgreSQL %s.%n%n",
                settings.runs(), machine.cpus(), machine.memoryMib(), machine.java(), machine.postgresql()));
        md.append("| figure | tandem | baseline | ratio | target |\n");
        md.append("|---|---:|---:|---:|---|\n");
        if (sync != null && !sync.isEmpty()) {
            row(md, String.format(Locale.ROOT, "bulk sync, %d inserts + %d updates, rows/s", settings.syncRows(),
                            settings.updateRows()),
                    number(Stats.median(sync, r -> r.tandem().rowsPerSecond())),
                    number(Stats.median(sync, r -> r.nativeReplication().rowsPerSecond())) + " (native)",
                    ratio(Stats.median(sync, SyncBench.Run::ratio)), "≥ 0.5×");
        } else {
            row(md, "bulk sync, rows/s", notRun(BenchSettings.Part.SYNC), "", "", "≥ 0.5×");
        }
        if (steady != null && !steady.isEmpty()) {
            row(md, String.format(Locale.ROOT, "steady %d tx/s, commit→visible p50 / p95 / p99 ms", settings.steadyRate()),
                    ms(steady, true), ms(steady, false) + " (native)", "", "p99 ≤ 500 ms");
        } else {
            row(md, "steady, commit→visible p99 ms", notRun(BenchSettings.Part.STEADY), "", "", "p99 ≤ 500 ms");
        }
        if (backfill != null && !backfill.isEmpty()) {
            for (BackfillBench.Size size : backfill) {
                row(md, String.format(Locale.ROOT, "backfill %d rows, rows/s", size.rows()),
                        number(Stats.median(size.runs(), BackfillBench.Run::tandemRowsPerSecond)),
                        number(Stats.median(size.runs(), BackfillBench.Run::copyRowsPerSecond)) + " (COPY pipe)",
                        ratio(Stats.median(size.runs(), BackfillBench.Run::ratio)), "≥ 0.5×");
            }
        } else {
            row(md, "backfill, rows/s", notRun(BenchSettings.Part.BACKFILL), "", "", "≥ 0.5×");
        }
        if (reconcile != null && !reconcile.isEmpty()) {
            for (ReconcileBench.Size size : reconcile) {
                row(md, String.format(Locale.ROOT, "reconcile %d rows, rows verified/s", size.rows()),
                        number(Stats.median(size.runs(), ReconcileBench.Run::tandemRowsPerSecond)),
                        number(Stats.median(size.runs(), ReconcileBench.Run::scanRowsPerSecond)) + " (hash scan)",
                        ratio(Stats.median(size.runs(), ReconcileBench.Run::ratio)), "≥ 0.5×");
                List<ReconcileBench.Run> shared = size.runs().stream().filter(r -> r.shared() != null).toList();
                if (!shared.isEmpty()) {
                    row(md, String.format(Locale.ROOT, "reconcile %d rows, one pass shared by %d instances, rows verified/s", size.rows(),
                                    shared.get(0).shared().chunksPerInstance().size()),
                            number(Stats.median(shared, r -> r.shared().rowsPerSecond())),
                            number(Stats.median(shared, ReconcileBench.Run::tandemRowsPerSecond)) + " (one instance)",
                            ratio(Stats.median(shared, r -> r.shared().rowsPerSecond() / r.tandemRowsPerSecond())),
                            "≈ N× on N machines");
                }
            }
        } else {
            row(md, "reconcile, rows verified/s", notRun(BenchSettings.Part.RECONCILE), "", "", "≥ 0.5×");
        }
        if (cutover != null) {
            Map<String, Object> in = CutoverBench.summary(cutover.cutovers());
            Map<String, Object> back = CutoverBench.summary(cutover.rollbacks());
            row(md, String.format(Locale.ROOT, "cutover / rollback write block, application at %.0f tx/s, median / max ms",
                    cutover.achievedTxPerSecond()),
                    in.get("median_ms") + " / " + in.get("max_ms") + " ; " + back.get("median_ms") + " / " + back.get("max_ms"),
                    "", in.get("aborted") + " + " + back.get("aborted") + " aborted", "median ≤ 300, max ≤ 1000");
        } else {
            row(md, "cutover / rollback write block, median / max ms", notRun(BenchSettings.Part.CUTOVER), "", "", "median ≤ 300, max ≤ 1000");
        }
        if (largeTx != null && !largeTx.isEmpty()) {
            row(md, String.format(Locale.ROOT, "one transaction updating %d rows, commit→visible rows/s (s)", settings.largeTxRows()),
                    String.format(Locale.ROOT, "%s (%.1f s)", number(Stats.median(largeTx, LargeTransactionBench.Run::tandemRowsPerSecond)),
                            Stats.median(largeTx, r -> r.tandem().seconds())),
                    String.format(Locale.ROOT, "%s (%.1f s) (native)", number(Stats.median(largeTx, LargeTransactionBench.Run::nativeRowsPerSecond)),
                            Stats.median(largeTx, r -> r.nativeReplication().seconds())),
                    ratio(Stats.median(largeTx, LargeTransactionBench.Run::ratio)), "≥ 0.5×");
            row(md, "tandem's peak heap in use during that transaction, MiB", String.format(Locale.ROOT, "%.0f (max %.0f)",
                    Stats.median(largeTx, r -> r.tandem().heap().peakHeapMib()), largeTx.get(0).tandem().heap().heapMaxMib()),
                    "", "", "≤ 512 MiB");
        } else {
            row(md, "one large transaction, commit→visible rows/s", notRun(BenchSettings.Part.LARGE_TX), "", "", "≥ 0.5×");
        }
        if (resources != null) {
            row(md, "peak heap in use / after GC, MiB", String.format(Locale.ROOT, "%.0f / %.0f (max %.0f)",
                    resources.peakHeapMib(), resources.peakHeapAfterGcMib(), resources.heapMaxMib()), "", "", "≤ 512 MiB");
            row(md, "peak RSS, MiB", resources.peakRssMib() == null ? "n/a"
                    : String.format(Locale.ROOT, "%.0f", resources.peakRssMib()), "", "", "");
            Double cpu = cpuPerMillionEvents();
            row(md, "CPU s per million events", cpu == null ? "null (needs the sync part)"
                    : String.format(Locale.ROOT, "%.1f", cpu), "", "", "");
        } else {
            row(md, "resources", notRun(BenchSettings.Part.RESOURCES), "", "", "≤ 512 MiB heap");
        }
        return md.toString();
    }

    private String notRun(BenchSettings.Part part) {
        return errors.has(part.label()) ? "failed: " + errors.get(part.label()).asText() : "not run";
    }

    private static String ms(List<SteadyBench.Run> runs, boolean tandem) {
        return String.format(Locale.ROOT, "%.1f / %.1f / %.1f",
                Stats.median(runs, r -> (tandem ? r.tandem() : r.nativeReplication()).p50Ms()),
                Stats.median(runs, r -> (tandem ? r.tandem() : r.nativeReplication()).p95Ms()),
                Stats.median(runs, r -> (tandem ? r.tandem() : r.nativeReplication()).p99Ms()));
    }

    private static void row(StringBuilder md, String... cells) {
        md.append("| ").append(String.join(" | ", cells)).append(" |\n");
    }

    private static String number(double value) {
        return String.format(Locale.ROOT, "%,d", Math.round(value));
    }

    private static String ratio(double value) {
        return String.format(Locale.ROOT, "%.2f×", value);
    }

    private static double round(double value, int decimals) {
        double scale = Math.pow(10, decimals);
        return Math.round(value * scale) / scale;
    }

    private static Double round(Double value, int decimals) {
        return value == null ? null : round(value.doubleValue(), decimals);
    }
}
