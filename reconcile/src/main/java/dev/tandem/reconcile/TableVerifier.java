package dev.tandem.reconcile;

import dev.tandem.capture.PgDatabase;
import dev.tandem.reconcile.chunk.ChunkQueue;
import dev.tandem.reconcile.chunk.VerifyPlanner;
import dev.tandem.reconcile.chunk.VerifyRange;
import dev.tandem.reconcile.diff.ChunkDiffer;
import dev.tandem.reconcile.diff.RowSettler;
import dev.tandem.reconcile.digest.ChunkDigest;
import dev.tandem.reconcile.digest.KeyFilter;
import dev.tandem.reconcile.digest.SessionPin;
import dev.tandem.reconcile.digest.SourceVersions;
import dev.tandem.reconcile.order.ChunkPriority;
import dev.tandem.reconcile.order.RecentChanges;
import dev.tandem.reconcile.digest.Side;
import dev.tandem.reconcile.digest.TableShape;
import dev.tandem.reconcile.store.ChunkClaims;
import dev.tandem.reconcile.store.ChunkRecord;
import dev.tandem.reconcile.store.ReconcileStore;
import dev.tandem.reconcile.store.SharedPlan;
import dev.tandem.sync.fence.SyncFence;
import dev.tandem.sync.mapping.CompiledJoin;
import dev.tandem.sync.mapping.CompiledTable;
import java.math.BigInteger;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.NavigableSet;
import java.util.TreeSet;
import java.util.stream.Collectors;
import java.util.concurrent.CompletionService;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorCompletionService;
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
 * differing chunk is narrowed down to rows after a fence (the sync has then applied everything the source committed
 * before), and those rows alone are rechecked until each is settled as equal, drift or unsettled ({@link RowSettler}).
 * In a pass, each worker claims its chunks from the pass's stored plan ({@link ChunkQueue}), shared with every instance
 * verifying the same pass, and the table's report is read back from the stored chunks.
 */
final class TableVerifier {

    private static final Logger log = LoggerFactory.getLogger(TableVerifier.class);
    /** How long a worker waits on a chunk another instance holds before it looks at the queue (and its interrupt) again. */
    private static final Duration CLAIM_WAIT = Duration.ofSeconds(1);

    private final PgDatabase legacy;
    private final PgDatabase target;
    private final CompiledTable table;
    private final ReconcileSettings settings;
    private final SyncFence fence;
    private final ReconcileStore store;
    private final long passId;
    private final String instance;
    private final ReconcileMetrics metrics;

    private final AtomicInteger chunks = new AtomicInteger();
    private final AtomicLong rows = new AtomicLong();
    private final AtomicLong targetRows = new AtomicLong();
    private final List<RowDrift> drift = new ArrayList<>();
    private final List<RowDrift> unsettled = new ArrayList<>();
    private final AtomicLong driftCount = new AtomicLong();
    private final AtomicLong unsettledCount = new AtomicLong();
    private final RecentChanges changes;
    private final VerifyTimings timings = new VerifyTimings();
    private BigInteger sourceSum = BigInteger.ZERO;
    private BigInteger targetSum = BigInteger.ZERO;

    TableVerifier(PgDatabase legacy, PgDatabase target, CompiledTable table, ReconcileSettings settings, SyncFence fence,
                  ReconcileStore store, long passId, String instance, ReconcileMetrics metrics, RecentChanges changes) {
        this.instance = instance;
        this.changes = changes;
        this.legacy = legacy;
        this.target = target;
        this.table = table;
        this.settings = settings;
        this.fence = fence;
        this.store = store;
        this.passId = passId;
        this.metrics = metrics;
    }

