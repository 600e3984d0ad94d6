package dev.tandem.deploy.bench;

import dev.tandem.capture.PgDatabase;
import dev.tandem.reconcile.PassListener;
import dev.tandem.reconcile.PassReport;
import dev.tandem.reconcile.ReconcileSettings;
import dev.tandem.reconcile.Reconciler;
import dev.tandem.sync.backfill.SourceStaging;
import dev.tandem.sync.fence.SyncFence;
import dev.tandem.sync.mapping.CompiledTable;
import dev.tandem.sync.mapping.MappingCompiler;
import dev.tandem.sync.mapping.MappingSpec;
import dev.tandem.sync.mapping.SourceColumn;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Reconcile: rows verified per second by a full pass of the chunked reconciler over {@code legacy.item} →
 * {@code app.item} (renamed columns, both sides digested), against one full-table
 * {@code SELECT count(*), sum(hashtextextended(t::text, 0))} scan of the source, in alternating order; with
 * {@code --reconcile-instances N}, also the same pass shared by N reconcilers (wall time, chunks each verified).
 */
final class ReconcileBench {

    private static final Logger log = LoggerFactory.getLogger(ReconcileBench.class);
    private static final long SEED_TRANSACTION_ROWS = 1_000_000;

    /** One run at one size; {@code shared} is null when no shared pass was measured. */
    record Run(double tandemRowsPerSecond, double scanRowsPerSecond, int chunks, Shared shared) {
        double ratio() {
            return tandemRowsPerSecond / scanRowsPerSecond;
        }
    }

    /** One pass shared by several reconcilers: rows per second over its wall time, and the chunks each one verified. */
    record Shared(double rowsPerSecond, List<Integer> chunksPerInstance) {
    }

    /** All runs at one size. */
    record Size(long rows, List<Run> runs) {
    }

    private final BenchServers servers;
    private final BenchSettings settings;

    ReconcileBench(BenchServers servers, BenchSettings settings) {
        this.servers = servers;
        this.settings = settings;
    }

    List<Size> runAll() throws Exception {
        List<Size> sizes = new ArrayList<>();
        for (long rows : settings.reconcileRows()) {
            sizes.add(runSize(rows));
        }
        return sizes;
    }

    private Size runSize(long rows) throws Exception {
        PgDatabase source = servers.sourceDatabase("reconcile_src_" + rows);
        PgDatabase target = servers.targetDatabase("reconcile_dst_" + rows);
        try {
            List<CompiledTable> tables = prepare(source, target, rows);
            List<Run> runs = new ArrayList<>();
            for (int run = 1; run <= settings.runs(); run++) {
                int[] chunks = new int[1];
                Shared[] shared = new Shared[1];
                boolean sharedFirst = run % 2 == 0;
                Alternating.Pair<Double> rates = Alternating.run(run, () -> {
                    if (sharedFirst) {
                        shared[0] = shared(source, target, tables, rows);
                    }
                    PassReport pass = new Reconciler("bench_reconcile", source, target, tables, ReconcileSettings.DEFAULTS, SyncFence.NONE)
                            .verifyPass();
                    check(pass, rows);
                    chunks[0] = pass.tables().get(0).chunks();
                    if (!sharedFirst) {
                        shared[0] = shared(source, target, tables, rows);
                    }
                    return rows / ((pass.finishedAt().toEpochMilli() - pass.startedAt().toEpochMilli()) / 1000.0);
                }, () -> scan(source, rows));
                runs.add(new Run(rates.tandem(), rates.baseline(), chunks[0], shared[0]));
                log.info("reconcile {} rows, run {}/{}: tandem {} rows/s in {} chunks, hash scan {} rows/s{}", rows, run, settings.runs(),
                        Math.round(rates.tandem()), chunks[0], Math.round(rates.baseline()), shared[0] == null ? ""
                                : ", shared by " + settings.reconcileInstances() + ": " + Math.round(shared[0].rowsPerSecond())
                                + " rows/s, chunks per instance " + shared[0].chunksPerInstance());
            }
            return new Size(rows, runs);
        } finally {
            BenchServers.drop(source);
            BenchServers.drop(target);
        }
    }

