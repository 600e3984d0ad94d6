package dev.tandem.deploy.demo;

import dev.tandem.deploy.api.ApiTls;
import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/** {@code tandem demo}: the whole migration on an embedded stack, with a live shop writing to it, switched and back. */
@Command(name = "demo", mixinStandardHelpOptions = true,
        description = {"Starts an embedded PostgreSQL and Kafka, creates a legacy shop schema and its new schema, runs a",
                "write workload that follows the route flag, backfills and syncs, verifies, cuts over (the workload writes",
                "to the new schema, the sync runs in reverse), rolls back, and compares both schemas."},
        exitCodeListHeading = "%nExit codes:%n",
        exitCodeList = {"0:finished: switched and back (unless --no-switch), and both schemas match",
                "1:a switch was refused or aborted, the schemas did not match within --consistency-timeout, or the pipeline failed",
                "2:invalid options"})
public final class DemoCommand implements Callable<Integer> {

    private static final Duration DEFAULT_DURATION = Duration.ofSeconds(30);

    @Option(names = "--rows", defaultValue = "100000", description = "Rows in the legacy schema before the demo starts (default: ${DEFAULT-VALUE}).")
    long rows;

    @Option(names = "--write-rate", defaultValue = "200", description = "Workload transactions per second; 0 for none (default: ${DEFAULT-VALUE}).")
    int writeRate;

    @Option(names = "--duration", description = "How long the workload runs (e.g. 30s, 2m): a third before the cutover, a third on the "
            + "new schema, a third after the rollback. Default: 30s; with --no-switch, until Ctrl-C (30s with --exit-when-consistent).")
    Duration duration;

    @Option(names = "--no-switch", description = "Only backfill and stream: no cutover and rollback.")
    boolean noSwitch;

    @Option(names = "--write-block-budget", defaultValue = "1s", description = "Longest write block of the cutover and of the "
            + "rollback; past it the switch aborts and the old side reopens (default: ${DEFAULT-VALUE}).")
    Duration writeBlockBudget;

    @Option(names = "--exit-when-consistent", description = "Once the workload has stopped, wait until both schemas match, then exit 0 (1 if they do not within --consistency-timeout).")
    boolean exitWhenConsistent;

    @Option(names = "--consistency-timeout", defaultValue = "120s", description = "How long to wait for both schemas to match (default: ${DEFAULT-VALUE}).")
    Duration consistencyTimeout;

    @Option(names = "--json", description = "Print one JSON object with the results on stdout at exit; progress goes to stderr.")
    boolean json;

    @Option(names = "--work-dir", defaultValue = ".tandem/demo", description = "Where the embedded databases live; emptied at start (default: ${DEFAULT-VALUE}).")
    Path workDir;

    @Option(names = "--api-port", description = "Serve the status page (/), the HTTP API and /metrics on 127.0.0.1 at this port (0: any free port). Default: no API.")
    Integer apiPort;

    @Option(names = "--api-tls-keystore", description = "Serve the API over HTTPS (TLSv1.3/1.2) with this PKCS12 key store; "
            + "its password is read from TANDEM_API_TLS_PASSWORD. Default: plain HTTP.")
    Path apiTlsKeystore;

    @Option(names = "--progress-interval", defaultValue = "2s", description = "How often progress is printed (default: ${DEFAULT-VALUE}).")
    Duration progressInterval;

    @Override
    public Integer call() throws Exception {
        if (rows < 0 || writeRate < 0) {
            System.err.println("--rows and --write-rate cannot be negative (got " + rows + " and " + writeRate + ")");
            return 2;
        }
        if (writeBlockBudget.isNegative() || writeBlockBudget.isZero() || (duration != null && duration.isNegative())) {
            System.err.println("--write-block-budget must be positive and --duration not negative (got " + writeBlockBudget
                    + " and " + duration + ")");
            return 2;
        }
        ApiTls tls;
        try {
            tls = ApiTls.forOptions(apiTlsKeystore, apiPort);
        } catch (IllegalArgumentException e) {
            System.err.println(e.getMessage());
            return 2;
        }
        Duration runFor = duration != null ? duration : exitWhenConsistent || !noSwitch ? DEFAULT_DURATION : null;
        DemoRun run = new DemoRun(new DemoRun.Settings(rows, writeRate, runFor, consistencyTimeout, workDir, json,
                progressInterval, apiPort, tls, !noSwitch, writeBlockBudget));
        return run.execute();
    }
}
