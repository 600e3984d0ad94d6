package dev.tandem.reconcile;

import dev.tandem.capture.PgDatabase;
import dev.tandem.reconcile.chunk.VerifyRange;
import dev.tandem.reconcile.digest.SessionPin;
import dev.tandem.reconcile.order.RecentChanges;
import dev.tandem.reconcile.store.ReconcileStore;
import dev.tandem.sync.fence.SyncFence;
import dev.tandem.sync.mapping.CompiledTable;
import dev.tandem.sync.mapping.MappingCompiler;
import dev.tandem.sync.mapping.MappingSpec;
import java.lang.management.ManagementFactory;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.concurrent.TimeoutException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Proves a migration's two sides agree: full verification passes over every mapped table (chunked, lag-aware,
 * persisted so a restart resumes), one-off diffs of a key range, and comparisons of given keys for the cutover.
 */
public final class Reconciler {

    private static final Logger log = LoggerFactory.getLogger(Reconciler.class);

    private final String migration;
    private final PgDatabase legacy;
    private final PgDatabase target;
    private final List<CompiledTable> tables;
    private final ReconcileSettings settings;
    private final SyncFence fence;
    private volatile ReconcileMetrics metrics = ReconcileMetrics.NONE;
    private volatile RecentChanges changes = RecentChanges.NONE;
    private volatile PassListener listener = PassListener.NONE;
    private volatile String instance = ManagementFactory.getRuntimeMXBean().getName();

    public Reconciler(String migration, PgDatabase legacy, PgDatabase target, List<CompiledTable> tables, ReconcileSettings settings,
                      SyncFence fence) {
        this.migration = Objects.requireNonNull(migration, "migration");
        this.legacy = Objects.requireNonNull(legacy, "legacy");
        this.target = Objects.requireNonNull(target, "target");
        this.tables = List.copyOf(tables);
        this.settings = Objects.requireNonNull(settings, "settings");
        this.fence = Objects.requireNonNull(fence, "fence");
    }

    /** Compiles {@code mapping} against both databases and builds a reconciler for it. */
    public static Reconciler forMapping(String migration, PgDatabase legacy, PgDatabase target, MappingSpec mapping,
                                        ReconcileSettings settings, SyncFence fence) throws SQLException {
        try (Connection s = legacy.connect("tandem-reconcile"); Connection t = target.connect("tandem-reconcile")) {
            return new Reconciler(migration, legacy, target, MappingCompiler.compile(mapping, s, t), settings, fence);
        }
    }

    /** Reports progress to {@code sink} from now on. */
    public Reconciler reportingTo(ReconcileMetrics sink) {
        this.metrics = Objects.requireNonNull(sink, "metrics");
        return this;
    }

    /**
     * Learns from {@code recent} which chunks changed since the previous pass verified them, so each pass verifies
     * those first (without it, passes walk each table in key order).
     */
    public Reconciler changedFirst(RecentChanges recent) {
        this.changes = Objects.requireNonNull(recent, "recent");
        return this;
    }

    /** Tells {@code passListener} how each {@link #verifyPass} advances, from now on; the metrics sink is unaffected. */
    public Reconciler listeningTo(PassListener passListener) {
        this.listener = Objects.requireNonNull(passListener, "listener");
        return this;
    }

    /**
     * Names this instance in the chunks it verifies ({@code tandem.reconcile_chunk.verified_by}) and in its claim
     * sessions' application name; by default the JVM's {@code pid@host}.
     */
    public Reconciler identifiedAs(String name) {
        if (name == null || name.isBlank()) {
            throw new IllegalArgumentException("a reconciler instance needs a non-blank name, was '" + name + "'");
        }
        this.instance = name;
        return this;
    }

    public String instance() {
        return instance;
    }

    public String migration() {
        return migration;
    }

    public List<CompiledTable> tables() {
        return tables;
    }

    public PgDatabase legacy() {
        return legacy;
    }

    public PgDatabase target() {
        return target;
    }

    public ReconcileSettings settings() {
        return settings;
    }

    public SyncFence fence() {
        return fence;
    }

