package dev.tandem.sync.backfill;

import dev.tandem.capture.PgDatabase;
import dev.tandem.sync.control.ControlSchema;
import dev.tandem.sync.mapping.CompiledTable;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Queue;
import java.util.Set;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.atomic.AtomicReference;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Copies the mapped tables into the new schema in key-range chunks: plans each table once per
 * generation (emptying its target in the same transaction), then lets several workers copy the
 * chunks not yet recorded as copied, throttled by a shared row budget and the source's load.
 *
 * <p>Every worker imports the same exported snapshot, so all chunks show one instant of the
 * source. A resumed backfill reads the chunks left under a new snapshot, after the change log
 * was applied up to exactly that snapshot, and merges them into what the target holds (see
 * {@code docs/backfill.md}).
 */
public final class Backfill {

    private static final Logger log = LoggerFactory.getLogger(Backfill.class);

    private final String migration;
    private final PgDatabase source;
    private final PgDatabase target;
    private final int workers;
    private final BackfillSettings settings;
    private final BackfillProgress progress;
    private final SourceLoad load;
    private final RowBudget budget;

    public Backfill(String migration, PgDatabase source, PgDatabase target, int workers, BackfillSettings settings,
                    BackfillProgress progress, SourceLoad load) {
        this.migration = migration;
        this.source = source;
        this.target = target;
        this.workers = workers;
        this.settings = settings;
        this.progress = progress;
        this.load = load;
        this.budget = new RowBudget(settings.rowsPerSecond());
    }

    /**
     * Plans the tables that have no plan in {@code generation} yet and copies every pending chunk.
     *
     * @param snapshotName the exported snapshot to read under, or null to read the latest committed state
     * @param snapshotLsn  the snapshot's position, recorded with every chunk copied
     * @param merge        upsert into rows the target may hold already (a resumed backfill) instead of COPY
     * @return rows copied by this call
     */
    public long run(List<CompiledTable> tables, int generation, String snapshotName, String snapshotLsn, boolean merge)
            throws SQLException, InterruptedException {
        long started = System.nanoTime();
        Map<String, CompiledTable> byTarget = new HashMap<>();
        Map<String, List<String>> keyTypes = new HashMap<>();
        List<Chunk> pending;
        try (Connection dst = target.connectAsSyncWriter("tandem-backfill-" + migration);
             Connection src = openSource(snapshotName)) {
            ControlSchema.ensure(dst);
            ChunkLedger.forgetOtherGenerations(dst, migration, generation);
            Set<String> planned = ChunkLedger.plannedTables(dst, migration, generation);
            Map<CompiledTable, List<Chunk>> plans = new LinkedHashMap<>();
            for (CompiledTable table : tables) {
                byTarget.put(table.target(), table);
                keyTypes.put(table.target(), CopyPlanner.keyTypes(src, table));
                if (!planned.contains(table.target())) {
                    plans.put(table, CopyPlanner.plan(src, table, settings.chunkRows()));
                }
            }
            savePlans(dst, plans, generation);
            if (!src.getAutoCommit()) {
                src.commit();
            }
            ChunkLedger.tables(dst, migration, generation).forEach(progress::plan);
            pending = ChunkLedger.pending(dst, migration, generation);
        }
        for (Chunk chunk : pending) {
            if (!byTarget.containsKey(chunk.targetTable())) {
                throw new SQLException("migration " + migration + " has a pending backfill chunk of " + chunk.targetTable()
                        + ", which the mapping no longer has; run with --rebackfill to copy the current mapping anew");
            }
        }
        long rows = copyAll(pending, byTarget, keyTypes, generation, snapshotName, snapshotLsn, merge);
        progress.finished();
        double seconds = (System.nanoTime() - started) / 1e9;
        log.info("migration {}: backfill copied {} rows in {} chunks in {} s ({} rows/s)", migration, rows, pending.size(),
                String.format("%.2f", seconds), Math.round(rows / Math.max(seconds, 1e-3)));
        return rows;
    }

    /** Stores the new plans in one transaction that also empties their target tables (one TRUNCATE for all). */
    private void savePlans(Connection dst, Map<CompiledTable, List<Chunk>> plans, int generation) throws SQLException {
        if (plans.isEmpty()) {
            return;
        }
        boolean autoCommit = dst.getAutoCommit();
        dst.setAutoCommit(false);
        try (PreparedStatement forget = dst.prepareStatement(
                     "DELETE FROM tandem.backfill WHERE migration = ? AND target_table = ?")) {
            TargetTruncation.truncate(dst, plans.keySet().stream().map(CompiledTable::target).distinct().toList());
            for (Map.Entry<CompiledTable, List<Chunk>> plan : plans.entrySet()) {
                CompiledTable table = plan.getKey();
                forget.setString(1, migration);
                forget.setString(2, table.target());
                forget.executeUpdate();
                ChunkLedger.savePlan(dst, migration, generation, plan.getValue());
            }
            dst.commit();
        } catch (SQLException e) {
            dst.rollback();
            throw e;
        } finally {
            dst.setAutoCommit(autoCommit);
        }
        plans.forEach((table, chunks) -> log.info("backfill {} → {}: {} chunks of about {} rows", table.source(),
                table.target(), chunks.size(), chunks.get(0).estimatedRows()));
    }

