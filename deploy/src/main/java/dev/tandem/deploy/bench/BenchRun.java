package dev.tandem.deploy.bench;

import dev.tandem.deploy.bench.BenchSettings.Part;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/** One {@code tandem bench}: starts the servers, runs the selected parts in order, and prints the report. */
final class BenchRun {

    private static final Logger log = LoggerFactory.getLogger(BenchRun.class);

    /** A part whose figures are a measurement of something; a failed one makes the exit code 1. */
    @FunctionalInterface
    private interface PartBody {
        void run() throws Exception;
    }

    private final BenchSettings settings;
    private final boolean json;
    private final Path out;
    private boolean failed;

    BenchRun(BenchSettings settings, boolean json, Path out) {
        this.settings = settings;
        this.json = json;
        this.out = out;
    }

    int execute() throws Exception {
        Instant startedAt = Instant.now();
        BenchReport report;
        try (ResourceMeter meter = ResourceMeter.start();
             BenchServers servers = BenchServers.start(settings.workDir())) {
            report = new BenchReport(settings, Machine.describe(servers.postgresVersion()), startedAt);
            if (settings.runs(Part.SYNC)) {
                part(report, Part.SYNC, () -> report.sync(new SyncBench(servers, settings, meter).runAll()));
            }
            if (settings.runs(Part.STEADY)) {
                part(report, Part.STEADY, () -> report.steady(new SteadyBench(servers, settings).runAll()));
            }
            if (settings.runs(Part.BACKFILL)) {
                part(report, Part.BACKFILL, () -> report.backfill(new BackfillBench(servers, settings).runAll()));
            }
            if (settings.runs(Part.RECONCILE)) {
                part(report, Part.RECONCILE, () -> report.reconcile(new ReconcileBench(servers, settings).runAll()));
            }
            if (settings.runs(Part.CUTOVER)) {
                part(report, Part.CUTOVER, () -> report.cutover(
                        new CutoverBench(servers, settings.cutoverCycles(), settings.cutoverRate(),
                                settings.cutoverApplication()).run()));
            }
            if (settings.runs(Part.LARGE_TX)) {
                part(report, Part.LARGE_TX, () -> report.largeTx(new LargeTransactionBench(servers, settings, meter).runAll()));
            }
            if (settings.runs(Part.RESOURCES)) {
                report.resources(meter.figures());
            }
        }
        print(report);
        return failed ? 1 : 0;
    }

    private void part(BenchReport report, Part part, PartBody body) {
        long started = System.nanoTime();
        log.info("bench part {}: starting ({} run(s))", part.label(), settings.runs());
        try {
            body.run();
            log.info("bench part {}: done in {} s", part.label(), (System.nanoTime() - started) / 1_000_000_000);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            failed = true;
            report.failed(part, e);
            log.error("bench part {}: interrupted; its figures are null", part.label(), e);
        } catch (Exception e) {
            failed = true;
            report.failed(part, e);
            log.error("bench part {} failed; its figures are null in the report: {}", part.label(), e.getMessage(), e);
        }
    }

    private void print(BenchReport report) throws Exception {
        String jsonText = report.json();
        if (out != null) {
            writeFile(out, jsonText);
            log.info("JSON report written to {}", out.toAbsolutePath());
        }
        if (json) {
            System.err.println(report.markdown());
            System.out.println(jsonText);
        } else {
            System.out.println(report.markdown());
        }
    }

    private static void writeFile(Path file, String text) throws IOException {
        Path parent = file.toAbsolutePath().getParent();
        if (parent != null) {
            Files.createDirectories(parent);
        }
        Files.writeString(file, text + System.lineSeparator());
    }
}
