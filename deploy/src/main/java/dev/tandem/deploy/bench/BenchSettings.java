package dev.tandem.deploy.bench;

import dev.tandem.sync.route.Ordering;
import java.nio.file.Path;
import java.time.Duration;
import java.util.EnumSet;
import java.util.List;
import java.util.Locale;
import java.util.Set;

/**
 * What one {@code tandem bench} measures and how big: validated once, before anything starts.
 *
 * @param runs           how often each part runs; medians are reported
 * @param syncRows       inserts of the bulk sync part, in {@link #TRANSACTION_ROWS}-row transactions
 * @param updateRows     updates of the bulk sync part after the inserts (at most {@code syncRows})
 * @param steadyRate     single-row transactions per second of the steady part
 * @param steadyDuration how long the steady part measures, after {@code steadyWarmup}
 * @param steadyWarmup   how long the steady part writes before it starts measuring
 * @param backfillRows   table sizes of the backfill part
 * @param reconcileRows  table sizes of the reconcile part
 * @param cutoverCycles  cutover + rollback pairs of the cutover part
 * @param cutoverRate    transactions per second the application writes during the cutover part
 * @param parts          the parts to run
 * @param syncOrdering   how tandem orders what it applies in the sync and steady parts
 * @param cutoverApplication which application writes during the cutover part
 * @param reconcileInstances reconcilers sharing one pass in the reconcile part's shared measurement (1: not measured)
 * @param largeTxRows    rows the large-transaction part's one {@code UPDATE} changes
 */