    private long copyAll(List<Chunk> pending, Map<String, CompiledTable> byTarget, Map<String, List<String>> keyTypes,
                         int generation, String snapshotName, String snapshotLsn, boolean merge)
            throws SQLException, InterruptedException {
        if (pending.isEmpty()) {
            return 0;
        }
        Queue<Chunk> queue = new ConcurrentLinkedQueue<>(pending);
        AtomicReference<Exception> failure = new AtomicReference<>();
        ChunkCopier copier = new ChunkCopier(migration, generation, snapshotLsn, merge);
        int threads = Math.min(workers, pending.size());
        ExecutorService pool = Executors.newFixedThreadPool(threads, r -> new Thread(r, "tandem-backfill-" + migration));
        List<Future<Long>> results = new ArrayList<>();
        try {
            for (int i = 0; i < threads; i++) {
                results.add(pool.submit(() -> work(queue, failure, copier, byTarget, keyTypes, snapshotName)));
            }
            long rows = 0;
            for (Future<Long> result : results) {
                rows += result.get();
            }
            return rows;
        } catch (ExecutionException e) {
            Throwable cause = e.getCause();
            if (cause instanceof InterruptedException interrupted) {
                throw interrupted;
            }
            int left = queue.size();
            throw new SQLException("backfill of migration " + migration + " failed: " + cause.getMessage() + "; chunks "
                    + "already copied are kept: fix the cause and restart to copy the rest (" + left + " not started)",
                    cause);
        } finally {
            pool.shutdownNow();
        }
    }

    /** One worker: its own source session (importing the snapshot) and target session, chunk after chunk. */
    private long work(Queue<Chunk> queue, AtomicReference<Exception> failure, ChunkCopier copier,
                      Map<String, CompiledTable> byTarget, Map<String, List<String>> keyTypes, String snapshotName)
            throws Exception {
        long rows = 0;
        try (Connection src = openSource(snapshotName);
             Connection dst = target.connectAsSyncWriter("tandem-backfill-" + migration)) {
            dst.setAutoCommit(false);
            Chunk chunk;
            while (failure.get() == null && (chunk = queue.poll()) != null) {
                load.awaitCapacity();
                String table = chunk.targetTable();
                long[] streamed = {0};
                try {
                    long copied = copier.copy(src, dst, byTarget.get(table), keyTypes.get(table), chunk, batch -> {
                                streamed[0] += batch;
                                progress.copying(table, batch);
                                budget.take(batch);
                            });
                    progress.chunkDone(chunk, copied);
                    rows += copied;
                    log.debug("backfill {}: {} rows", chunk, copied);
                } catch (Exception e) {
                    progress.chunkFailed(chunk, streamed[0]);
                    Exception named = e instanceof InterruptedException ? e
                            : new SQLException(chunk + ": " + e.getMessage(), e);
                    failure.compareAndSet(null, named);
                    throw named;
                }
            }
            if (!src.getAutoCommit()) {
                src.commit();
            }
        }
        return rows;
    }

    /**
     * A source session for reading: inside a REPEATABLE READ transaction importing {@code snapshotName},
     * or, without a snapshot, in autocommit so each chunk's COPY reads the latest committed state.
     */
    private Connection openSource(String snapshotName) throws SQLException {
        Connection src = source.connect("tandem-backfill-" + migration);
        try {
            src.setAutoCommit(false);
            try (Statement st = src.createStatement()) {
                st.execute("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ, READ ONLY");
                if (snapshotName != null) {
                    st.execute("SET TRANSACTION SNAPSHOT '" + snapshotName.replace("'", "''") + "'");
                }
            }
            if (snapshotName == null) {
                src.commit();
                src.setAutoCommit(true);
            }
            return src;
        } catch (SQLException e) {
            src.close();
            throw new SQLException("cannot open a backfill session on " + source
                    + (snapshotName == null ? "" : " under snapshot " + snapshotName) + ": " + e.getMessage(),
                    e.getSQLState(), e);
        }
    }
}
