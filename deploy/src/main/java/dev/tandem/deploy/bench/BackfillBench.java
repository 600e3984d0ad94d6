package dev.tandem.deploy.bench;

import dev.tandem.capture.CaptureConfig;
import dev.tandem.capture.PgDatabase;
import dev.tandem.capture.replication.ExportedSnapshot;
import dev.tandem.capture.replication.ReplicationSetup;
import dev.tandem.sync.backfill.Backfill;
import dev.tandem.sync.backfill.BackfillProgress;
import dev.tandem.sync.backfill.BackfillSettings;
import dev.tandem.sync.backfill.SourceLoad;
import dev.tandem.sync.pipeline.PipelineConfig;
import dev.tandem.sync.control.ControlSchema;
import dev.tandem.sync.mapping.MappingCompiler;
import dev.tandem.sync.mapping.MappingSpec;
import dev.tandem.sync.mapping.SourceColumn;
import dev.tandem.sync.mapping.CompiledTable;
import java.sql.Connection;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.List;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Backfill: tandem's snapshot copy (slot with exported snapshot, then the chunked, parallel
 * {@link Backfill} with its default settings into the renamed {@code app.item}) against a plain COPY pipe ({@link CopyPipe}) into a same-shaped
 * {@code legacy.item}, from the same source table to the same target instance, in alternating order.
 */
final class BackfillBench {

    private static final Logger log = LoggerFactory.getLogger(BackfillBench.class);

    private static final String MIGRATION = "bench_backfill";

    /** One run at one size. */
    record Run(double tandemRowsPerSecond, double copyRowsPerSecond) {
        double ratio() {
            return tandemRowsPerSecond / copyRowsPerSecond;
        }
    }

    /** All runs at one size. */
    record Size(long rows, List<Run> runs) {
    }

    private final BenchServers servers;
    private final BenchSettings settings;
    private int generation;

    BackfillBench(BenchServers servers, BenchSettings settings) {
        this.servers = servers;
        this.settings = settings;
    }

    List<Size> runAll() throws Exception {
        List<Size> sizes = new ArrayList<>();
        for (long rows : settings.backfillRows()) {
            sizes.add(runSize(rows));
        }
        return sizes;
    }

    private Size runSize(long rows) throws Exception {
        PgDatabase source = servers.sourceDatabase("backfill_src_" + rows);
        PgDatabase target = servers.targetDatabase("backfill_dst_" + rows);
        try {
            seed(source, rows);
            CompiledTable table;
            try (Connection src = source.connect("tandem-bench"); Connection dst = target.connect("tandem-bench")) {
                BenchTable.createTandemTarget(dst);
                BenchTable.createNativeTarget(dst);
                ControlSchema.ensure(dst);
                table = MappingCompiler.compile(MappingSpec.of(BenchTable.mapping()), src, dst).get(0);
            }
            List<String> columns = table.sourceColumns().stream().map(SourceColumn::name).toList();
            CompiledTable mapped = table;
            List<Run> runs = new ArrayList<>();
            for (int run = 1; run <= settings.runs(); run++) {
                Alternating.Pair<Double> rates = Alternating.run(run, () -> tandemCopy(source, target, mapped, rows),
                        () -> pipeCopy(source, target, columns, rows));
                double tandem = rates.tandem();
                double copy = rates.baseline();
                runs.add(new Run(tandem, copy));
                log.info("backfill {} rows, run {}/{}: tandem {} rows/s, COPY pipe {} rows/s", rows, run,
                        settings.runs(), Math.round(tandem), Math.round(copy));
            }
            return new Size(rows, runs);
        } finally {
            BenchServers.drop(source);
            BenchServers.drop(target);
        }
    }

    /** Rows per second of tandem's backfill, from creating the slot and its snapshot to the committed copy. */
    private double tandemCopy(PgDatabase source, PgDatabase target, CompiledTable table, long rows) throws Exception {
        CaptureConfig capture = new CaptureConfig(MIGRATION, source, List.of(BenchTable.SOURCE), servers.bootstrapServers());
        ReplicationSetup replication = new ReplicationSetup(capture);
        replication.ensurePublication();
        BenchServers.checkpoint(source);
        BenchServers.checkpoint(target);
        long started = System.nanoTime();
        long copied;
        try (ExportedSnapshot snapshot = replication.createSlotWithSnapshot();
             SourceLoad load = new SourceLoad(source, capture.slotName(), BackfillSettings.DEFAULTS)) {
            // a new generation per run, so every run plans and copies the whole table again
            copied = new Backfill(MIGRATION, source, target, PipelineConfig.DEFAULT_BACKFILL_WORKERS,
                    BackfillSettings.DEFAULTS, new BackfillProgress(), load)
                    .run(List.of(table), ++generation, snapshot.snapshotName(), snapshot.consistentPoint(), false);
        }
        double seconds = (System.nanoTime() - started) / 1e9;
        replication.drop();
        checkCopied("tandem backfill", copied, rows);
        return copied / seconds;
    }

    private double pipeCopy(PgDatabase source, PgDatabase target, List<String> columns, long rows) throws SQLException {
        BenchServers.checkpoint(source);
        BenchServers.checkpoint(target);
        long started = System.nanoTime();
        long copied = CopyPipe.copy(source, target, BenchTable.SOURCE, columns);
        double seconds = (System.nanoTime() - started) / 1e9;
        checkCopied("COPY pipe", copied, rows);
        return copied / seconds;
    }

    private static void checkCopied(String what, long copied, long expected) {
        if (copied != expected) {
            throw new IllegalStateException(what + " copied " + copied + " rows of " + expected
                    + "; the measurement is void");
        }
    }

    /** Creates and fills the source table. */
    private static void seed(PgDatabase source, long rows) throws SQLException {
        long started = System.nanoTime();
        try (Connection c = source.connect("tandem-bench-seed")) {
            BenchTable.createSource(c);
            BenchTable.fill(c, rows);
        }
        log.info("backfill: seeded {} source rows in {} s", rows, String.format("%.1f", (System.nanoTime() - started) / 1e9));
    }
}