    /**
     * One full pass over every table, resuming the migration's unfinished pass if a previous run stopped mid-pass, or
     * joining it when another instance runs it: the instances claim its chunks from the control schema, each chunk is
     * verified once, and every instance returns the same report, read from the stored chunks. Appends a consistency
     * record per table (once, by whichever instance sees the table's last chunk done) and the drifted rows.
     */
    public PassReport verifyPass() throws SQLException, InterruptedException, TimeoutException {
        try (Connection control = target.connect("tandem-reconcile-store")) {
            ReconcileStore store = new ReconcileStore(control, migration);
            ReconcileStore.Pass pass = store.openPass();
            log.info("{}: verification pass {} (started {}), instance {}", migration, pass.id(), pass.startedAt(), instance);
            PassListener following = listener;
            Map<String, Long> estimates = following == PassListener.NONE ? Map.of() : estimates();
            following.passStarted(pass.id(), tables.stream().map(CompiledTable::target).toList(),
                    estimates.values().stream().mapToLong(Long::longValue).sum());
            ReconcileMetrics sink = following == PassListener.NONE ? metrics : tee(metrics, following);
            List<TableReport> reports = new ArrayList<>();
            for (CompiledTable table : tables) {
                Optional<TableReport> done = store.tableRecord(pass.id(), table.target());
                if (done.isPresent()) {
                    following.tableResumed(done.get());
                    reports.add(done.get());
                    continue;
                }
                Instant started = Instant.now();
                metrics.tableStarted(table.target(), estimatedRows(table));
                following.tableStarted(table.target(), estimates.getOrDefault(table.target(), 0L));
                TableReport report = new TableVerifier(legacy, target, table, settings, fence, store, pass.id(), instance, sink, changes)
                        .verify(VerifyRange.ALL);
                store.recordTable(pass.id(), started, report);
                metrics.tableFinished(report, pass.startedAt());
                following.tableFinished(report);
                log.info("{}: {} rows in {} chunks, {} drifted, {} mode, {} s", table.target(), report.rowsCompared(), report.chunks(),
                        report.driftedRows(), report.mode(), String.format("%.1f", report.seconds()));
                reports.add(report);
            }
            PassReport result = new PassReport(pass.id(), pass.startedAt(), Instant.now(), reports);
            store.finishPass(pass.id(), result.consistent());
            return result;
        }
    }

    /** Row-level differences of one table within {@code range}, after the same fence rechecks; not a pass. */
    public TableReport diff(String targetTable, VerifyRange range) throws SQLException, InterruptedException, TimeoutException {
        CompiledTable table = table(targetTable);
        TableReport report = new TableVerifier(legacy, target, table, settings, fence, null, 0, instance, metrics, changes).verify(range);
        try (Connection control = target.connect("tandem-reconcile-store")) {
            new ReconcileStore(control, migration).recordDrift(null, report.drift());
        }
        return report;
    }

    /**
     * Compares exactly the rows with these source key values (PostgreSQL text, in {@code table.sourceKey()} order),
     * including keys whose source row is deleted; no fence and no recheck: the caller has drained the sync.
     */
    public List<RowDrift> verifyKeys(CompiledTable table, Collection<List<String>> sourceKeys) throws SQLException {
        try (Connection s = SessionPin.pin(legacy.connect("tandem-reconcile")); Connection t = SessionPin.pin(target.connect("tandem-reconcile"))) {
            return KeyVerifier.verify(table, s, t, sourceKeys, settings.sampleCap());
        }
    }

    /**
     * Connections to both sides opened (and pinned) once, for many {@link #verifyKeys} calls in a row: what a cutover
     * uses inside its write block, where opening connections would cost more than the comparison.
     */
    public final class KeySession implements AutoCloseable {

        private final Connection source;
        private final Connection targetConnection;
        private final Map<String, KeyVerifier.Prepared> prepared = new HashMap<>();

        private KeySession() throws SQLException {
            Connection s = SessionPin.pin(legacy.connect("tandem-reconcile-keys"));
            try {
                this.targetConnection = SessionPin.pin(target.connect("tandem-reconcile-keys"));
            } catch (SQLException e) {
                s.close();
                throw e;
            }
            this.source = s;
        }

