package dev.tandem.deploy.bench;

import dev.tandem.sync.route.Ordering;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/** {@code tandem bench}: measures tandem against PostgreSQL's own tools in the same run and reports medians. */
@Command(name = "bench", mixinStandardHelpOptions = true,
        description = {"Measures bulk sync, steady-state latency and one large transaction against native logical replication, backfill",
                "against a COPY pipe, and tandem's heap, RSS and CPU; each part runs --runs times and reports medians.",
                "Prints a Markdown table (or, with --json, one JSON object) on stdout; progress goes to stderr."},
        exitCodeListHeading = "%nExit codes:%n",
        exitCodeList = {"0:every selected part ran", "1:a part failed (its figures are null in the report)",
                "2:invalid options"})
public final class BenchCommand implements Callable<Integer> {

    @Option(names = "--quick", description = "Tiny sizes and one run: checks that everything runs, measures nothing useful.")
    boolean quick;

    @Option(names = "--runs", description = "Runs of each part; medians are reported (default: "
            + BenchSettings.DEFAULT_RUNS + ", 1 with --quick).")
    Integer runs;

    @Option(names = "--sync-rows", description = "Inserts of the bulk sync part, in 1000-row transactions (default: "
            + BenchSettings.DEFAULT_SYNC_ROWS + ").")
    Long syncRows;

    @Option(names = "--update-rows", description = "Updates of the bulk sync part, after the inserts (default: "
            + BenchSettings.DEFAULT_UPDATE_ROWS + ").")
    Long updateRows;

    @Option(names = "--steady-rate", description = "Single-row transactions per second of the steady part (default: "
            + BenchSettings.DEFAULT_STEADY_RATE + ").")
    Integer steadyRate;

    @Option(names = "--steady-duration", description = "How long the steady part measures (default: 60s).")
    Duration steadyDuration;

    @Option(names = "--steady-warmup", description = "How long the steady part writes before measuring (default: 5s).")
    Duration steadyWarmup;

    @Option(names = "--backfill-rows", split = ",", description = "Table sizes of the backfill part (default: 1000000,10000000).")
    List<Long> backfillRows;

    @Option(names = {"--reconcile-rows", "--rows"}, split = ",", description = "Table sizes of the reconcile part (default: 1000000,10000000).")
    List<Long> reconcileRows;

    @Option(names = "--reconcile-instances", description = "Also measure each reconcile run as one pass shared by this many "
            + "reconcilers (threads of this process, each with its own connections), beside the single reconciler (default: 1, "
            + "not measured).")
    Integer reconcileInstances;

    @Option(names = "--large-tx-rows", description = "Rows of the large-transaction part's table, all changed by one UPDATE "
            + "(default: " + BenchSettings.DEFAULT_LARGE_TX_ROWS + ").")
    Long largeTxRows;

    @Option(names = "--parts", split = ",", description = "Parts to run, among " + BenchSettings.Part.NAMES + " (default: all).")
    List<String> parts;

    @Parameters(arity = "0..*", paramLabel = "PART", description = "Parts to run, as with --parts (`tandem bench reconcile`).")
    List<String> positionalParts;

    @Option(names = "--json", description = "Print one JSON object on stdout instead of the Markdown table (which then goes to stderr).")
    boolean json;

    @Option(names = "--cutover-cycles", description = "Cutover + rollback pairs of the cutover part (default: 20).")
    Integer cutoverCycles;

    @Option(names = "--cutover-rate", description = "Application transactions per second during the cutover part (default: 500).")
    Integer cutoverRate;

    @Option(names = "--cutover-workload", defaultValue = "route", description = "The cutover part's application: route "
            + "(--cutover-rate single-row updates per second) or pgbench (pgbench's TPC-B transaction over four tables, "
            + "as fast as the machine allows, from 4 connections) (default: ${DEFAULT-VALUE}).")
    String cutoverWorkload;

    @Option(names = "--sync-ordering", defaultValue = "transactional", description = "How tandem applies in the sync "
            + "and steady parts: transactional, or per-key (4 partitions, 2 appliers) (default: ${DEFAULT-VALUE}).")
    String syncOrdering;

    @Option(names = "--out", description = "Also write the JSON report to this file.")
    Path out;

    @Option(names = "--work-dir", defaultValue = ".tandem/bench", description = "Where the embedded databases live; emptied at start (default: ${DEFAULT-VALUE}).")
    Path workDir;

    @Override
    public Integer call() throws Exception {
        BenchSettings settings;
        try {
            settings = settings();
        } catch (IllegalArgumentException e) {
            System.err.println(e.getMessage());
            return 2;
        }
        return new BenchRun(settings, json, out).execute();
    }

    private BenchSettings settings() {
        return new BenchSettings(
                orDefault(runs, quick ? BenchSettings.QUICK_RUNS : BenchSettings.DEFAULT_RUNS),
                orDefault(syncRows, quick ? BenchSettings.QUICK_SYNC_ROWS : BenchSettings.DEFAULT_SYNC_ROWS),
                orDefault(updateRows, quick ? BenchSettings.QUICK_UPDATE_ROWS : BenchSettings.DEFAULT_UPDATE_ROWS),
                orDefault(steadyRate, quick ? BenchSettings.QUICK_STEADY_RATE : BenchSettings.DEFAULT_STEADY_RATE),
                orDefault(steadyDuration, quick ? BenchSettings.QUICK_STEADY_DURATION : BenchSettings.DEFAULT_STEADY_DURATION),
                orDefault(steadyWarmup, quick ? BenchSettings.QUICK_STEADY_WARMUP : BenchSettings.DEFAULT_STEADY_WARMUP),
                orDefault(backfillRows, quick ? BenchSettings.QUICK_BACKFILL_ROWS : BenchSettings.DEFAULT_BACKFILL_ROWS),
                orDefault(reconcileRows, quick ? BenchSettings.QUICK_RECONCILE_ROWS : BenchSettings.DEFAULT_RECONCILE_ROWS),
                orDefault(cutoverCycles, quick ? BenchSettings.QUICK_CUTOVER_CYCLES : BenchSettings.DEFAULT_CUTOVER_CYCLES),
                orDefault(cutoverRate, quick ? BenchSettings.QUICK_CUTOVER_RATE : BenchSettings.DEFAULT_CUTOVER_RATE),
                BenchSettings.Part.parse(allParts()), workDir,
                Ordering.parse(syncOrdering, Ordering.DEFAULT_PARTITIONS, Ordering.DEFAULT_WORKERS),
                CutoverBench.Application.parse(cutoverWorkload),
                orDefault(reconcileInstances, BenchSettings.DEFAULT_RECONCILE_INSTANCES),
                orDefault(largeTxRows, quick ? BenchSettings.QUICK_LARGE_TX_ROWS : BenchSettings.DEFAULT_LARGE_TX_ROWS));
    }

    private List<String> allParts() {
        List<String> all = new java.util.ArrayList<>();
        if (parts != null) {
            all.addAll(parts);
        }
        if (positionalParts != null) {
            all.addAll(positionalParts);
        }
        return all;
    }

    private static <T> T orDefault(T value, T fallback) {
        return value != null ? value : fallback;
    }
}
