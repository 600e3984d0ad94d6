package dev.tandem.reconcile;

import dev.tandem.capture.PgDatabase;
import dev.tandem.reconcile.chunk.ChunkPlanner;
import dev.tandem.reconcile.chunk.KeyRange;
import dev.tandem.reconcile.diff.ChunkDiffer;
import dev.tandem.reconcile.digest.ChunkDigest;
import dev.tandem.reconcile.digest.KeyFilter;
import dev.tandem.reconcile.digest.RowHash;
import dev.tandem.reconcile.digest.SessionPin;
import dev.tandem.reconcile.digest.Side;
import dev.tandem.reconcile.digest.TableShape;
import dev.tandem.reconcile.store.ChunkRecord;
import dev.tandem.reconcile.store.ReconcileStore;
import dev.tandem.sync.fence.SyncFence;
import dev.tandem.sync.mapping.CompiledTable;
import java.math.BigInteger;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Verifies one table over a key range: chunks in parallel within the load budget, each digested on both sides; a
 * differing chunk is rechecked after a fence (the sync has then applied everything the source committed before),
 * and only a difference that persists is narrowed down to rows, whose drift is confirmed after one more fence.
 */
final class TableVerifier {

    private static final Logger log = LoggerFactory.getLogger(TableVerifier.class);

    private final PgDatabase legacy;
    private final PgDatabase target;
    private final CompiledTable table;
    private final ReconcileSettings settings;
    private final SyncFence fence;
    private final ReconcileStore store;
    private final long passId;
    private final ReconcileMetrics metrics;

    private final AtomicInteger chunks = new AtomicInteger();
    private final AtomicLong rows = new AtomicLong();
    private final AtomicLong targetRows = new AtomicLong();
    private final List<RowDrift> drift = new ArrayList<>();
    private BigInteger sourceSum = BigInteger.ZERO;
    private BigInteger targetSum = BigInteger.ZERO;

    TableVerifier(PgDatabase legacy, PgDatabase target, CompiledTable table, ReconcileSettings settings, SyncFence fence,
                  ReconcileStore store, long passId, ReconcileMetrics metrics) {
        this.legacy = legacy;
        this.target = target;
        this.table = table;
        this.settings = settings;
        this.fence = fence;
        this.store = store;
        this.passId = passId;
        this.metrics = metrics;
    }

    TableReport verify(KeyRange within) throws SQLException, InterruptedException, TimeoutException {
        long started = System.nanoTime();
        TableShape shape;
        Side.Mode mode;
        try (Connection s = SessionPin.pin(legacy.connect("tandem-reconcile")); Connection t = SessionPin.pin(target.connect("tandem-reconcile"))) {
            shape = TableShape.load(table, s, t);
            var problem = Side.pushdownProblem(shape, s);
            mode = problem.isPresent() ? Side.Mode.STAGED : Side.Mode.PUSHDOWN;
            if (problem.isPresent()) {
                log.info("{}: the projection does not prepare on the source ({}); digesting staged copies of each chunk in the "
                        + "target instead", table.target(), problem.get());
            } else {
                log.info("{}: digesting the source through the projection on the source ({} key)", table.target(),
                        shape.aligned() ? "aligned" : "computed");
            }
        }
        String fenceLsn = fence.await(settings.fenceTimeout());
        List<ChunkRecord> earlier = store == null ? List.of() : store.chunks(passId, table.target());
        for (ChunkRecord c : earlier) {
            if (c.done()) {
                chunks.incrementAndGet();
                count(c.sourceRows(), c.targetRows(), c.sourceDigest(), c.targetDigest());
            }
        }
        if (store != null) {
            synchronized (drift) {
                drift.addAll(store.drift(passId, table.target()));
            }
        }
        ChunkPlanner planner;
        ExecutorService workers = Executors.newFixedThreadPool(settings.parallelism(), r -> {
            Thread thread = new Thread(r, "tandem-reconcile-" + table.target());
            thread.setDaemon(true);
            return thread;
        });
        try (Connection s = SessionPin.pin(legacy.connect("tandem-reconcile-plan"))) {
            Side planOn = Side.source(shape, Side.Mode.PUSHDOWN, s, null);
            planner = new ChunkPlanner(planOn, store, passId, table.target(), settings.initialChunkRows(), settings.maxChunkRows(),
                    settings.chunkTime(), within, !shape.aligned(), earlier);
            List<Future<Void>> running = new ArrayList<>();
            for (int i = 0; i < settings.parallelism(); i++) {
                TableShape shaped = shape;
                running.add(workers.submit(() -> {
                    work(shaped, mode, planner);
                    return null;
                }));
            }
            for (Future<Void> f : running) {
                f.get();
            }
        } catch (ExecutionException e) {
            Throwable cause = e.getCause();
            if (cause instanceof SQLException sql) {
                throw new SQLException(table.target() + ": verifying failed after " + chunks.get() + " chunks: " + sql.getMessage(),
                        sql.getSQLState(), sql);
            }
            if (cause instanceof TimeoutException timeout) {
                throw timeout;
            }
            if (cause instanceof InterruptedException interrupted) {
                throw interrupted;
            }
            throw new IllegalStateException(table.target() + ": verifying failed after " + chunks.get() + " chunks", cause);
        } finally {
            workers.shutdownNow();
        }
        double seconds = (System.nanoTime() - started) / 1e9;
        List<RowDrift> all;
        synchronized (drift) {
            all = List.copyOf(drift);
        }
        List<RowDrift> samples = all.subList(0, Math.min(all.size(), Math.max(settings.sampleCap(), 0)));
        return new TableReport(table.target(), mode.name().toLowerCase(), chunks.get(), rows.get(), targetRows.get(), all.size(), samples, fenceLsn,
                sourceSum.toString(), targetSum.toString(), seconds);
    }