        /** Loads what comparing each of the reconciler's tables needs from the catalogs, ahead of the comparisons. */
        public KeySession prepareAll() throws SQLException {
            for (CompiledTable table : tables) {
                prepared(table);
            }
            return this;
        }

        /** As {@link Reconciler#verifyKeys}, over this session's connections. */
        public List<RowDrift> verifyKeys(CompiledTable table, Collection<List<String>> sourceKeys) throws SQLException {
            return KeyVerifier.verify(prepared(table), source, targetConnection, sourceKeys, settings.sampleCap());
        }

        private KeyVerifier.Prepared prepared(CompiledTable table) throws SQLException {
            KeyVerifier.Prepared known = prepared.get(table.target());
            if (known == null || !known.table().equals(table)) {
                known = KeyVerifier.Prepared.of(table, source, targetConnection);
                prepared.put(table.target(), known);
            }
            return known;
        }

        @Override
        public void close() throws SQLException {
            try (source; targetConnection) {
                // both closed, the second even if the first fails
            }
        }
    }

    /** Opens a {@link KeySession}. */
    public KeySession openKeySession() throws SQLException {
        return new KeySession();
    }

    /** The drifted rows of {@code table} recorded by the newest pass that verified it (what a repair works from). */
    public List<RowDrift> recordedDrift(CompiledTable table) throws SQLException {
        try (Connection control = target.connect("tandem-reconcile-store")) {
            return new ReconcileStore(control, migration).latestDrift(table.target());
        }
    }

    /** The finish time of the newest full pass in which every table was consistent. */
    public static Optional<Instant> lastCleanPass(Connection target, String migration) throws SQLException {
        return ReconcileStore.lastCleanPass(target, migration);
    }

    /** The mapped table named {@code name} (target or source, {@code schema.table}, quoted parts allowed). */
    public CompiledTable table(String name) {
        String canonical = dev.tandem.capture.SqlIdentifiers.canonical(name);
        return tables.stream().filter(t -> t.target().equals(canonical) || t.source().equals(canonical)).findFirst()
                .orElseThrow(() -> new IllegalArgumentException("'" + name + "' is not a mapped table: use one of "
                        + tables.stream().map(CompiledTable::target).toList()));
    }

    /** Each table's source row estimate, for a listener that wants the whole pass's size up front. */
    private Map<String, Long> estimates() throws SQLException {
        Map<String, Long> estimates = new HashMap<>();
        for (CompiledTable table : tables) {
            estimates.put(table.target(), estimatedRows(table));
        }
        return estimates;
    }

    /** The metrics sink, with the chunk and back-off events also passed to {@code listener}. */
    private static ReconcileMetrics tee(ReconcileMetrics metrics, PassListener listener) {
        return new ReconcileMetrics() {
            @Override
            public void tableStarted(String table, long estimatedRows) {
                metrics.tableStarted(table, estimatedRows);
            }

            @Override
            public void chunkClaimed(String table, int chunkNo) {
                metrics.chunkClaimed(table, chunkNo);
                listener.chunkClaimed(table, chunkNo);
            }

            @Override
            public void compared(String table, long rows) {
                metrics.compared(table, rows);
                listener.chunkCompared(table, rows);
            }

            @Override
            public void backedOff(String table) {
                metrics.backedOff(table);
                listener.backedOff(table);
            }

            @Override
            public void tableFinished(TableReport report, Instant passStarted) {
                metrics.tableFinished(report, passStarted);
            }
        };
    }

    private long estimatedRows(CompiledTable table) throws SQLException {
        try (Connection s = legacy.connect("tandem-reconcile");
             PreparedStatement ps = s.prepareStatement("SELECT greatest(reltuples, 0)::bigint FROM pg_class WHERE oid = to_regclass(?)")) {
            ps.setString(1, dev.tandem.capture.SqlIdentifiers.quoteQualified(table.source()));
            try (ResultSet rs = ps.executeQuery()) {
                return rs.next() ? rs.getLong(1) : 0;
            }
        }
    }
}
