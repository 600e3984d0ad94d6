package dev.tandem.deploy.verify;

import dev.tandem.deploy.ProgressLine;
import dev.tandem.reconcile.RowDrift;
import dev.tandem.reconcile.repair.RepairAction;
import dev.tandem.reconcile.repair.RepairReport;
import dev.tandem.reconcile.repair.Repairer;
import dev.tandem.sync.mapping.CompiledTable;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import java.util.concurrent.TimeoutException;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/** {@code tandem repair}: re-applies the source's current rows for the drifted keys the newest pass recorded. */
@Command(name = "repair", mixinStandardHelpOptions = true,
        description = {"Repairs the drifted rows the newest verification pass recorded: reads them on the source FOR SHARE,",
                "awaits the sync, writes their projection with the applier's own upsert/delete, re-verifies and records",
                "each repair. --dry-run lists what would change and writes nothing."},
        exitCodeListHeading = "%nExit codes:%n",
        exitCodeList = {"0:every drifted row repaired and re-verified (or, with --dry-run, listed)", "1:rows still differ after the repair",
                "2:the config, the mapping or an option is invalid", "3:the repair could not finish (database or fence error)"})
public final class RepairCommand implements Callable<Integer> {

    @Mixin
    ReconcileOptions options;

    @Mixin
    ProgressOptions progress;

    @Option(names = "--table", description = "Only this target table (default: every table with recorded drift).")
    String table;

    @Option(names = "--dry-run", description = "List the changes; write nothing.")
    boolean dryRun;

    @Override
    public Integer call() throws Exception {
        ReconcileOptions.Opened opened;
        List<CompiledTable> tables;
        try {
            progress.check();
            opened = options.open();
            tables = table == null ? opened.reconciler().tables() : List.of(opened.reconciler().table(table));
        } catch (IllegalArgumentException e) {
            System.err.println(e.getMessage());
            return 2;
        } catch (java.sql.SQLException e) {
            System.err.println("cannot reach the databases: " + e.getMessage());
            return 3;
        }
        Repairer repairer = new Repairer(opened.reconciler(), opened.migration().source(), opened.migration().target(), opened.fence(),
                opened.settings().fenceTimeout());
        List<RepairReport> reports = new ArrayList<>();
        ProgressLine line = null;
        try {
            Map<CompiledTable, List<RowDrift>> recorded = new LinkedHashMap<>();
            for (CompiledTable t : tables) {
                List<RowDrift> drift = opened.reconciler().recordedDrift(t);
                if (!drift.isEmpty()) {
                    recorded.put(t, drift);
                }
            }
            RepairProgress following = new RepairProgress(dryRun, recorded.size(), recorded.values().stream().mapToLong(List::size).sum(),
                    System::nanoTime);
            line = progress.start(following);
            for (Map.Entry<CompiledTable, List<RowDrift>> t : recorded.entrySet()) {
                following.tableStarted(t.getKey().target());
                reports.add(repairer.repair(t.getKey(), t.getValue(), dryRun));
                following.tableDone(t.getValue().size());
            }
            line.finish(following.summary());
        } catch (java.sql.SQLException | TimeoutException e) {
            if (line != null) {
                line.stop();
            }
            System.err.println("the repair did not finish: " + e.getMessage() + "; nothing of the table being repaired was committed");
            return 3;
        } finally {
            if (line != null) {
                line.stop();
            }
        }
        if (options.json) {
            System.out.println(ReportJson.write(ReportJson.repairs(reports)));
        } else if (reports.isEmpty()) {
            System.out.println("nothing to repair: the newest pass recorded no drift (run `tandem verify` first if none ran)");
        } else {
            for (RepairReport r : reports) {
                System.out.println(r.table() + ": " + (r.dryRun() ? "would apply " : "applied ") + r.actions().size() + " changes"
                        + (r.dryRun() ? "" : " after fence " + r.fenceLsn() + ", " + r.remaining().size() + " rows still differ"));
                for (RepairAction a : r.actions()) {
                    System.out.println("  " + a.action() + " " + a.targetKey() + (a.sourceKey().isEmpty() ? "" : " (source " + a.sourceKey() + ")"));
                }
            }
        }
        return reports.stream().allMatch(r -> r.remaining().isEmpty()) ? 0 : 1;
    }
}
