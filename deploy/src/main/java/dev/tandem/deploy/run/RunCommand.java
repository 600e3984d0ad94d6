package dev.tandem.deploy.run;

import dev.tandem.deploy.ProgressLine;
import dev.tandem.deploy.StopSignal;
import dev.tandem.deploy.api.ApiServer;
import dev.tandem.deploy.api.ApiTls;
import dev.tandem.deploy.api.ApiToken;
import dev.tandem.deploy.lifecycle.readiness.StartChecks;
import dev.tandem.deploy.control.PausedTablesMetrics;
import dev.tandem.deploy.lifecycle.CaptureLease;
import dev.tandem.deploy.lifecycle.CaptureRole;
import dev.tandem.deploy.lifecycle.Lifecycle;
import dev.tandem.deploy.lifecycle.MigrationPhase.SyncDirection;
import dev.tandem.deploy.lifecycle.PhaseStore;
import dev.tandem.deploy.lifecycle.SyncSupervisor;
import dev.tandem.deploy.lifecycle.verify.ContinuousReconciler;
import dev.tandem.deploy.metrics.PipelineMetrics;
import dev.tandem.deploy.metrics.WriteBlockMetrics;
import dev.tandem.deploy.verify.ReconcileConfig;
import dev.tandem.embedded.EmbeddedKafka;
import dev.tandem.sync.mapping.MappingException;
import dev.tandem.sync.mapping.MappingSpec;
import dev.tandem.sync.pipeline.SlotLostException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.Callable;
import java.util.concurrent.atomic.AtomicReference;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/** {@code tandem run}: runs one migration's forward pipeline against real databases and Kafka until stopped. */
@Command(name = "run", mixinStandardHelpOptions = true,
        description = {"Runs a migration: validates its mapping, backfills the new schema when it has not been,",
                "then streams every legacy change into it until Ctrl-C / SIGTERM (or --duration).",
                "Restarting resumes where it stopped."},
        exitCodeListHeading = "%nExit codes:%n",
        exitCodeList = {"0:stopped on request", "1:the pipeline failed (the message says why and what to do)",
                "2:the config or the mapping is invalid"})
public final class RunCommand implements Callable<Integer> {

    @Option(names = "--config", required = true, description = "The migration config (YAML); see docs/running.md.")
    Path config;

    @Option(names = "--duration", description = "Stop after this long (e.g. 10m). Default: until Ctrl-C or SIGTERM.")
    Duration duration;

    @Option(names = "--rebackfill", description = "Drop the replication slot and copy the tables again: the way out when the slot was invalidated.")
    boolean rebackfill;

    @Option(names = "--api-port", description = "Serve the status page (/), the HTTP API and /metrics on this port (0: any free port). Default: no API.")
    Integer apiPort;

    @Option(names = "--api-host", defaultValue = "127.0.0.1", description = "Address the API binds to (default: ${DEFAULT-VALUE}, loopback only).")
    String apiHost;

    @Option(names = "--api-tls-keystore", description = "Serve the API over HTTPS (TLSv1.3/1.2) with this PKCS12 key store; "
            + "its password is read from TANDEM_API_TLS_PASSWORD. Default: plain HTTP.")
    Path apiTlsKeystore;

    @Option(names = "--api-token-file", description = "File holding the bearer token for mutating API calls (default: TANDEM_API_TOKEN).")
    Path apiTokenFile;

    @Option(names = "--apply-only", description = "Join a per-key migration another `tandem run` backfills and captures, "
            + "with this instance's appliers only (sync.workers of them).")
    boolean applyOnly;

    @Option(names = "--progress-interval", defaultValue = "10s", description = "How often progress is printed (default: ${DEFAULT-VALUE}).")
    Duration progressInterval;

    private static final Duration FOLLOW_INTERVAL = Duration.ofMillis(300);
    private static final Duration REBACKFILL_LEASE_PATIENCE = Duration.ofSeconds(10);

    /** With {@code kafka: embedded}, the single-node broker this run keeps its change log in; null otherwise. */
    private static EmbeddedKafka startKafka(MigrationConfig migration) {
        if (migration.embeddedKafka() == null) {
            return null;
        }
        int port = Integer.parseInt(migration.bootstrapServers().substring(migration.bootstrapServers().indexOf(':') + 1));
        try {
            EmbeddedKafka kafka = EmbeddedKafka.startDurable(migration.embeddedKafka(), port);
            System.out.println("embedded Kafka at " + kafka.bootstrapServers() + ", data in " + migration.embeddedKafka());
            return kafka;
        } catch (RuntimeException e) {
            throw new IllegalStateException("cannot start the embedded Kafka broker (kafka: embedded) at "
                    + migration.bootstrapServers() + " with data in " + migration.embeddedKafka() + ": " + e.getMessage()
                    + "; free ports " + port + " and " + (port + 1) + " (or set kafka.bootstrap: 127.0.0.1:OTHER_PORT), "
                    + "and make sure no other tandem run uses that directory", e);
        }
    }

    /** What this instance is, for {@code GET …/status} and {@code GET /readyz}. */
    private static Map<String, Object> instanceView(CaptureLease lease, SyncSupervisor supervisor) {
        Map<String, Object> view = new LinkedHashMap<>();
        view.put("instance", lease.instance());
        view.put("role", supervisor.role().label());
        view.put("ready", lease.healthy());
        return view;
    }

