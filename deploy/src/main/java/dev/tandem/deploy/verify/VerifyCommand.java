package dev.tandem.deploy.verify;

import dev.tandem.deploy.ProgressLine;
import dev.tandem.reconcile.PassReport;
import dev.tandem.reconcile.RowDrift;
import dev.tandem.reconcile.TableReport;
import java.util.concurrent.Callable;
import java.util.concurrent.TimeoutException;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;

/** {@code tandem verify}: one full, persisted verification pass over every mapped table. */
@Command(name = "verify", mixinStandardHelpOptions = true,
        description = {"Runs one full verification pass: every mapped table is compared chunk by chunk, in the target's shape,",
                "while the sync keeps running; a difference counts only if it persists after the sync applied past it.",
                "Resumes the migration's unfinished pass if one was interrupted."},
        exitCodeListHeading = "%nExit codes:%n",
        exitCodeList = {"0:both sides are consistent", "1:rows drifted (listed; see `tandem diff` and `tandem repair`)",
                "2:the config, the mapping or an option is invalid", "3:the pass could not finish (database or fence error)"})
public final class VerifyCommand implements Callable<Integer> {

    @Mixin
    ReconcileOptions options;

    @Mixin
    ProgressOptions progress;

    @Override
    public Integer call() throws Exception {
        ReconcileOptions.Opened opened;
        try {
            progress.check();
            opened = options.open();
        } catch (IllegalArgumentException e) {
            System.err.println(e.getMessage());
            return 2;
        } catch (java.sql.SQLException e) {
            System.err.println("cannot reach the databases: " + e.getMessage());
            return 3;
        }
        PassReport report;
        PassProgress following = new PassProgress();
        ProgressLine line = progress.start(following);
        try {
            report = opened.reconciler().listeningTo(following).verifyPass();
            line.finish(following.summary(report));
        } catch (java.sql.SQLException | TimeoutException e) {
            line.stop();
            System.err.println("the verification pass did not finish: " + e.getMessage() + "; run `tandem verify` again to resume it");
            return 3;
        } finally {
            line.stop();
        }
        if (options.json) {
            System.out.println(ReportJson.write(ReportJson.pass(report)));
        } else {
            print(report);
        }
        return report.consistent() ? 0 : 1;
    }

    static void print(PassReport report) {
        System.out.println((report.consistent() ? "CONSISTENT" : "DRIFT FOUND") + ": pass " + report.passId() + ", "
                + report.rowsCompared() + " rows compared, " + report.driftedRows() + " drifted");
        for (TableReport t : report.tables()) {
            printTable(t);
        }
    }

    static void printTable(TableReport t) {
        System.out.printf("  %s: %s, %d rows in %d chunks (%s, fence %s, %.1f s)%n", t.table(),
                t.consistent() ? "consistent" : t.driftedRows() + " rows drifted", t.rowsCompared(), t.chunks(), t.mode(), t.fenceLsn(),
                t.seconds());
        for (RowDrift d : t.drift()) {
            System.out.println("    " + d.kind().name().toLowerCase() + " " + d.targetKey()
                    + (d.columns().isEmpty() ? "" : " columns " + d.columns()));
        }
        if (t.drift().size() < t.driftedRows()) {
            System.out.println("    … " + (t.driftedRows() - t.drift().size()) + " more (`tandem diff --table " + t.table() + "`)");
        }
        if (t.unsettledRows() > 0) {
            System.out.println("    " + t.unsettledRows() + " rows unsettled (not drift: the source changed them during every recheck; the "
                    + "next pass checks them again): " + t.unsettled().stream().map(d -> d.targetKey().toString()).toList());
        }
        if (!t.consistent()) {
            System.out.println("    fix: `tandem repair --config FILE --table " + t.table() + " --dry-run`, then without --dry-run");
        }
    }
}