    private void work(TableShape shape, Side.Mode mode, ChunkPlanner planner) throws SQLException, InterruptedException, TimeoutException {
        ExecutorService sourceThread = Executors.newSingleThreadExecutor(r -> {
            Thread thread = new Thread(r, "tandem-reconcile-source-" + table.target());
            thread.setDaemon(true);
            return thread;
        });
        try (Connection s = SessionPin.pin(legacy.connect("tandem-reconcile")); Connection t = SessionPin.pin(target.connect("tandem-reconcile"))) {
            Side source = Side.source(shape, mode, s, t);
            Side targetSide = Side.target(shape, t);
            while (true) {
                if (Thread.currentThread().isInterrupted()) {
                    throw new InterruptedException("reconciler stopped while verifying " + table.target());
                }
                var next = planner.next();
                if (next.isEmpty()) {
                    return;
                }
                backOffWhileBusy(s);
                ChunkPlanner.Chunk chunk = next.get();
                long begin = System.nanoTime();
                ChunkDigest sd;
                ChunkDigest td;
                if (mode == Side.Mode.PUSHDOWN) {
                    Future<ChunkDigest> onSource = sourceThread.submit(() -> source.digest(KeyFilter.range(chunk.range())));
                    td = targetSide.digest(KeyFilter.range(chunk.range()));
                    sd = joined(onSource);
                } else {
                    sd = source.digest(KeyFilter.range(chunk.range()));
                    td = targetSide.digest(KeyFilter.range(chunk.range()));
                }
                planner.observe(Math.max(sd.rows(), td.rows()), Duration.ofNanos(System.nanoTime() - begin));
                for (int i = 0; i < settings.maxRechecks() && !sd.equals(td); i++) {
                    sd = source.digest(KeyFilter.range(chunk.range()));
                    fence.await(settings.fenceTimeout());
                    td = targetSide.digest(KeyFilter.range(chunk.range()));
                }
                List<RowDrift> found = List.of();
                if (!sd.equals(td)) {
                    ChunkDiffer differ = new ChunkDiffer(shape, source, targetSide, settings.leafRows(), settings.sampleCap());
                    found = differ.diff(chunk.range(), sd, td);
                    if (!found.isEmpty()) {
                        found = confirm(shape, source, targetSide, found);
                    }
                    if (!found.isEmpty()) {
                        log.warn("{}: {} rows drifted in chunk {} {} after {} rechecks", table.target(), found.size(), chunk.number(),
                                chunk.range(), settings.maxRechecks());
                    }
                }
                finish(chunk, sd, td, found);
            }
        } finally {
            sourceThread.shutdownNow();
        }
    }

    private static ChunkDigest joined(Future<ChunkDigest> digest) throws SQLException, InterruptedException {
        try {
            return digest.get();
        } catch (ExecutionException e) {
            if (e.getCause() instanceof SQLException sql) {
                throw sql;
            }
            throw new IllegalStateException("digesting the source side failed", e.getCause());
        }
    }

    /** Keeps the rows that still differ after the sync applied everything the source committed before the recheck. */
    private List<RowDrift> confirm(TableShape shape, Side source, Side targetSide, List<RowDrift> found)
            throws SQLException, InterruptedException, TimeoutException {
        KeyFilter rowsOnly = KeyFilter.targetKeys(ChunkDiffer.targetKeys(found));
        Map<List<String>, RowHash> s = source.rowHashes(rowsOnly);
        fence.await(settings.fenceTimeout());
        Map<List<String>, RowHash> t = targetSide.rowHashes(rowsOnly);
        return new ChunkDiffer(shape, source, targetSide, settings.leafRows(), settings.sampleCap()).compare(s, t);
    }

    private void finish(ChunkPlanner.Chunk chunk, ChunkDigest sd, ChunkDigest td, List<RowDrift> found) throws SQLException {
        if (store != null) {
            store.recordDrift(passId, found);
            store.finishChunk(passId, table.target(), new ChunkRecord(chunk.number(), chunk.range(), true, sd.rows(), td.rows(),
                    sd.sum(), td.sum(), found.size()));
        }
        synchronized (drift) {
            drift.addAll(found);
        }
        count(sd.rows(), td.rows(), sd.sum(), td.sum());
        chunks.incrementAndGet();
        if (metrics != null) {
            metrics.compared(table.target(), sd.rows());
        }
    }

    private synchronized void count(long sourceRows, long targetCount, String sourceDigest, String targetDigest) {
        rows.addAndGet(sourceRows);
        targetRows.addAndGet(targetCount);
        sourceSum = sourceSum.add(new BigInteger(sourceDigest == null ? "0" : sourceDigest));
        targetSum = targetSum.add(new BigInteger(targetDigest == null ? "0" : targetDigest));
    }

    private void backOffWhileBusy(Connection source) throws SQLException, InterruptedException {
        for (int attempt = 0; attempt < 20; attempt++) {
            try (Statement st = source.createStatement(); ResultSet rs = st.executeQuery("SELECT count(*) FROM pg_stat_activity "
                    + "WHERE state = 'active' AND backend_type = 'client backend' AND pid <> pg_backend_pid() "
                    + "AND application_name NOT LIKE 'tandem-reconcile%'")) {
                rs.next();
                if (rs.getInt(1) <= settings.busySessions()) {
                    return;
                }
            }
            if (metrics != null) {
                metrics.backedOff(table.target());
            }
            Thread.sleep(settings.backoff().toMillis());
        }
    }
}