    private static void announce(SyncSupervisor supervisor, CaptureLease lease, ReconcileConfig reconcile) {
        String verifying = reconcile.continuous() ? "; verifying every " + reconcile.pause().toSeconds() + " s between passes" : "";
        if (supervisor.role() == CaptureRole.LEADER) {
            System.out.println("streaming; stop with Ctrl-C (sync direction: " + supervisor.direction().name().toLowerCase()
                    + ", capture leader: instance " + lease.instance() + ")" + verifying);
        } else {
            System.out.println("standing by for the capture role (instance " + lease.instance() + ", sync direction: "
                    + supervisor.direction().name().toLowerCase() + "); stop with Ctrl-C" + verifying);
        }
    }

    @Override
    public Integer call() throws Exception {
        Optional<LoadedMigration> loaded = LoadedMigration.load(config, System.err);
        if (loaded.isEmpty()) {
            return LoadedMigration.INVALID;
        }
        MigrationConfig migration = loaded.get().config();
        MappingSpec mapping = loaded.get().mapping();
        ReconcileConfig reconcile;
        try {
            reconcile = ReconcileConfig.load(config);
        } catch (IllegalArgumentException e) {
            System.err.println(e.getMessage());
            return 2;
        }
        Lifecycle lifecycle = new Lifecycle(migration, mapping, reconcile);
        if (applyOnly) {
            return ApplyOnlyRun.run(lifecycle.forwardConfig(), duration);
        }
        ApiTls tls;
        try {
            tls = ApiTls.forOptions(apiTlsKeystore, apiPort);
        } catch (IllegalArgumentException e) {
            System.err.println(e.getMessage());
            return 2;
        }
        AtomicReference<ContinuousReconciler> verification = new AtomicReference<>();
        System.out.println("tandem run: " + migration);
        PhaseStore phases = lifecycle.phases();
        EmbeddedKafka kafka;
        try {
            kafka = startKafka(migration);
        } catch (IllegalStateException e) {
            System.err.println(e.getMessage());
            return 2;
        }
        List<String> refusals = StartChecks.refusals(migration, apiHost, apiPort,
                warning -> System.out.println("warning: " + warning));
        if (!refusals.isEmpty()) {
            refusals.forEach(r -> System.err.println("cannot start migration " + migration.migration() + ": " + r));
            if (kafka != null) {
                kafka.close();
            }
            return 2;
        }
        try (EmbeddedKafka ownBroker = kafka;
             StopSignal stop = StopSignal.install();
             CaptureLease lease = CaptureLease.forThisProcess(migration.target(), migration.migration());
             SyncSupervisor supervisor = lifecycle.supervise(lease);
             PipelineMetrics metrics = new PipelineMetrics(migration.migration(), supervisor::active,
                     () -> supervisor.direction().name().toLowerCase(), lifecycle.slotRetention())
                     .bind(new WriteBlockMetrics(phases))
                     .bind(new PausedTablesMetrics(migration.migration(), migration.target()));
             ApiServer api = apiPort == null ? null : new ApiServer(migration.migration(), apiHost, apiPort, migration.target(),
                     ApiToken.load(apiTokenFile, System.getenv("TANDEM_API_TOKEN")), metrics::scrape, verification::get, tls)
                     .withInstance(() -> instanceView(lease, supervisor))) {
            if (api != null) {
                System.out.println("status page, API and metrics at " + api.uri() + " (status: " + api.uri() + "api/v1/migrations/"
                        + migration.migration() + "/status, route: " + api.uri() + "api/v1/migrations/"
                        + migration.migration() + "/route, metrics: " + api.uri() + "metrics)");
            }
            ProgressLine progress = new ProgressLine(System.out, supervisor::active,
                    () -> supervisor.direction().name().toLowerCase(), 0, () -> "");
            progress.startPrinting(progressInterval);
            try {
                lease.start();
                if (rebackfill) {
                    if (!lease.awaitLeader(REBACKFILL_LEASE_PATIENCE)) {
                        System.err.println("migration " + migration.migration() + ": --rebackfill needs the capture role, "
                                + "which another `tandem run` instance holds (see `tandem status`); stop the other instances "
                                + "or run --rebackfill in the one that leads");
                        return 1;
                    }
                    supervisor.adopt(SyncDirection.FORWARD, lifecycle.rebackfill(lifecycle.forwardPipeline()));
                }
                supervisor.follow();
                verification.set(lifecycle.verify(metrics.reconcileGauges(), supervisor::direction));
                announce(supervisor, lease, reconcile);
                long deadline = duration == null ? Long.MAX_VALUE : System.nanoTime() + duration.toNanos();
                CaptureRole announced = supervisor.role();
                while (supervisor.failure() == null && System.nanoTime() < deadline && !stop.await(FOLLOW_INTERVAL)) {
                    supervisor.follow(); // a cutover or rollback (from any process) turns the sync around
                    if (supervisor.role() != announced) {
                        announced = supervisor.role();
                        announce(supervisor, lease, reconcile);
                    }
                }
            } catch (MappingException e) {
                System.err.println(e.getMessage());
                return 2;
            } catch (SlotLostException e) {
                System.err.println(e.getMessage());
                return 1;
            } finally {
                progress.stop();
                if (verification.get() != null) {
                    verification.get().close();
                }
            }
            if (supervisor.failure() != null) {
                System.err.println("migration " + migration.migration() + " stopped: " + supervisor.failure().getMessage());
                return 1;
            }
            System.out.println("stopping: capture and applier flush their positions; run again to resume");
            return 0;
        } catch (MappingException e) {
            System.err.println(e.getMessage());
            return 2;
        } catch (IllegalStateException e) {
            System.err.println("migration " + migration.migration() + " cannot start: " + e.getMessage());
            return 1;
        }
    }
}