    /**
     * One pass shared by {@code --reconcile-instances} reconcilers of one migration, each a thread with its own
     * connections and the default parallelism; null when the option asks for one instance.
     */
    private Shared shared(PgDatabase source, PgDatabase target, List<CompiledTable> tables, long rows) throws Exception {
        int instances = settings.reconcileInstances();
        if (instances < 2) {
            return null;
        }
        ExecutorService pool = Executors.newFixedThreadPool(instances);
        try {
            List<AtomicInteger> chunks = new ArrayList<>();
            List<Future<PassReport>> passes = new ArrayList<>();
            long started = System.nanoTime();
            for (int i = 0; i < instances; i++) {
                AtomicInteger verified = new AtomicInteger();
                chunks.add(verified);
                Reconciler reconciler = new Reconciler("bench_reconcile_shared", source, target, tables, ReconcileSettings.DEFAULTS,
                        SyncFence.NONE).identifiedAs("bench-" + (i + 1)).listeningTo(new PassListener() {
                            @Override
                            public void chunkCompared(String table, long n) {
                                verified.incrementAndGet();
                            }
                        });
                passes.add(pool.submit(reconciler::verifyPass));
            }
            long passId = -1;
            for (Future<PassReport> pass : passes) {
                PassReport report = pass.get();
                check(report, rows);
                if (passId >= 0 && report.passId() != passId) {
                    throw new IllegalStateException("the shared reconcilers ran passes " + passId + " and " + report.passId()
                            + " instead of one; the measurement is void");
                }
                passId = report.passId();
            }
            double seconds = (System.nanoTime() - started) / 1e9;
            return new Shared(rows / seconds, chunks.stream().map(AtomicInteger::get).toList());
        } finally {
            pool.shutdownNow();
        }
    }

    private static void check(PassReport pass, long rows) {
        if (!pass.consistent() || pass.rowsCompared() != rows) {
            throw new IllegalStateException("the reconciler compared " + pass.rowsCompared() + " of " + rows
                    + " rows (consistent: " + pass.consistent() + "); the measurement is void");
        }
    }

    /** Seeds the source, copies it into {@code app.item} and freezes both, so no run pays for hint bits. */
    private static List<CompiledTable> prepare(PgDatabase source, PgDatabase target, long rows) throws SQLException {
        long started = System.nanoTime();
        try (Connection src = source.connect("tandem-bench-seed"); Connection dst = target.connect("tandem-bench-seed")) {
            BenchTable.createSource(src);
            BenchTable.createTandemTarget(dst);
            src.setAutoCommit(false);
            try (PreparedStatement ps = src.prepareStatement(BenchTable.INSERT_RANGE)) {
                for (long first = 1; first <= rows; first += SEED_TRANSACTION_ROWS) {
                    ps.setLong(1, first);
                    ps.setLong(2, Math.min(rows, first + SEED_TRANSACTION_ROWS - 1));
                    ps.executeUpdate();
                    src.commit();
                }
            }
            src.setAutoCommit(true);
            List<CompiledTable> tables = MappingCompiler.compile(MappingSpec.of(BenchTable.mapping()), src, dst);
            CompiledTable table = tables.get(0);
            List<String> sourceColumns = new ArrayList<>();
            List<String> targetColumns = new ArrayList<>();
            for (SourceColumn c : table.sourceColumns()) {
                String mapped = table.written().entrySet().stream().filter(e -> table.isCopy(e.getKey())
                        && table.reads().get(e.getKey()).contains(c.name())).map(java.util.Map.Entry::getKey).findFirst().orElse(null);
                if (mapped != null) {
                    sourceColumns.add(c.name());
                    targetColumns.add(mapped);
                }
            }
            dst.setAutoCommit(false);
            SourceStaging.pipe(src, dst, BenchTable.SOURCE, sourceColumns, "app.item", targetColumns, new AtomicLong());
            dst.commit();
            dst.setAutoCommit(true);
            try (Statement s = src.createStatement(); Statement d = dst.createStatement()) {
                s.execute("VACUUM (FREEZE, ANALYZE) legacy.item");
                d.execute("VACUUM (FREEZE, ANALYZE) app.item");
            }
            log.info("reconcile: prepared {} rows on both sides in {} s", rows, String.format("%.1f", (System.nanoTime() - started) / 1e9));
            return tables;
        }
    }

    /** Rows per second of one full-table count and hash scan of the source. */
    private static double scan(PgDatabase source, long rows) throws SQLException {
        try (Connection c = source.connect("tandem-bench-scan"); Statement st = c.createStatement()) {
            long started = System.nanoTime();
            try (ResultSet rs = st.executeQuery("SELECT count(*), sum(hashtextextended(t::text, 0)) FROM legacy.item t")) {
                rs.next();
                if (rs.getLong(1) != rows) {
                    throw new IllegalStateException("the scan counted " + rs.getLong(1) + " of " + rows + " rows; the measurement is void");
                }
            }
            return rows / ((System.nanoTime() - started) / 1e9);
        }
    }
}
