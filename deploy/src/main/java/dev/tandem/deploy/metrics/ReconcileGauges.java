package dev.tandem.deploy.metrics;

import dev.tandem.reconcile.ReconcileMetrics;
import dev.tandem.reconcile.TableReport;
import io.micrometer.core.instrument.FunctionCounter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import java.time.Duration;
import java.time.Instant;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;

/**
 * The reconciler's metrics per table: {@code tandem_verified_fraction}, {@code tandem_reconciliation_lag_seconds},
 * {@code tandem_reconcile_rows_compared_total}, {@code tandem_drifted_rows} and {@code tandem_unsettled_rows} (see
 * docs/metrics.md).
 */
public final class ReconcileGauges implements ReconcileMetrics {

    private final MeterRegistry registry;
    private final Instant created = Instant.now();
    private final Map<String, TableState> tables = new ConcurrentHashMap<>();

    public ReconcileGauges(MeterRegistry registry) {
        this.registry = registry;
    }

    /** What the gauges read for one table. */
    private static final class TableState {
        final AtomicLong comparedTotal = new AtomicLong();
        final AtomicLong comparedInPass = new AtomicLong();
        volatile long estimatedRows;
        volatile boolean finishedInPass;
        volatile long drifted;
        volatile long unsettled;
        volatile Instant coveredSince;

        double fraction() {
            if (finishedInPass) {
                return 1.0;
            }
            long compared = comparedInPass.get();
            return compared == 0 ? 0.0 : Math.min(1.0, compared / (double) Math.max(estimatedRows, compared));
        }
    }

    private TableState state(String table) {
        return tables.computeIfAbsent(table, t -> {
            TableState s = new TableState();
            Gauge.builder("tandem_verified_fraction", s, TableState::fraction).tag("table", t)
                    .description("Share of the table's rows compared in the verification pass in progress (1 once it finished)")
                    .register(registry);
            Gauge.builder("tandem_reconciliation_lag_seconds", s, st -> Duration.between(st.coveredSince == null ? created : st.coveredSince,
                            Instant.now()).toMillis() / 1000.0).tag("table", t)
                    .description("Age of the oldest verification among the table's chunks: time since the start of the newest pass that "
                            + "finished the table (since the reconciler started, before any finished)")
                    .register(registry);
            FunctionCounter.builder("tandem_reconcile_rows_compared", s, st -> st.comparedTotal.get()).tag("table", t)
                    .description("Source rows compared by the reconciler since start").register(registry);
            Gauge.builder("tandem_drifted_rows", s, st -> st.drifted).tag("table", t)
                    .description("Rows that still differed after the rechecks in the newest pass that finished the table")
                    .register(registry);
            Gauge.builder("tandem_unsettled_rows", s, st -> st.unsettled).tag("table", t)
                    .description("Rows that still differed but changed on the source in every recheck (hot rows), in the newest "
                            + "pass that finished the table: not drift, checked again next pass")
                    .register(registry);
            return s;
        });
    }

    @Override
    public void tableStarted(String table, long estimatedRows) {
        TableState s = state(table);
        s.estimatedRows = estimatedRows;
        s.comparedInPass.set(0);
        s.finishedInPass = false;
    }

    @Override
    public void compared(String table, long rows) {
        TableState s = state(table);
        s.comparedTotal.addAndGet(rows);
        s.comparedInPass.addAndGet(rows);
    }

    @Override
    public void tableFinished(TableReport report, Instant passStarted) {
        TableState s = state(report.table());
        s.finishedInPass = true;
        s.drifted = report.driftedRows();
        s.unsettled = report.unsettledRows();
        s.coveredSince = passStarted;
    }
}