record BenchSettings(int runs, long syncRows, long updateRows, int steadyRate, Duration steadyDuration,
                     Duration steadyWarmup, List<Long> backfillRows, List<Long> reconcileRows, int cutoverCycles, int cutoverRate, Set<Part> parts,
                     Path workDir, Ordering syncOrdering, CutoverBench.Application cutoverApplication, int reconcileInstances,
                     long largeTxRows) {

    /** Rows per source transaction in the bulk sync part, as the issue specifies. */
    static final int TRANSACTION_ROWS = 1000;

    static final int DEFAULT_RUNS = 3;
    static final long DEFAULT_SYNC_ROWS = 1_000_000;
    static final long DEFAULT_UPDATE_ROWS = 200_000;
    static final int DEFAULT_STEADY_RATE = 1000;
    static final Duration DEFAULT_STEADY_DURATION = Duration.ofSeconds(60);
    static final Duration DEFAULT_STEADY_WARMUP = Duration.ofSeconds(5);
    static final List<Long> DEFAULT_BACKFILL_ROWS = List.of(1_000_000L, 10_000_000L);
    static final List<Long> DEFAULT_RECONCILE_ROWS = List.of(1_000_000L, 10_000_000L);
    static final int DEFAULT_CUTOVER_CYCLES = 20;
    static final int DEFAULT_CUTOVER_RATE = 500;
    static final int DEFAULT_RECONCILE_INSTANCES = 1;
    static final long DEFAULT_LARGE_TX_ROWS = 3_000_000;

    /** {@code --quick}: small enough for a test that checks the report's shape, not its numbers. */
    static final int QUICK_RUNS = 1;
    static final long QUICK_SYNC_ROWS = 5_000;
    static final long QUICK_UPDATE_ROWS = 1_000;
    static final int QUICK_STEADY_RATE = 100;
    static final Duration QUICK_STEADY_DURATION = Duration.ofSeconds(4);
    static final Duration QUICK_STEADY_WARMUP = Duration.ofSeconds(1);
    static final List<Long> QUICK_BACKFILL_ROWS = List.of(20_000L);
    static final List<Long> QUICK_RECONCILE_ROWS = List.of(20_000L);
    static final int QUICK_CUTOVER_CYCLES = 1;
    static final int QUICK_CUTOVER_RATE = 50;
    static final long QUICK_LARGE_TX_ROWS = 10_000;

    /** The measured parts. */
    enum Part {
        SYNC, STEADY, BACKFILL, RECONCILE, CUTOVER, LARGE_TX, RESOURCES;

        /** The names {@code --parts} accepts, in order. */
        static final String NAMES = "sync, steady, backfill, reconcile, cutover, large-tx, resources";

        static Set<Part> parse(List<String> names) {
            if (names == null || names.isEmpty()) {
                return EnumSet.allOf(Part.class);
            }
            Set<Part> parts = EnumSet.noneOf(Part.class);
            for (String name : names) {
                try {
                    parts.add(Part.valueOf(name.trim().toUpperCase(Locale.ROOT).replace('-', '_')));
                } catch (IllegalArgumentException e) {
                    throw new IllegalArgumentException("--parts: unknown part '" + name
                            + "'; choose from " + NAMES, e);
                }
            }
            return parts;
        }

        /** The name on the command line and in the report's errors: {@code large-tx}. */
        String label() {
            return name().toLowerCase(Locale.ROOT).replace('_', '-');
        }
    }

    BenchSettings {
        if (cutoverCycles < 1 || cutoverRate < 1) {
            throw new IllegalArgumentException("--cutover-cycles " + cutoverCycles + " and --cutover-rate " + cutoverRate
                    + " must be at least 1 (defaults " + DEFAULT_CUTOVER_CYCLES + " and " + DEFAULT_CUTOVER_RATE + ")");
        }
        if (runs < 1) {
            throw new IllegalArgumentException("--runs is " + runs + "; use at least 1 (default " + DEFAULT_RUNS + ")");
        }
        if (syncRows < TRANSACTION_ROWS) {
            throw new IllegalArgumentException("--sync-rows is " + syncRows + "; use at least " + TRANSACTION_ROWS
                    + " (one source transaction)");
        }
        if (updateRows < 0 || updateRows > syncRows) {
            throw new IllegalArgumentException("--update-rows is " + updateRows + "; use 0.." + syncRows
                    + " (each update touches a different inserted row)");
        }
        if (steadyRate < 1) {
            throw new IllegalArgumentException("--steady-rate is " + steadyRate + "; use at least 1 transaction/s");
        }
        if (steadyDuration.isNegative() || steadyDuration.isZero() || steadyWarmup.isNegative()) {
            throw new IllegalArgumentException("--steady-duration must be positive and --steady-warmup not negative"
                    + " (got " + steadyDuration + " and " + steadyWarmup + ")");
        }
        backfillRows = List.copyOf(backfillRows);
        if (backfillRows.isEmpty() || backfillRows.stream().anyMatch(n -> n < 1)) {
            throw new IllegalArgumentException("--backfill-rows is " + backfillRows + "; give one or more positive sizes,"
                    + " e.g. 1000000,10000000");
        }
        reconcileRows = List.copyOf(reconcileRows);
        if (reconcileRows.isEmpty() || reconcileRows.stream().anyMatch(n -> n < 1)) {
            throw new IllegalArgumentException("--reconcile-rows is " + reconcileRows + "; give one or more positive sizes,"
                    + " e.g. 1000000,10000000");
        }
        if (reconcileInstances < 1 || reconcileInstances > 16) {
            throw new IllegalArgumentException("--reconcile-instances is " + reconcileInstances + "; use 1..16 (default "
                    + DEFAULT_RECONCILE_INSTANCES + ": no shared-pass measurement)");
        }
        if (largeTxRows < 1) {
            throw new IllegalArgumentException("--large-tx-rows is " + largeTxRows + "; use at least 1 (default "
                    + DEFAULT_LARGE_TX_ROWS + ")");
        }
        parts = Set.copyOf(parts);
        syncOrdering = syncOrdering == null ? Ordering.TRANSACTIONAL : syncOrdering;
    }

    boolean runs(Part part) {
        return parts.contains(part);
    }
}
