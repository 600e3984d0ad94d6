package dev.tandem.deploy.bench;

import static dev.tandem.capture.SqlIdentifiers.quoteQualified;

import dev.tandem.sync.route.Ordering;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One large transaction: {@code legacy.item} filled with {@code --large-tx-rows} rows and brought to the
 * target (tandem's backfill; a COPY pipe before the subscription for native replication), then one
 * {@code UPDATE} of every row, timed from its commit until the target shows it, for tandem in
 * transactional ordering and for native logical replication in alternating order, with tandem's heap.
 */
final class LargeTransactionBench {

    private static final Logger log = LoggerFactory.getLogger(LargeTransactionBench.class);

    private static final Duration START_TIMEOUT = Duration.ofSeconds(120);
    private static final long PROGRESS_SECONDS = 10;
    private static final long PROBE_KEY = -1;
    private static final List<String> COPIED_COLUMNS = List.of(
            "item_id", "cust_ref", "item_name", "qty", "unit_price", "note", "written_at");

    /**
     * One side of one run: {@code seconds} from the statement's commit until the target showed it,
     * {@code statementSeconds} the statement itself on the source; {@code heap} is measured for tandem only.
     */
    record Side(double seconds, double statementSeconds, ResourceMeter.Window heap) {
        double rowsPerSecond(long rows) {
            return rows / seconds;
        }
    }

    /** One run: both sides over the same number of rows. */
    record Run(long rows, Side tandem, Side nativeReplication) {
        double tandemRowsPerSecond() {
            return tandem.rowsPerSecond(rows);
        }

        double nativeRowsPerSecond() {
            return nativeReplication.rowsPerSecond(rows);
        }

        double ratio() {
            return tandemRowsPerSecond() / nativeRowsPerSecond();
        }
    }

    private final BenchServers servers;
    private final BenchSettings settings;
    private final ResourceMeter meter;

    LargeTransactionBench(BenchServers servers, BenchSettings settings, ResourceMeter meter) {
        this.servers = servers;
        this.settings = settings;
        this.meter = meter;
    }

    List<Run> runAll() throws Exception {
        long rows = settings.largeTxRows();
        List<Run> runs = new ArrayList<>();
        for (int run = 1; run <= settings.runs(); run++) {
            String tag = "large_tx_" + run;
            int current = run;
            Alternating.Pair<Side> sides = Alternating.run(run,
                    () -> measure(TandemReplication.create(servers, tag, false, Ordering.TRANSACTIONAL), current),
                    () -> measure(NativeReplication.create(servers, tag, false), current));
            Run done = new Run(rows, sides.tandem(), sides.baseline());
            runs.add(done);
            log.info("large-tx run {}/{}: {} rows in one transaction, commit→visible tandem {} s ({} rows/s), native {} s"
                            + " ({} rows/s), ratio {}; tandem's peak heap {} MiB", run, settings.runs(), rows,
                    String.format("%.2f", done.tandem().seconds()), Math.round(done.tandemRowsPerSecond()),
                    String.format("%.2f", done.nativeReplication().seconds()), Math.round(done.nativeRowsPerSecond()),
                    String.format("%.3f", done.ratio()), Math.round(done.tandem().heap().peakHeapMib()));
        }
        return runs;
    }

    private Side measure(Replication replication, int run) throws Exception {
        long rows = settings.largeTxRows();
        boolean tandem = replication instanceof TandemReplication;
        try (replication) {
            long seeding = System.nanoTime();
            try (Connection c = replication.source().connect("tandem-bench-seed")) {
                BenchTable.fill(c, rows);
            }
            if (!tandem) {
                // a subscription without copy_data applies changes only; the rows must be there first
                long copied = CopyPipe.copy(replication.source(), replication.target(), BenchTable.SOURCE, COPIED_COLUMNS);
                checkRows("the COPY pipe to the subscriber", copied, rows);
            }
            replication.start(); // tandem backfills the rows here
            BulkWorkload.writeMarker(replication.source(), PROBE_KEY);
            Visibility.awaitKey(replication, PROBE_KEY, START_TIMEOUT);
            checkRows(replication.name() + "'s copy of the rows", countRows(replication, "true"), rows + 1);
            freezeTarget(replication);
            BenchServers.checkpoint(replication.source());
            BenchServers.checkpoint(replication.target());
            log.info("large-tx run {}: {} streaming, {} rows on both sides after {} s; updating all of them in one statement",
                    run, replication.name(), rows, (System.nanoTime() - seeding) / 1_000_000_000);

            if (tandem) {
                meter.startWindow();
            }
            long statementStarted = System.nanoTime();
            update(replication, rows);
            long committed = System.nanoTime();
            try (AutoCloseable progress = progress(replication, rows)) {
                Visibility.awaitUpdated(replication, rows, Duration.ofSeconds(120 + rows / 500));
            }
            double seconds = (System.nanoTime() - committed) / 1e9;
            ResourceMeter.Window heap = tandem ? meter.window() : null;
            // both apply a transaction atomically, so its last row visible means all of it: checked, not assumed
            checkRows(replication.name() + ": rows updated on the target once the last one was", countRows(replication,
                    BenchTable.UPDATED), rows);
            return new Side(seconds, (committed - statementStarted) / 1e9, heap);
        }
    }

    /** Logs how far tandem's applier got inside the transaction while the bench waits for it (minutes at the default size). */
    private static AutoCloseable progress(Replication replication, long rows) {
        if (!(replication instanceof TandemReplication tandem)) {
            return () -> { };
        }
        ScheduledExecutorService timer = Executors.newSingleThreadScheduledExecutor(r -> {
            Thread t = new Thread(r, "tandem-bench-large-tx-progress");
            t.setDaemon(true);
            return t;
        });
        timer.scheduleAtFixedRate(() -> log.info("  tandem: {} of {} changes written into the open target transaction",
                tandem.openTransactionChanges(), rows), PROGRESS_SECONDS, PROGRESS_SECONDS, TimeUnit.SECONDS);
        return timer::shutdownNow;
    }

    /** The one statement: autocommit, so it returns once its transaction committed. */
    private static void update(Replication replication, long rows) throws SQLException {
        try (Connection c = replication.source().connect("tandem-bench-writer");
             PreparedStatement ps = c.prepareStatement(BenchTable.UPDATE_RANGE)) {
            ps.setLong(1, 1);
            ps.setLong(2, rows);
            int updated = ps.executeUpdate();
            checkRows("the large UPDATE on the source", updated, rows);
        }
    }

    /** Freezes the copied target rows, so that the measured update does not also pay for their hint bits. */
    private static void freezeTarget(Replication replication) throws SQLException {
        try (Connection c = replication.target().connect("tandem-bench");
             Statement st = c.createStatement()) {
            st.execute("VACUUM (FREEZE, ANALYZE) " + quoteQualified(replication.targetTable()));
        }
    }

    private static long countRows(Replication replication, String predicate) throws SQLException {
        try (Connection c = replication.target().connect("tandem-bench");
             Statement st = c.createStatement();
             ResultSet rs = st.executeQuery("SELECT count(*) FROM " + quoteQualified(replication.targetTable())
                     + " WHERE " + predicate)) {
            rs.next();
            return rs.getLong(1);
        }
    }

    private static void checkRows(String what, long actual, long expected) {
        if (actual != expected) {
            throw new IllegalStateException(what + ": " + actual + " rows, expected " + expected
                    + "; the large-tx measurement is void (see the log above for the replication's state)");
        }
    }
}
