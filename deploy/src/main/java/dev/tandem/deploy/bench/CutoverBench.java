package dev.tandem.deploy.bench;

import dev.tandem.capture.PgDatabase;
import dev.tandem.deploy.lifecycle.PhaseStore;
import dev.tandem.deploy.lifecycle.MigrationPhase;
import dev.tandem.deploy.lifecycle.SyncSupervisor;
import dev.tandem.deploy.lifecycle.switchover.Gates;
import dev.tandem.deploy.lifecycle.switchover.KeyVerifier;
import dev.tandem.deploy.lifecycle.switchover.ReconcilerKeys;
import dev.tandem.deploy.lifecycle.Sides;
import dev.tandem.deploy.lifecycle.switchover.SwitchReport;
import dev.tandem.deploy.lifecycle.switchover.SwitchSettings;
import dev.tandem.deploy.lifecycle.switchover.Switchover;
import dev.tandem.reconcile.ReconcileSettings;
import dev.tandem.reconcile.Reconciler;
import dev.tandem.sync.fence.SourceFence;
import dev.tandem.sync.mapping.CompiledTable;
import dev.tandem.sync.mapping.MappingCompiler;
import dev.tandem.sync.mapping.MappingParser;
import dev.tandem.sync.mapping.MappingSpec;
import dev.tandem.sync.mapping.ReverseMapping;
import dev.tandem.sync.pipeline.Pipeline;
import dev.tandem.sync.pipeline.PipelineConfig;
import java.io.StringReader;
import java.sql.Connection;
import java.sql.Statement;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The cutover part: {@code cycles} cutovers and rollbacks in turn while an application writes {@code rate}
 * transactions per second through the route; reports the write block of each.
 */
final class CutoverBench {

    private static final Logger log = LoggerFactory.getLogger(CutoverBench.class);
    private static final String MAPPING = """
            tables:
              - target: app.account
                from: legacy.account a
                key:
                  id: a.id
                columns:
                  owner_name: a.owner
                  balance_cents: (a.balance * 100)::bigint
                reverse:
                  as: n
                  columns:
                    id: n.id
                    owner: n.owner_name
                    balance: (n.balance_cents / 100.0)::numeric(12,2)
            """;

    /** Which application writes during the switches. */
    enum Application {
        /** {@code rate} single-row updates per second on one table ({@link RouteWorkload}). */
        ROUTE,
        /** pgbench's TPC-B transaction over four tables as fast as the machine allows ({@link PgbenchWorkload}). */
        PGBENCH;

        static Application parse(String name) {
            try {
                return valueOf(name.toUpperCase(java.util.Locale.ROOT));
            } catch (IllegalArgumentException e) {
                throw new IllegalArgumentException("--cutover-workload " + name + ": choose route or pgbench", e);
            }
        }
    }

    /** The figures of one part run: each switch's report in order, and the rate the application achieved. */
    record Result(int rate, List<SwitchReport> cutovers, List<SwitchReport> rollbacks, double achievedTxPerSecond,
                  long refusedWrites) {
    }

    private final BenchServers servers;
    private final int cycles;
    private final int rate;

    private final Application application;

    CutoverBench(BenchServers servers, int cycles, int rate) {
        this(servers, cycles, rate, Application.ROUTE);
    }

    CutoverBench(BenchServers servers, int cycles, int rate, Application application) {
        this.servers = servers;
        this.cycles = cycles;
        this.rate = rate;
        this.application = application;
    }

