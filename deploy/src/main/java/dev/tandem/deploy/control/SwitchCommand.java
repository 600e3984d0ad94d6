package dev.tandem.deploy.control;

import com.fasterxml.jackson.databind.ObjectMapper;
import dev.tandem.deploy.lifecycle.Lifecycle;
import dev.tandem.deploy.lifecycle.switchover.SwitchOutcome;
import dev.tandem.deploy.lifecycle.switchover.SwitchReport;
import dev.tandem.deploy.lifecycle.switchover.SwitchSettings;
import dev.tandem.deploy.run.LoadedMigration;
import dev.tandem.deploy.run.MigrationConfig;
import dev.tandem.deploy.verify.ReconcileConfig;
import dev.tandem.sync.mapping.MappingSpec;
import java.nio.file.Path;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * {@code tandem cutover} and {@code tandem rollback}: runs one switch against a migration whose {@code tandem run}
 * is streaming, and prints the gates, the write block per phase and the outcome.
 */
public abstract class SwitchCommand implements Callable<Integer> {

    @Option(names = "--config", required = true, description = "The migration config (YAML, as for `tandem run`).")
    Path config;

    @Option(names = "--dry-run", description = "Run the gates and print the plan; block nothing.")
    boolean dryRun;

    @Option(names = "--json", description = "Print the report as one JSON object on stdout.")
    boolean json;

    @Option(names = "--budget", description = "Longest write block before the switch aborts (default: 1s).")
    Duration budget;

    @Option(names = "--max-lag", description = "The sync must apply a fence within this (default: 5s).")
    Duration maxLag;

    @Option(names = "--max-verification-age", description = "Newest clean `tandem verify` pass at most this old (default: 30m).")
    Duration maxVerificationAge;

    @Option(names = "--sequence-margin", description = {"Set the opening side's sequences this far past the largest key "
            + "in their", "columns (default: 1000; 0 = just past it)."})
    Long sequenceMargin;

    @Option(names = "--require-ready", description = {"Refuse a cutover while `tandem check`'s readiness warns (unmapped",
            "legacy tables, legacy indexes without a counterpart); by default the gate lists them and passes."})
    boolean requireReady;

    @Option(names = "--actor", description = "Who runs the switch, for the audit log (default: $USER).")
    String actor;

    @Option(names = "--hook", description = {"Shell command run after the route flips (after the write block), with",
            "TANDEM_MIGRATION, TANDEM_OPERATION and TANDEM_ROUTE set; its exit code goes to the audit log."})
    String hook;

    abstract SwitchReport run(Lifecycle lifecycle, SwitchSettings settings, String actor, boolean dryRun) throws Exception;

    @Override
    public Integer call() throws Exception {
        Optional<LoadedMigration> loaded = LoadedMigration.load(config, System.err);
        if (loaded.isEmpty()) {
            return LoadedMigration.INVALID;
        }
        MigrationConfig migration = loaded.get().config();
        MappingSpec mapping = loaded.get().mapping();
        SwitchSettings settings;
        try {
            settings = new SwitchSettings(budget == null ? SwitchSettings.DEFAULT_BUDGET : budget,
                    maxLag == null ? SwitchSettings.DEFAULT_MAX_LAG : maxLag,
                    maxVerificationAge == null ? SwitchSettings.DEFAULT_MAX_VERIFICATION_AGE : maxVerificationAge,
                    SwitchSettings.DEFAULT_ROUND_TRIP_SAMPLE,
                    sequenceMargin == null ? SwitchSettings.DEFAULT_SEQUENCE_MARGIN : sequenceMargin, requireReady);
        } catch (IllegalArgumentException e) {
            System.err.println(e.getMessage());
            return 2;
        }
        SwitchReport report;
        try {
            Lifecycle lifecycle = new Lifecycle(migration, mapping, ReconcileConfig.load(config));
            report = run(lifecycle, settings, actor(), dryRun);
        } catch (IllegalArgumentException | IllegalStateException | java.sql.SQLException e) {
            return failed(e, e instanceof IllegalArgumentException ? 2 : 1);
        }
        print(report);
        return report.switched() || (dryRun && report.outcome() == SwitchOutcome.PLANNED) ? 0 : 1;
    }

    /** A switch that could not run: said in the normal output (one JSON object with --json), with the fix. */
    private int failed(Exception e, int exit) throws Exception {
        String fix = e instanceof java.sql.SQLException ? "check that both databases answer (`tandem check`) and retry"
                : "see the message";
        if (json) {
            Map<String, Object> body = new LinkedHashMap<>();
            body.put("operation", getClass().getSimpleName().toLowerCase());
            body.put("outcome", "failed");
            body.put("message", e.getMessage());
            body.put("fix", fix);
            System.out.println(new ObjectMapper().writeValueAsString(body));
        } else {
            System.err.println(e.getMessage() + (e instanceof java.sql.SQLException ? "; " + fix : ""));
        }
        return exit;
    }

    private String actor() {
        return actor != null ? actor : System.getProperty("user.name", "unknown");
    }

    private void print(SwitchReport report) throws Exception {
        if (json) {
            Map<String, Object> body = new LinkedHashMap<>();
            body.put("operation", report.operation().label());
            body.put("outcome", report.outcome().label());
            body.put("gates", report.gates().stream().map(g -> Map.of("gate", g.gate(), "passed", g.passed(),
                    "detail", g.detail())).toList());
            body.put("write_block_ms", report.blockMillis());
            body.put("phase_ms", report.phaseMillis());
            body.put("reverified_rows", report.reverified());
            body.put("message", report.message());
            System.out.println(new ObjectMapper().writeValueAsString(body));
            return;
        }
        report.gates().forEach(g -> System.out.println("  " + g));
        if (!report.phaseMillis().isEmpty()) {
            System.out.println("  write block " + report.blockMillis() + " ms: " + report.phaseMillis());
        }
        System.out.println(report.message());
    }

    /** {@code tandem cutover}. */
    @Command(name = "cutover", mixinStandardHelpOptions = true,
            description = {"Switches the application from the legacy schema to the new one: gates, a write block of at most",
                    "--budget, then reverse sync (new → legacy) so a rollback loses nothing. See docs/runbook.md."},
            exitCodeListHeading = "%nExit codes:%n",
            exitCodeList = {"0:switched (with --dry-run: every gate passed)",
                    "1:refused by a gate, aborted (legacy writes reopened), or another operation is in progress",
                    "2:invalid options, config or mapping"})
    public static final class Cutover extends SwitchCommand {
        @Override
        SwitchReport run(Lifecycle lifecycle, SwitchSettings settings, String actor, boolean dryRun) throws Exception {
            return lifecycle.cutover(settings, actor, hook, dryRun);
        }
    }

    /** {@code tandem rollback}. */
    @Command(name = "rollback", mixinStandardHelpOptions = true,
            description = {"Switches the application back from the new schema to the legacy one, the same protocol as",
                    "cutover in the other direction; forward sync then resumes where it stopped. See docs/runbook.md."},
            exitCodeListHeading = "%nExit codes:%n",
            exitCodeList = {"0:switched back (with --dry-run: every gate passed)",
                    "1:refused, aborted (new-side writes reopened), or another operation is in progress",
                    "2:invalid options, config or mapping"})
    public static final class Rollback extends SwitchCommand {
        @Override
        SwitchReport run(Lifecycle lifecycle, SwitchSettings settings, String actor, boolean dryRun) throws Exception {
            return lifecycle.rollback(settings, actor, hook, dryRun);
        }
    }
}