    TableReport verify(VerifyRange within) throws SQLException, InterruptedException, TimeoutException {
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
        VerifyPlanner planner;
        ExecutorService workers = Executors.newFixedThreadPool(settings.parallelism(), r -> {
            Thread thread = new Thread(r, "tandem-reconcile-" + table.target());
            thread.setDaemon(true);
            return thread;
        });
        try (Connection s = SessionPin.pin(legacy.connect("tandem-reconcile-plan"));
             Connection planControl = store == null ? null : target.connect("tandem-reconcile-plan")) {
            SharedPlan plan = store == null ? null : new SharedPlan(planControl, passId, table.target());
            if (plan != null && shape.aligned() && within.equals(VerifyRange.ALL) && plan.cursor().nextNumber() == 0) {
                changedFirst(shape, plan);
            }
            Side planOn = Side.source(shape, Side.Mode.PUSHDOWN, s, null);
            planner = new VerifyPlanner(planOn, plan, table.target(), settings.initialChunkRows(), settings.maxChunkRows(),
                    settings.chunkTime(), within, !shape.aligned(), List.of());
            ChunkQueue queue = plan == null ? null : new ChunkQueue(planner, plan);
            timings.since(VerifyTimings.Phase.SETUP, started);
            // the first worker to fail fails the table at once: the others may be waiting on another instance's claims
            CompletionService<Void> running = new ExecutorCompletionService<>(workers);
            for (int i = 0; i < settings.parallelism(); i++) {
                TableShape shaped = shape;
                running.submit(() -> {
                    work(shaped, mode, planner, queue);
                    return null;
                });
            }
            for (int i = 0; i < settings.parallelism(); i++) {
                running.take().get();
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
        log.info("{}: {} s, {} chunks verified here; summed over {} workers: {}; chunk boundaries {} ms", table.target(),
                String.format("%.2f", seconds), chunks.get(), settings.parallelism(), timings.summary(), planner.boundaryMillis());
        List<RowDrift> unsettledSamples;
        synchronized (drift) {
            unsettledSamples = List.copyOf(unsettled);
        }
        if (store != null) {
            return storedReport(mode, fenceLsn, seconds, unsettledSamples);
        }
        List<RowDrift> driftSamples;
        synchronized (drift) {
            driftSamples = List.copyOf(drift);
        }
        return new TableReport(table.target(), mode.name().toLowerCase(), chunks.get(), rows.get(), targetRows.get(), driftCount.get(),
                driftSamples, fenceLsn, sourceSum.toString(), targetSum.toString(), seconds, unsettledCount.get(), unsettledSamples);
    }

    /**
     * The table's report as the pass's stored chunks give it, whichever instance (or earlier attempt) verified each:
     * the same counts and digests a single instance reports; unsettled samples are those this instance met.
     */
    private TableReport storedReport(Side.Mode mode, String fenceLsn, double seconds, List<RowDrift> unsettledSamples)
            throws SQLException {
        List<ChunkRecord> all = store.chunks(passId, table.target());
        long sourceRows = 0;
        long targetCount = 0;
        long drifted = 0;
        long unsettledRows = 0;
        BigInteger sourceDigest = BigInteger.ZERO;
        BigInteger targetDigest = BigInteger.ZERO;
        for (ChunkRecord c : all) {
            if (!c.done()) {
                throw new IllegalStateException(table.target() + ": chunk " + c.chunkNo() + " " + c.range() + " of pass " + passId
                        + " is not verified although the pass's queue is empty; run the pass again (it resumes)");
            }
            sourceRows += c.sourceRows();
            targetCount += c.targetRows();
            drifted += c.driftedRows();
            unsettledRows += c.unsettledRows();
            sourceDigest = sourceDigest.add(new BigInteger(c.sourceDigest() == null ? "0" : c.sourceDigest()));
            targetDigest = targetDigest.add(new BigInteger(c.targetDigest() == null ? "0" : c.targetDigest()));
        }
        List<RowDrift> stored = store.drift(passId, table.target());
        List<RowDrift> driftSamples = stored.subList(0, Math.min(stored.size(), Math.max(settings.sampleCap(), 0)));
        return new TableReport(table.target(), mode.name().toLowerCase(), all.size(), sourceRows, targetCount, drifted, driftSamples,
                fenceLsn, sourceDigest.toString(), targetDigest.toString(), seconds, unsettledRows, unsettledSamples);
    }

    /**
     * When chunks of the previous pass changed since it verified them, plans this pass as the previous pass's chunks with
     * the changed ones first (unless another instance sharing the pass planned the table first); otherwise plans nothing
     * (the pass walks the key in order).
     */
    private void changedFirst(TableShape shape, SharedPlan plan) throws SQLException {
        List<ChunkRecord> previous = store.previousPlan(passId, table.target());
        if (previous.size() < 2 || previous.stream().anyMatch(c -> c.changeOffset() == null)) {
            return;
        }
        NavigableSet<Long> marks = previous.stream().map(ChunkRecord::changeOffset).collect(Collectors.toCollection(TreeSet::new));
        try (Connection t = target.connect("tandem-reconcile-order")) {
            Map<List<String>, Long> changed = new HashMap<>();
            Map<String, Map<List<String>, Long>> bySource = changes.changedSince(marks, t);
            bySource.getOrDefault(table.source(), Map.of()).forEach((k, mark) -> {
                if (k.size() == shape.targetKey().size()) {
                    changed.merge(k, mark, Math::max);
                }
            });
            for (CompiledJoin join : table.joins()) { // a joined row's change changes the merged row it maps onto
                bySource.getOrDefault(join.source(), Map.of()).forEach((k, mark) -> {
                    List<String> mainKey = mainKeyOf(join, k);
                    if (mainKey != null && mainKey.size() == shape.targetKey().size()) {
                        changed.merge(mainKey, mark, Math::max);
                    }
                });
            }
            List<ChunkPriority.Ranked> order = ChunkPriority.order(t, shape.targetKey(), previous, changed);
            if (order.isEmpty()) {
                return;
            }
            if (plan.addWhole(order.stream().map(ChunkPriority.Ranked::range).toList())) {
                long first = order.stream().filter(r -> r.changedKeys() > 0).count();
                log.info("{}: {} of {} chunks changed since their last verification ({} keys); verifying them first", table.target(),
                        first, order.size(), changed.size());
            }
        }
    }

    /** The main table's key a joined row's key maps onto, or null when the join names only part of it. */
    private List<String> mainKeyOf(CompiledJoin join, List<String> joinedKey) {
        List<String> mainKey = new ArrayList<>();
        for (String mainColumn : table.sourceKey()) {
            int at = -1;
            for (int i = 0; i < join.sourceKey().size(); i++) {
                if (mainColumn.equals(join.mainKeyOf().get(join.sourceKey().get(i)))) {
                    at = i;
                }
            }
            if (at < 0 || at >= joinedKey.size()) {
                return null;
            }
            mainKey.add(joinedKey.get(at));
        }
        return mainKey;
    }

    private void work(TableShape shape, Side.Mode mode, VerifyPlanner planner, ChunkQueue queue)
            throws SQLException, InterruptedException, TimeoutException {
        ExecutorService sourceThread = Executors.newSingleThreadExecutor(r -> {
            Thread thread = new Thread(r, "tandem-reconcile-source-" + table.target());
            thread.setDaemon(true);
            return thread;
        });
        try (Connection s = SessionPin.pin(legacy.connect("tandem-reconcile")); Connection t = SessionPin.pin(target.connect("tandem-reconcile"));
             ChunkClaims claims = queue == null ? null : new ChunkClaims(target.connect("tandem-reconcile-claim " + instance),
                     store.migration(), passId, table.target(), instance, CLAIM_WAIT)) {
            Side source = Side.source(shape, mode, s, t);
            Side targetSide = Side.target(shape, t);
            RowSettler settler = new RowSettler(table.target(), source, targetSide, new SourceVersions(shape, mode, s), fence,
                    settings.fenceTimeout(), settings.maxRechecks(), settings.maxHotRechecks());
            while (true) {
                if (Thread.currentThread().isInterrupted()) {
                    throw new InterruptedException("reconciler stopped while verifying " + table.target());
                }
                long mark = System.nanoTime();
                var next = claims == null ? planner.next()
                        : queue.next(claims).map(claim -> new VerifyPlanner.Chunk(claim.chunkNo(), claim.range()));
                mark = timings.since(VerifyTimings.Phase.NEXT_CHUNK, mark);
                if (next.isEmpty()) {
                    return;
                }
                if (claims != null) {
                    metrics.chunkClaimed(table.target(), next.get().number());
                }
                backOffWhileBusy(s);
                mark = timings.since(VerifyTimings.Phase.BUSY_CHECK, mark);
                VerifyPlanner.Chunk chunk = next.get();
                Long changeOffset = changes.applied(t);
                long begin = timings.since(VerifyTimings.Phase.CHANGE_OFFSET, mark);
                ChunkDigest sd;
                ChunkDigest td;
                if (mode == Side.Mode.PUSHDOWN) {
                    Future<ChunkDigest> onSource = sourceThread.submit(() -> {
                        long sent = System.nanoTime();
                        ChunkDigest digest = source.digest(KeyFilter.range(chunk.range()));
                        timings.since(VerifyTimings.Phase.SOURCE_DIGEST, sent);
                        return digest;
                    });
                    td = targetSide.digest(KeyFilter.range(chunk.range()));
                    timings.since(VerifyTimings.Phase.TARGET_DIGEST, begin);
                    sd = joined(onSource);
                } else {
                    sd = source.digest(KeyFilter.range(chunk.range()));
                    long half = timings.since(VerifyTimings.Phase.SOURCE_DIGEST, begin);
                    td = targetSide.digest(KeyFilter.range(chunk.range()));
                    timings.since(VerifyTimings.Phase.TARGET_DIGEST, half);
                }
                mark = timings.since(VerifyTimings.Phase.DIGEST_PAIR, begin);
                log.debug("{}: chunk {} {}: {} rows, digests {} ms", table.target(), chunk.number(), chunk.range(), sd.rows(),
                        (mark - begin) / 1_000_000);
                planner.observe(Math.max(sd.rows(), td.rows()), Duration.ofNanos(mark - begin));
                List<RowDrift> found = List.of();
                List<RowDrift> hot = List.of();
                if (!sd.equals(td)) {
                    // Narrow down after a fence, so rows that only lagged are equal again; the rest are suspects.
                    fence.await(settings.fenceTimeout());
                    ChunkDiffer differ = new ChunkDiffer(shape, source, targetSide, settings.leafRows(), settings.sampleCap());
                    List<RowDrift> suspects = differ.diff(chunk.range(), sd, td);
                    if (!suspects.isEmpty()) {
                        RowSettler.Outcome outcome = settler.settle(suspects);
                        found = differ.named(outcome.drift());
                        hot = outcome.unsettled();
                        if (!found.isEmpty()) {
                            log.warn("{}: {} rows drifted in chunk {} {} (of {} suspects, settled in {} fenced rechecks)", table.target(),
                                    found.size(), chunk.number(), chunk.range(), suspects.size(), outcome.rounds());
                        }
                        if (!hot.isEmpty()) {
                            log.warn("{}: {} rows in chunk {} {} unsettled: the source changed them during each of {} rechecks "
                                    + "(first: {}); they are not drift, the next pass checks them again", table.target(), hot.size(),
                                    chunk.number(), chunk.range(), settings.maxHotRechecks() + 1, hot.get(0).targetKey());
                        }
                    }
                    mark = timings.since(VerifyTimings.Phase.NARROW, mark);
                }
                finish(claims, chunk, sd, td, found, hot, changeOffset);
                timings.since(VerifyTimings.Phase.FINISH, mark);
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

    private void finish(ChunkClaims claims, VerifyPlanner.Chunk chunk, ChunkDigest sd, ChunkDigest td, List<RowDrift> found,
                        List<RowDrift> hot, Long changeOffset) throws SQLException {
        if (claims != null) {
            claims.finish(new ChunkRecord(chunk.number(), chunk.range(), true, sd.rows(), td.rows(), sd.sum(), td.sum(), found.size(),
                    hot.size(), changeOffset), found, settings.driftPerChunk());
        }
        sample(drift, found);
        sample(unsettled, hot);
        driftCount.addAndGet(found.size());
        unsettledCount.addAndGet(hot.size());
        count(sd.rows(), td.rows(), sd.sum(), td.sum());
        chunks.incrementAndGet();
        if (metrics != null) {
            metrics.compared(table.target(), sd.rows());
        }
    }

    /** Keeps rows as samples for the report, up to the sample cap. */
    private void sample(List<RowDrift> samples, List<RowDrift> rows) {
        synchronized (drift) {
            int room = Math.max(settings.sampleCap(), 0) - samples.size();
            if (room > 0) {
                samples.addAll(rows.subList(0, Math.min(room, rows.size())));
            }
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