    Result run() throws Exception {
        PgDatabase legacy = servers.sourceDatabase("bench_cutover_legacy");
        PgDatabase newDb = servers.targetDatabase("bench_cutover_new");
        boolean pgbench = application == Application.PGBENCH;
        try (Connection l = legacy.connect("bench"); Statement st = l.createStatement()) {
            for (String sql : pgbench ? PgbenchWorkload.legacySchema() : List.of("CREATE SCHEMA legacy",
                    "CREATE TABLE legacy.account (id bigint PRIMARY KEY, owner text NOT NULL, balance numeric(12,2) NOT NULL)",
                    "INSERT INTO legacy.account SELECT g, 'owner ' || g, g FROM generate_series(1, 10000) g")) {
                st.execute(sql);
            }
        }
        try (Connection n = newDb.connect("bench"); Statement st = n.createStatement()) {
            for (String sql : pgbench ? PgbenchWorkload.newSchema() : List.of("CREATE SCHEMA app",
                    "CREATE TABLE app.account (id bigint PRIMARY KEY, owner_name text NOT NULL, balance_cents bigint NOT NULL)")) {
                st.execute(sql);
            }
        }
        String migration = "bench_cutover";
        MappingSpec mapping = MappingParser.parse("bench-cutover.yaml", new StringReader(pgbench ? PgbenchWorkload.mapping() : MAPPING));
        String kafka = servers.bootstrapServers();
        PhaseStore store = new PhaseStore(migration, newDb);
        try (SyncSupervisor follower = new SyncSupervisor(store,
                () -> new Pipeline(new PipelineConfig(migration, legacy, newDb, mapping, kafka)),
                () -> new Pipeline(new PipelineConfig(Sides.reverseName(migration), newDb, legacy,
                        ReverseMapping.of(mapping), kafka)))) {
            follower.follow();
            ScheduledExecutorService following = Executors.newSingleThreadScheduledExecutor();
            following.scheduleWithFixedDelay(() -> {
                try {
                    follower.follow();
                } catch (Exception e) {
                    log.error("bench cutover: the sync could not change direction: {}", e.getMessage(), e);
                }
            }, 100, 100, TimeUnit.MILLISECONDS);
            Sides sides = sides(migration, legacy, newDb, kafka, mapping);
            Reconciler reconciler = new Reconciler(migration, legacy, newDb, sides.forward(), ReconcileSettings.DEFAULTS,
                    new SourceFence(migration, legacy, newDb));
            // Proven equal before the application starts: the switches re-verify what changes from then on.
            if (!reconciler.verifyPass().consistent()) {
                throw new IllegalStateException("the sides differ before the first cutover; the bench cannot proceed");
            }
            try (Workload workload = pgbench ? new PgbenchWorkload(store, legacy, newDb) : new RouteWorkload(store, legacy, newDb, rate)) {
                KeyVerifier verifier = new ReconcilerKeys(reconciler);
                Gates gates = new Gates(sides, SwitchSettings.DEFAULTS, () -> Optional.of(Instant.now()));
                Switchover switchover = new Switchover(sides, SwitchSettings.DEFAULTS, verifier, gates, "bench");
                List<SwitchReport> cutovers = new ArrayList<>();
                List<SwitchReport> rollbacks = new ArrayList<>();
                long started = System.nanoTime();
                long writesAtStart = workload.committed();
                // An aborted switch is recorded and tried again (up to the cycle count more), so each cycle ends where
                // it started: legacy live.
                int attempts = 0;
                for (int cycle = 1; cycle <= cycles && attempts < 3 * cycles; cycle++) {
                    do {
                        attempts++;
                        cutovers.add(switchover.cutover(false));
                    } while (!last(cutovers).switched() && attempts < 3 * cycles);
                    awaitDirection(follower, MigrationPhase.SyncDirection.REVERSE);
                    new SourceFence(Sides.reverseName(migration), newDb, legacy).await(Duration.ofSeconds(120));
                    do {
                        attempts++;
                        rollbacks.add(switchover.rollback(false));
                    } while (!last(rollbacks).switched() && attempts < 3 * cycles);
                    awaitDirection(follower, MigrationPhase.SyncDirection.FORWARD);
                    new SourceFence(migration, legacy, newDb).await(Duration.ofSeconds(120));
                    log.info("bench cutover: cycle {}/{}: cutover {} ms ({}), rollback {} ms ({})", cycle, cycles,
                            last(cutovers).blockMillis(), last(cutovers).outcome(), last(rollbacks).blockMillis(),
                            last(rollbacks).outcome());
                }
                double seconds = (System.nanoTime() - started) / 1e9;
                return new Result(rate, cutovers, rollbacks, (workload.committed() - writesAtStart) / seconds,
                        workload.refused());
            } finally {
                following.shutdown();
                following.awaitTermination(30, TimeUnit.SECONDS);
            }
        }
    }

    private static SwitchReport last(List<SwitchReport> reports) {
        return reports.get(reports.size() - 1);
    }

    private static void awaitDirection(SyncSupervisor follower, MigrationPhase.SyncDirection direction)
            throws InterruptedException {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(120);
        while (follower.direction() != direction) {
            if (System.nanoTime() > deadline) {
                throw new IllegalStateException("the sync did not turn " + direction + " within 120 s");
            }
            Thread.sleep(50);
        }
    }

    private static Sides sides(String migration, PgDatabase legacy, PgDatabase newDb, String kafka, MappingSpec mapping)
            throws Exception {
        try (Connection l = legacy.connect("bench"); Connection n = newDb.connect("bench")) {
            List<CompiledTable> forward = MappingCompiler.compile(mapping, l, n);
            List<CompiledTable> reverse = MappingCompiler.compile(ReverseMapping.of(mapping), n, l);
            return new Sides(migration, legacy, newDb, kafka, forward, reverse);
        }
    }

    /** Per phase of the write block (fence, drain, verify, switch), the median and maximum over switches that went through. */
    static Map<String, Map<String, Long>> phases(List<SwitchReport> reports) {
        Map<String, Map<String, Long>> phases = new java.util.LinkedHashMap<>();
        List<SwitchReport> switched = reports.stream().filter(SwitchReport::switched).toList();
        for (String phase : List.of("fence", "drain", "verify", "switch")) {
            List<Long> millis = switched.stream().map(r -> r.phaseMillis().getOrDefault(phase, 0L)).sorted().toList();
            if (!millis.isEmpty()) {
                phases.put(phase, Map.of("median_ms", millis.get(millis.size() / 2), "max_ms", millis.get(millis.size() - 1)));
            }
        }
        return phases;
    }

    Application application() {
        return application;
    }

    /** Median and maximum write block of switches that went through; aborted ones are counted apart. */
    static Map<String, Object> summary(List<SwitchReport> reports) {
        List<Long> blocks = reports.stream().filter(SwitchReport::switched).map(SwitchReport::blockMillis).sorted().toList();
        long aborted = reports.stream().filter(r -> !r.switched()).count();
        return Map.of("median_ms", blocks.isEmpty() ? -1 : blocks.get(blocks.size() / 2),
                "max_ms", blocks.isEmpty() ? -1 : blocks.get(blocks.size() - 1), "switched", blocks.size(),
                "aborted", aborted);
    }
}
